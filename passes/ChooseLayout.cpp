// ChooseLayout.cpp: the pass that picks a preferred internal storage layout per 4-D activation.
#include "passes/ChooseLayout.h"

#include <set>

#include "passes/GraphEdits.h"

namespace kiln {
namespace {

bool reads_channels_per_pixel(const std::string& op) {
  static const std::set<std::string> kOps = {"Conv", "MaxPool", "AveragePool"};
  return kOps.count(op) != 0;
}

}  // namespace

Status choose_layout(Graph& graph) {
  for (const auto& node : graph.nodes()) {
    if (node->op != "Conv" || node->outputs.size() != 1 || !node->output(0)) continue;
    const Value* out = node->output(0);
    if (!out->type.shape || out->type.shape->size() != 4 || is_graph_output(graph, out)) continue;
    std::vector<Node*> users = graph.users(out);
    bool internal = !users.empty();
    for (const Node* user : users) internal &= reads_channels_per_pixel(user->op);
    if (internal) node->attrs.set("layout", std::string("NHWC"));
  }
  return Status::ok();
}

}  // namespace kiln
