// GraphEdits.cpp: small graph queries and rewrites shared by several passes.
#include "passes/GraphEdits.h"

#include <algorithm>

namespace kiln {

std::unordered_map<const Value*, int> count_uses(const Graph& graph) {
  std::unordered_map<const Value*, int> uses;
  for (const auto& node : graph.nodes())
    for (const Value* in : node->inputs)
      if (in) ++uses[in];
  for (const Value* out : graph.outputs)
    if (out) ++uses[out];
  return uses;
}

bool forward_value(Graph& graph, Value* value, Value* replacement, const Node* through) {
  Node* producer = replacement->producer;
  const bool replacement_is_boundary =
      is_graph_output(graph, replacement) ||
      std::find(graph.inputs.begin(), graph.inputs.end(), replacement) != graph.inputs.end();
  if (producer && !replacement_is_boundary && value->type.dtype == replacement->type.dtype) {
    auto uses = count_uses(graph);
    int uses_by_through = 0;
    for (const Value* in : through->inputs)
      if (in == replacement) ++uses_by_through;
    if (uses[replacement] == uses_by_through) {
      // Rewire the producer so `value` (and its name) survives: it may be a graph output.
      for (Value*& out : producer->outputs)
        if (out == replacement) out = value;
      value->producer = producer;
      if (!value->type.shape && replacement->type.shape) value->type = replacement->type;
      replacement->producer = nullptr;
      return true;
    }
  }
  if (is_graph_output(graph, value)) return false;
  graph.replace_all_uses(value, replacement);
  return true;
}

}  // namespace kiln
