// InferShapes.cpp: the shape-inference pass: runs every node's shape rule in graph order and
// records the output types (and known dims of shape-computing values) on the output Values.
#include "passes/InferShapes.h"

#include "ir/ShapeRules.h"

namespace kiln {
namespace {

Error node_error(const Node& node, Error error) {
  if (error.node.empty()) error.node = node.name;
  return error;
}

Status check_graph_inputs(const Graph& graph) {
  for (const Value* input : graph.inputs) {
    if (input->is_constant()) continue;
    if (input->type.dtype == DType::Unknown || !input->type.shape)
      return Error{"", "",
                   "graph input '" + input->name + "' has no known type (" +
                       input->type.to_string() + "); give it a dtype and shape"};
  }
  return Status::ok();
}

}  // namespace

Status infer_shapes(Graph& graph) {
  KILN_RETURN_IF_ERROR(check_graph_inputs(graph));
  for (const std::unique_ptr<Node>& node : graph.nodes()) {
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Value* input = node->inputs[i];
      if (input && !input->type.is_known())
        return Error{"", node->name,
                     node->op + " input " + std::to_string(i) + " '" + input->name +
                         "' has no known type (" + input->type.to_string() +
                         "); is it defined by a later node?"};
    }
    Status inferred = infer_node_types(*node);
    if (!inferred) return node_error(*node, inferred.error());
  }
  return Status::ok();
}

}  // namespace kiln
