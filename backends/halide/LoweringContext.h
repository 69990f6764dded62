// LoweringContext.h: the state shared by the per-op Halide lowerings (internal to the backend).
//
// Every lowered value is a Func plus its extents in IR order. Op lowerings index tensors in IR
// order too (outermost first) and let `call`/`define` reverse to Halide's innermost-first order,
// so the op code reads like the ONNX spec.
#pragma once

#include <Halide.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/HalideSchedule.h"
#include "ir/Error.h"
#include "ir/IR.h"

/// Declares `name` from a Result-valued `expr`, returning its error from the enclosing function.
#define KILN_HALIDE_ASSIGN(name, expr)                        \
  auto name##_result_ = (expr);                               \
  if (!name##_result_.is_ok()) return name##_result_.error(); \
  auto name = std::move(name##_result_.value())

namespace kiln {

/// A value as Halide sees it: a Func of `extents.size()` dims plus its element type.
struct LoweredValue {
  Halide::Func func;
  std::vector<Halide::Expr> extents;  ///< IR order (outermost first)
  DType dtype = DType::Unknown;

  size_t rank() const { return extents.size(); }
  /// The element at `index` (IR order).
  Halide::Expr at(const std::vector<Halide::Expr>& index) const;
};

/// What a lowering builds for one node.
struct NodeLowering {
  std::vector<LoweredValue> outputs;  ///< one per node output
  NodeFuncs funcs;                    ///< the Funcs the schedule applies to
};

/// Reverses IR-order indices into Halide argument order.
std::vector<Halide::Expr> to_halide_order(const std::vector<Halide::Expr>& ir_index);
/// `vars` as Exprs, in the same (IR) order.
std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var>& vars);
/// Defines f(vars) = value with `vars` in IR order.
void define_pure(Halide::Func& f, const std::vector<Halide::Var>& ir_vars, const Halide::Expr& v);
/// Product of extents (1 for a scalar).
Halide::Expr element_count(const std::vector<Halide::Expr>& extents);
/// Extents of the numpy broadcast of two shapes (IR order). A static 1 stretches; other pairs
/// are assumed equal (shape inference has checked them).
std::vector<Halide::Expr> broadcast_extents(const std::vector<Halide::Expr>& a,
                                            const std::vector<Halide::Expr>& b);
/// The index into `v` of the element that broadcasts to `out_index` (IR order, rank >= v's).
std::vector<Halide::Expr> broadcast_index(const LoweredValue& v,
                                          const std::vector<Halide::Expr>& out_index);
/// True when `e` is the constant `value`.
bool is_const_int(const Halide::Expr& e, int64_t value);
/// Normalises a possibly negative axis against `rank`; error when out of range.
Result<int> normalize_axis(int64_t axis, size_t rank);

/// The lowering state for one graph.
class LoweringContext {
 public:
  LoweringContext(const Graph& graph, const Halide::Target& target,
                  const ScheduleOptions& options = {});

  const Graph& graph() const { return graph_; }
  const Halide::Target& target() const { return target_; }
  const ScheduleOptions& options() const { return options_; }
  /// The schedule `node` gets (fixed by set_schedule, else what choose_schedule picks):
  /// lowerings whose algorithm depends on the schedule (a blocked accumulator, pre-packed
  /// weights) ask before building their Funcs.
  NodeSchedule schedule_of(const Node& node) const;
  /// Fixes the schedule schedule_of returns for `node` (a kernel's record or group anchor).
  void set_schedule(const Node& node, const NodeSchedule& schedule) { fixed_[&node] = schedule; }

  /// The lowered form of an input of a node: a graph input, a value lowered earlier, or a
  /// constant (which becomes a weight parameter on first use).
  Result<LoweredValue> value(const Value* v);
  /// Records the lowered form of a node output.
  void set_value(const Value* v, LoweredValue lowered);
  bool has_value(const Value* v) const { return values_.count(v) != 0; }

  /// The extent of a dim: static -> constant, symbolic -> the bound input extent.
  Result<Halide::Expr> extent_of(const Dim& dim) const;
  /// Extents of an inferred value type, IR order; error for unknown rank or dims.
  Result<std::vector<Halide::Expr>> extents_of(const Value* v) const;

  /// Fresh Vars for a Func of `rank` dims, IR order (the innermost is named d0).
  std::vector<Halide::Var> make_vars(size_t rank) const;
  /// A Func named after `node` (unique, valid as a C identifier fragment).
  Halide::Func make_func(const Node& node, const std::string& role = "");

  /// Integer values of a constant or shape-computed input, e.g. Slice starts; nullopt if unknown
  /// or symbolic.
  std::optional<std::vector<int64_t>> constant_ints(const Value* v) const;

  /// Makes each symbolic dim an int32 scalar parameter (called once, before anything else).
  void bind_symbols(const std::vector<std::string>& symbols);
  /// Binds `v` (a graph input or another kernel's output) to a new ImageParam with dense
  /// strides, channels innermost when `channels_last` (a 4-D value); returns the param.
  Result<Halide::ImageParam> bind_tensor(const Value* v, bool channels_last,
                                         const std::string& name);
  const std::vector<Halide::Param<int32_t>>& symbol_params() const { return symbol_params_; }
  const std::vector<Halide::ImageParam>& weight_params() const { return weight_params_; }
  const std::vector<const Value*>& weight_values() const { return weight_values_; }
  /// A constant computed from `source` at compile time (weights pre-packed for a schedule). It
  /// becomes a weight parameter of its own, named after the source and `role`; the source
  /// becomes one only if something else reads it.
  LoweredValue derived_weight(const Value* source, const std::string& role, Tensor data);
  /// The Values behind derived weights (their owners, for LoweredGraph).
  const std::vector<std::shared_ptr<Value>>& derived_weights() const { return derived_; }

 private:
  Result<LoweredValue> weight_value(const Value* v);
  std::string unique_name(const std::string& base);

  const Graph& graph_;
  Halide::Target target_;
  ScheduleOptions options_;
  std::map<const Value*, LoweredValue> values_;
  std::map<std::string, Halide::Expr> symbol_extents_;
  std::vector<Halide::Param<int32_t>> symbol_params_;
  std::map<const Node*, NodeSchedule> fixed_;
  std::vector<Halide::ImageParam> weight_params_;
  std::vector<const Value*> weight_values_;
  std::vector<std::shared_ptr<Value>> derived_;
  std::map<std::string, int> name_counts_;
};

/// The storage order of a boundary tensor of `rank` dims, as Halide dim indices innermost first:
/// 0, 1, 2, ... (dense row-major), or c, w, h, n = 2, 0, 1, 3 for a channels-last 4-D tensor.
std::vector<int> boundary_storage_order(size_t rank, bool channels_last);

/// Constrains `dims` (a buffer's Halide dims) to start at 0 with `extents` (IR order) and dense
/// strides, channels innermost when `channels_last` (4-D only).
void constrain_dense(const std::vector<Halide::Internal::Dimension>& dims,
                     const std::vector<Halide::Expr>& extents, bool channels_last);

/// Sanitises a name into [A-Za-z0-9_], starting with a letter (Halide and C both accept it).
std::string halide_safe_name(const std::string& name);

}  // namespace kiln
