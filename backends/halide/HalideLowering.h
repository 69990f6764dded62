// HalideLowering.h: lowers a shape-inferred Kiln graph to a Halide pipeline.
//
// Layout. IR tensors are row-major, Halide dims innermost-first: a value of shape [N,C,H,W] is a
// Func (w, h, c, n), and an ImageParam's dim(0) is the IR's last dim. Symbolic dims stay symbolic:
// a symbol is bound to the extent of the first graph-input dim that carries it, so one pipeline
// runs any batch size. Static input dims are asserted through set_extent.
//
// Parameters. Graph inputs and the constants read as tensors (weights) are ImageParams, never
// baked-in buffers: the AOT step binds weights from a blob at run time and the JIT binds Buffers
// over each constant's TensorData. Constants read only for their values at compile time (a
// Reshape's shape, Slice bounds, scalar Gather indices) do not become parameters.
#pragma once

#include <Halide.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/halide/HalideSchedule.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// A graph lowered to Halide, ready for compile_jit or compile_to_static_library.
struct LoweredGraph {
  std::vector<Halide::ImageParam> inputs;   ///< one per graph input, graph order
  std::vector<Halide::ImageParam> weights;  ///< one per constant read as a tensor
  std::vector<const Value*> weight_values;  ///< the constant behind each entry of `weights`
  /// Owners of the weights the lowering derived at compile time (pre-packed copies), which
  /// `weight_values` points into alongside the graph's own constants.
  std::vector<std::shared_ptr<Value>> derived_weights;
  std::vector<Halide::Func> outputs;  ///< one per graph output, graph order
  /// Extents of each output in IR order (outermost first), as Exprs over the inputs' extents.
  std::vector<std::vector<Halide::Expr>> output_extents;
  Halide::Pipeline pipeline;  ///< over `outputs`
  /// The schedule chosen for each node, by node name (for logs and tuners).
  std::vector<std::pair<std::string, NodeSchedule>> schedules;
  /// The schedule of each fusion group, by the name of its stage (last) node; its members do not
  /// appear in `schedules`.
  std::vector<std::pair<std::string, std::string>> group_schedules;

  /// Pipeline arguments: inputs then weights, the order the AOT C wrapper passes them.
  std::vector<Halide::Argument> arguments() const;
};

/// Parses "host", "x86-64-linux-avx2", "arm-64-linux", ... into a Target; errors on bad strings.
Result<Halide::Target> parse_halide_target(const std::string& spec);

/// Lowers `graph` (types inferred: every value has a dtype and a rank; dims static or symbolic)
/// to Halide Funcs with the schedule chosen per node. Errors name the node that cannot be lowered.
Result<LoweredGraph> lower_to_halide(const Graph& graph, const Halide::Target& target,
                                     const ScheduleOptions& options = {});

/// The Halide scalar type for a Kiln dtype (bool is uint1); error for Unknown.
Result<Halide::Type> to_halide_type(DType dtype);

}  // namespace kiln
