// RemoveIdentity.cpp: the pass that drops the ops ir/Ops.def flags kNoOp (Identity and
// inference-mode Dropout).
#include "passes/RemoveIdentity.h"

#include "ir/OpSchema.h"
#include "passes/GraphEdits.h"

namespace kiln {

Status remove_identity(Graph& graph) {
  std::vector<Node*> candidates;
  for (const auto& node : graph.nodes())
    if (op_has_flag(node->op, op_flags::kNoOp)) candidates.push_back(node.get());
  for (Node* node : candidates) {
    Value* in = node->input(0);
    Value* out = node->output(0);
    if (!in || !out || node->outputs.size() != 1) continue;
    if (!forward_value(graph, out, in, node)) continue;
    graph.remove_node(node);
    // Whichever of the two values lost its definition is now dead.
    Value* orphan = out->producer == nullptr ? out : (in->producer == nullptr ? in : nullptr);
    if (orphan && orphan != in && count_uses(graph)[orphan] == 0) graph.remove_value(orphan);
    if (orphan == in && !in->is_constant() && count_uses(graph)[in] == 0) {
      bool is_input = false;
      for (const Value* v : graph.inputs) is_input |= v == in;
      if (!is_input) graph.remove_value(in);
    }
  }
  return Status::ok();
}

}  // namespace kiln
