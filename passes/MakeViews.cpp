// MakeViews.cpp: the pass that marks pure index remaps as views. The View ops of ir/Ops.def never
// reorder elements (unlike Transpose), which is what makes aliasing the input legal.
#include "passes/MakeViews.h"

#include "ir/OpSchema.h"

namespace kiln {

Status make_views(Graph& graph) {
  for (const auto& node : graph.nodes()) {
    if (is_view_op(node->op)) node->attrs.set("view", int64_t{1});
  }
  return Status::ok();
}

}  // namespace kiln
