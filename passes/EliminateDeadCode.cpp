// EliminateDeadCode.cpp: the pass that removes everything the graph outputs do not depend on.
#include "passes/EliminateDeadCode.h"

#include <unordered_set>

namespace kiln {

Status eliminate_dead_code(Graph& graph) {
  std::unordered_set<const Value*> live(graph.outputs.begin(), graph.outputs.end());
  std::unordered_set<const Node*> live_nodes;
  // Nodes are topologically ordered, so one backward sweep finds every live node.
  const auto& nodes = graph.nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const Node& node = **it;
    bool needed = false;
    for (const Value* out : node.outputs) needed |= out && live.count(out) != 0;
    if (!needed) continue;
    live_nodes.insert(&node);
    for (const Value* in : node.inputs)
      if (in) live.insert(in);
  }
  std::vector<Node*> dead_nodes;
  for (const auto& node : nodes)
    if (!live_nodes.count(node.get())) dead_nodes.push_back(node.get());
  for (Node* node : dead_nodes) graph.remove_node(node);

  // A live node's unused extra outputs stay: the node still defines them.
  std::unordered_set<const Value*> keep(graph.inputs.begin(), graph.inputs.end());
  for (const Node* node : live_nodes)
    for (const Value* out : node->outputs) keep.insert(out);
  std::vector<Value*> dead_values;
  for (const auto& value : graph.values())
    if (!live.count(value.get()) && !keep.count(value.get())) dead_values.push_back(value.get());
  for (Value* value : dead_values) graph.remove_value(value);
  return Status::ok();
}

}  // namespace kiln
