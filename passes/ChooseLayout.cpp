// ChooseLayout.cpp: the pass that picks the internal storage layout of 4-D activations.
#include "passes/ChooseLayout.h"

#include "ir/OpSchema.h"
#include "passes/GraphEdits.h"

namespace kiln {
namespace {

// Ops whose result at (n, c, h, w) is built from inputs at the same channel or from whole
// channel vectors: storing them channels-innermost keeps every read contiguous. Ops.def says so
// by the op's pattern (windows, elementwise and broadcast ops) or its kLayoutAgnostic flag.
bool is_image_op(const std::string& op) {
  const OpPattern pattern = op_pattern(op);
  return pattern == OpPattern::Window || is_elementwise_op(op) ||
         op_has_flag(op, op_flags::kLayoutAgnostic);
}

}  // namespace

Status choose_layout(Graph& graph) {
  for (const auto& node : graph.nodes()) {
    node->attrs.erase("layout");
    if (!is_image_op(node->op) || node->outputs.size() != 1 || !node->output(0)) continue;
    const Value* out = node->output(0);
    if (!out->type.shape || out->type.shape->size() != 4 || !is_floating(out->type.dtype) ||
        is_graph_output(graph, out))
      continue;
    node->attrs.set("layout", std::string("NHWC"));
  }
  return Status::ok();
}

}  // namespace kiln
