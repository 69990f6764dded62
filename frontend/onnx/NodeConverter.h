// NodeConverter.h: the state shared while ONNX nodes become IR nodes, and the per-node helper
// that op converters use to read inputs and attributes and to emit IR.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frontend/onnx/TensorImport.h"
#include "ir/ConstantEvaluator.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::onnx_import {

/// Model-wide state of one import.
struct GraphBuilder {
  Graph& graph;
  std::string file;  ///< the model file, for errors
  int64_t opset;     ///< ai.onnx opset of the model
  TensorImporter& tensors;
  std::set<std::string> onnx_value_names;        ///< every name the model defines (kept free)
  std::set<std::string> used_value_names;        ///< names read by a node or a graph output
  std::set<std::string> node_names;              ///< node names taken so far (incl. the model's)
  std::map<std::string, TensorType> type_hints;  ///< value_info / graph output types
  /// Evaluates the nodes import folding computes (ImportFolding.h); null: only shape arithmetic
  /// folds.
  const ConstantEvaluator* evaluator = nullptr;
  size_t typed_nodes = 0;  ///< leading nodes whose output types import folding has inferred
  std::map<const Value*, Tensor> folded;  ///< values import folding has computed

  /// `base` or `base_1`, `base_2`, ...: a name neither the model nor the graph uses.
  std::string fresh_value_name(const std::string& base) const;
  /// Same for node names; records the name as taken.
  std::string fresh_node_name(const std::string& base);
};

/// The IR type of an attribute as a converter expects it.
enum class AttrKind { Int, Float, String, Ints, Floats };

/// An attribute a converter accepts: its name and kind.
struct AttrSpec {
  const char* name;
  AttrKind kind;
};

/// One ONNX node under conversion.
class NodeConverter {
 public:
  NodeConverter(GraphBuilder& builder, const onnx::NodeProto& proto, std::string name)
      : builder_(builder), proto_(proto), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  const std::string& op_type() const { return proto_.op_type(); }
  const onnx::NodeProto& proto() const { return proto_; }
  int64_t opset() const { return builder_.opset; }
  GraphBuilder& builder() { return builder_; }

  /// An error naming the file and this node.
  Error error(const std::string& message) const;

  /// Input i; null when absent (past the end or an empty name); an error when the name is not
  /// defined by an earlier node, a graph input or an initializer.
  Result<Value*> input(size_t i) const;
  /// Input i, an error naming `role` when absent.
  Result<Value*> required_input(size_t i, const std::string& role) const;
  /// Inputs [0, count), null where omitted, the first `required` ones required (an error naming
  /// roles[i], else "input i"); trailing omitted inputs are dropped.
  Result<std::vector<Value*>> inputs_up_to(size_t count, size_t required,
                                           const std::vector<std::string>& roles = {}) const;
  /// Contents of input i, which must be a constant or computable from constants and static
  /// shapes (ImportFolding.h); null when absent.
  Result<const Tensor*> constant_input(size_t i, const std::string& role) const;
  /// Input i (null when absent), replaced by a constant when import folding can compute it, so
  /// that shape rules see the values of size operands (Expand's shape, Range's limit).
  Result<Value*> folded_input(size_t i);
  /// Elements of constant input i as integers; nullopt when absent.
  Result<std::optional<std::vector<int64_t>>> constant_ints(size_t i,
                                                            const std::string& role) const;
  /// The single element of constant input i; nullopt when absent.
  Result<std::optional<double>> constant_scalar(size_t i, const std::string& role) const;

  /// The attribute called `name`, or null.
  const onnx::AttributeProto* attribute(const std::string& name) const;
  /// Converts the node's attributes: those in `known` are checked against their kind and copied
  /// under the same name, those in `ignored` are dropped, any other is an error.
  Result<Attributes> convert_attributes(const std::vector<AttrSpec>& known,
                                        const std::vector<std::string>& ignored = {}) const;

  /// True when ONNX output i exists and some node or graph output reads it.
  bool output_used(size_t i) const;
  /// An error when any output from `first` on is used; `what` says why they cannot be.
  Status reject_used_outputs(size_t first, const std::string& what) const;
  /// Creates the IR value for ONNX output i (a fresh name when the output is unnamed).
  Result<Value*> define_output(size_t i);
  /// The IR values of ONNX outputs [0, count) (see define_output).
  Result<std::vector<Value*>> define_outputs(size_t count);
  /// A new intermediate value named after this node.
  Value* temporary(const std::string& suffix);
  /// The rank of `value` when known from its type or the model's value_info.
  std::optional<int64_t> known_rank(const Value* value) const;

  /// Appends an IR node. The first emitted node gets the node's name, later ones `name/suffix`.
  Node* emit(const std::string& op, std::vector<Value*> inputs, std::vector<Value*> outputs,
             Attributes attrs = {}, const std::string& suffix = "");

 private:
  GraphBuilder& builder_;
  const onnx::NodeProto& proto_;
  std::string name_;
  bool name_used_ = false;
};

/// Converts one ONNX node into IR nodes (or constants).
using ConvertFn = Status (*)(NodeConverter&);

/// The converter for an op of the default ONNX domain; null when Kiln does not support it.
ConvertFn find_op_converter(const std::string& op_type);

}  // namespace kiln::onnx_import
