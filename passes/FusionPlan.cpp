// FusionPlan.cpp: gathers the fusion attributes of a graph into groups and totals.
#include "passes/FusionPlan.h"

#include <map>

#include "passes/CostAnalysis.h"

namespace kiln {
namespace {

int64_t value_bytes(const Value* value) {
  if (!value || !value->type.shape) return 0;
  int64_t count = 1;
  for (const Dim& d : *value->type.shape) count *= d.is_static() ? d.value : 1;
  return count * int64_t(dtype_size(value->type.dtype));
}

bool is_kernel(const Node& node) {
  const Value* out = node.output(0);
  return out && is_floating(out->type.dtype);
}

}  // namespace

FusionPlan read_fusion_plan(const Graph& graph) {
  FusionPlan plan;
  const CostReport costs = analyze_costs(graph);
  std::map<int64_t, FusionGroup> groups;
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    const Node& node = *graph.nodes()[i];
    if (is_kernel(node)) ++plan.totals.kernels_before;
    if (node.attrs.has("fusion_not_fused"))
      plan.not_fused.push_back({node.name, node.op, node.attrs.get_string("fusion_not_fused", "")});
    if (!node.attrs.has("fusion_group")) continue;
    FusionGroup& group = groups[node.attrs.get_int("fusion_group", 0)];
    group.members.push_back(&node);
    group.nodes.push_back(node.name);
    group.ops.push_back(node.op);
    if (i < costs.nodes.size()) group.macs += costs.nodes[i].macs;
    if (node.attrs.has("fusion_pattern"))
      group.schedule = node.attrs.get_string("fusion_pattern", "");
  }
  for (auto& [id, group] : groups) {
    group.id = id;
    for (size_t i = 0; i + 1 < group.members.size(); ++i)
      group.bytes_saved += value_bytes(group.members[i]->output(0));
    const Value* out = group.members.back()->output(0);
    if (out && out->type.shape) group.output_shape = *out->type.shape;
    plan.totals.fused_nodes += int64_t(group.members.size());
    plan.totals.bytes_saved += group.bytes_saved;
    plan.groups.push_back(std::move(group));
  }
  plan.totals.groups = int64_t(plan.groups.size());
  plan.totals.kernels_after =
      plan.totals.kernels_before - plan.totals.fused_nodes + plan.totals.groups;
  plan.totals.memory_traffic_saved = 2 * plan.totals.bytes_saved;
  return plan;
}

}  // namespace kiln
