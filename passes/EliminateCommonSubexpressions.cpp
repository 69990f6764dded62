// EliminateCommonSubexpressions.cpp: the pass that merges nodes computing the same thing.
#include "passes/EliminateCommonSubexpressions.h"

#include <map>
#include <tuple>

#include "passes/GraphEdits.h"

namespace kiln {
namespace {

// Attributes are compared exactly (the map is ordered); nodes are bucketed by op and inputs, so
// only nodes in one bucket need an attribute comparison.
using NodeKey = std::tuple<std::string, std::vector<const Value*>, size_t>;

NodeKey key_of(const Node& node) {
  return {node.op, std::vector<const Value*>(node.inputs.begin(), node.inputs.end()),
          node.outputs.size()};
}

bool has_graph_output(const Graph& graph, const Node& node) {
  for (const Value* out : node.outputs)
    if (is_graph_output(graph, out)) return true;
  return false;
}

}  // namespace

Status eliminate_common_subexpressions(Graph& graph) {
  std::map<NodeKey, std::vector<Node*>> seen;
  std::vector<Node*> merged;
  for (const auto& owned : graph.nodes()) {
    Node* node = owned.get();
    std::vector<Node*>& bucket = seen[key_of(*node)];
    Node* twin = nullptr;
    for (Node* candidate : bucket)
      if (candidate->attrs == node->attrs) twin = candidate;
    if (!twin || has_graph_output(graph, *node)) {
      bucket.push_back(node);
      continue;
    }
    // Later nodes are keyed by value pointers, so redirecting now lets whole chains merge.
    for (size_t i = 0; i < node->outputs.size(); ++i)
      if (node->outputs[i] && twin->outputs[i])
        graph.replace_all_uses(node->outputs[i], twin->outputs[i]);
    merged.push_back(node);
  }
  for (Node* node : merged) {
    std::vector<Value*> outputs = node->outputs;
    graph.remove_node(node);
    for (Value* out : outputs)
      if (out) graph.remove_value(out);
  }
  return Status::ok();
}

}  // namespace kiln
