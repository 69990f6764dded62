// FoldConstants.cpp: the constant-folding pass, shape arithmetic included.
#include "passes/FoldConstants.h"

#include <optional>
#include <unordered_set>

#include "passes/GraphEdits.h"

namespace kiln {
namespace {

/// The tensor a value's all-static known_dims spell, or nullopt.
std::optional<Tensor> tensor_from_known_dims(const Value& value) {
  if (!value.known_dims || !value.type.shape || value.type.shape->size() > 1) return std::nullopt;
  const DType dtype = value.type.dtype;
  if (dtype != DType::Int64 && dtype != DType::Int32) return std::nullopt;
  std::optional<int64_t> count = static_element_count(*value.type.shape);
  if (!count || *count != int64_t(value.known_dims->size())) return std::nullopt;
  std::vector<int64_t> elements;
  for (const Dim& dim : *value.known_dims) {
    if (!dim.is_static()) return std::nullopt;
    elements.push_back(dim.value);
  }
  std::vector<int64_t> dims;
  if (!value.type.shape->empty()) dims.push_back(*count);
  if (dtype == DType::Int64) return make_int64_tensor(dims, elements);
  std::vector<int32_t> narrow(elements.begin(), elements.end());
  return Tensor{dtype, dims, TensorData::copy_of(narrow.data(), narrow.size() * sizeof(int32_t))};
}

/// The folded outputs of `node`, or nullopt when it cannot be folded.
std::optional<std::vector<Tensor>> fold_node(const Node& node, const PassContext& context) {
  std::vector<Tensor> folded;
  for (const Value* out : node.outputs) {
    std::optional<Tensor> tensor = out ? tensor_from_known_dims(*out) : std::nullopt;
    if (!tensor) break;
    folded.push_back(std::move(*tensor));
  }
  if (folded.size() == node.outputs.size()) return folded;

  if (!context.evaluator || node.inputs.empty()) return std::nullopt;
  std::vector<Tensor> inputs;
  for (const Value* in : node.inputs) {
    if (in && !in->is_constant()) return std::nullopt;
    inputs.push_back(in ? *in->constant : Tensor{});
  }
  Result<std::vector<Tensor>> evaluated = context.evaluator->evaluate(node, inputs);
  if (!evaluated || evaluated->size() != node.outputs.size()) return std::nullopt;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const DType declared = node.outputs[i] ? node.outputs[i]->type.dtype : DType::Unknown;
    if (declared != DType::Unknown && declared != (*evaluated)[i].dtype) return std::nullopt;
  }
  return std::move(evaluated.value());
}

}  // namespace

Status fold_constants(Graph& graph, const PassContext& context) {
  std::vector<Node*> nodes;
  for (const auto& node : graph.nodes()) nodes.push_back(node.get());
  std::vector<Value*> maybe_dead;
  std::unordered_set<const Value*> queued;
  for (Node* node : nodes) {
    bool feeds_output = false;
    for (const Value* out : node->outputs) feeds_output |= !out || is_graph_output(graph, out);
    if (feeds_output) continue;
    std::optional<std::vector<Tensor>> folded = fold_node(*node, context);
    if (!folded) continue;
    for (size_t i = 0; i < node->outputs.size(); ++i) {
      Value* out = node->outputs[i];
      Tensor& tensor = (*folded)[i];
      out->type = TensorType{tensor.dtype, static_shape(tensor.dims)};
      out->constant = std::move(tensor);
    }
    for (Value* in : node->inputs)
      if (in && in->is_constant() && queued.insert(in).second) maybe_dead.push_back(in);
    graph.remove_node(node);
  }
  auto uses = count_uses(graph);
  for (Value* value : maybe_dead) {
    if (uses[value] == 0) graph.remove_value(value);
  }
  return Status::ok();
}

}  // namespace kiln
