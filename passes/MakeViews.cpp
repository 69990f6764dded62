// MakeViews.cpp: the pass that marks pure index remaps as views. These four ops never reorder
// elements (unlike Transpose), which is what makes aliasing the input legal.
#include "passes/MakeViews.h"

namespace kiln {

Status make_views(Graph& graph) {
  for (const auto& node : graph.nodes()) {
    const std::string& op = node->op;
    if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze")
      node->attrs.set("view", int64_t{1});
  }
  return Status::ok();
}

}  // namespace kiln
