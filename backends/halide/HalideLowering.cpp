// HalideLowering.cpp: the driver that walks the graph, asks each op's lowering for its Funcs,
// schedules them and assembles the Pipeline.
#include "backends/halide/HalideLowering.h"

#include <algorithm>
#include <map>
#include <set>

#include "backends/halide/GroupSchedule.h"
#include "backends/halide/LoweringContext.h"
#include "backends/halide/OpLowerings.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace kiln {
namespace {

using Halide::Expr;
using Halide::Func;

// Nodes whose results reach a graph output; the rest are not lowered (so their constants do not
// become pipeline arguments).
std::set<const Node*> live_nodes(const Graph& graph) {
  std::set<const Node*> live;
  std::vector<const Value*> work(graph.outputs.begin(), graph.outputs.end());
  while (!work.empty()) {
    const Value* v = work.back();
    work.pop_back();
    if (!v || !v->producer || live.count(v->producer)) continue;
    live.insert(v->producer);
    for (const Value* input : v->producer->inputs) work.push_back(input);
  }
  return live;
}

// Shape arithmetic (Shape -> Gather -> Concat ...) that shape inference already evaluated
// becomes a small constant Func over the bound extents, whatever op computed it.
std::optional<NodeLowering> lower_known_dims(LoweringContext& ctx, const Node& node) {
  NodeLowering lowering;
  for (const Value* out : node.outputs) {
    if (!out || !out->known_dims || !out->type.shape || out->type.shape->size() > 1) return {};
    auto type = to_halide_type(out->type.dtype);
    if (!type || !type->is_int()) return {};
    std::vector<Expr> elements;
    for (const Dim& d : *out->known_dims) {
      if (is_integer_dim(d)) {  // plain integers, possibly negative (Reshape's -1)
        elements.push_back(
            Halide::cast(*type, Expr(int(std::clamp<int64_t>(d.value, -(1 << 30), 1 << 30)))));
        continue;
      }
      auto e = ctx.extent_of(d);
      if (!e) return {};
      elements.push_back(Halide::cast(*type, *e));
    }
    if (elements.empty()) return {};
    Func f = ctx.make_func(node);
    std::vector<Expr> extents;
    if (out->type.shape->empty()) {
      f() = elements[0];
    } else {
      Halide::Var i("d0");
      Expr value = elements.back();
      for (size_t k = elements.size() - 1; k-- > 0;)
        value = Halide::select(i == int(k), elements[k], value);
      f(i) = value;
      extents.push_back(int(elements.size()));
    }
    lowering.outputs.push_back(LoweredValue{f, extents, out->type.dtype});
  }
  return lowering;
}

Result<NodeLowering> lower_node(LoweringContext& ctx, const Node& node) {
  if (std::optional<NodeLowering> known = lower_known_dims(ctx, node)) return *known;
  halide_lowering::OpLoweringFn fn = halide_lowering::find_op_lowering(node.op);
  if (!fn) return make_error("op '" + node.op + "' has no Halide lowering");
  return fn(ctx, node);
}

// Fusion groups (the `fusion_group` attributes) whose members were all lowered and whose
// intermediates are read only inside the group; any other group falls back to node schedules.
std::map<int64_t, std::vector<const Node*>> schedulable_groups(
    const Graph& graph, const std::set<const Node*>& lowered) {
  std::map<int64_t, std::vector<const Node*>> groups;
  for (const auto& node : graph.nodes())
    if (node->attrs.has("fusion_group"))
      groups[node->attrs.get_int("fusion_group", -1)].push_back(node.get());
  std::set<const Value*> graph_outputs(graph.outputs.begin(), graph.outputs.end());
  for (auto it = groups.begin(); it != groups.end();) {
    const std::vector<const Node*>& members = it->second;
    std::set<const Node*> inside(members.begin(), members.end());
    bool ok = members.size() >= 2;
    for (size_t i = 0; ok && i < members.size(); ++i) {
      if (!lowered.count(members[i])) ok = false;
      if (i + 1 == members.size()) break;
      for (const Value* out : members[i]->outputs) {
        if (!out) continue;
        if (graph_outputs.count(out)) ok = false;
        for (const Node* user : graph.users(out))
          if (!inside.count(user)) ok = false;
      }
    }
    it = ok ? std::next(it) : groups.erase(it);
  }
  return groups;
}

}  // namespace

std::vector<Halide::Argument> LoweredGraph::arguments() const {
  std::vector<Halide::Argument> args;
  for (const Halide::ImageParam& p : inputs) args.emplace_back(p);
  for (const Halide::ImageParam& p : weights) args.emplace_back(p);
  return args;
}

Result<Halide::Target> parse_halide_target(const std::string& spec) {
  if (spec.empty() || spec == "host") return Halide::get_host_target();
  if (!Halide::Target::validate_target_string(spec))
    return make_error("invalid Halide target '" + spec + "'");
  return Halide::Target(spec);
}

Result<LoweredGraph> lower_to_halide(const Graph& graph, const Halide::Target& target,
                                     const ScheduleOptions& options) {
  struct Lowered {
    const Node* node;
    NodeFuncs funcs;
  };
  LoweringContext ctx(graph, target, options);
  LoweredGraph result;
  std::vector<Lowered> lowered_nodes;
  try {
    KILN_RETURN_IF_ERROR(ctx.bind_inputs());
    const std::set<const Node*> live = live_nodes(graph);
    for (const auto& node : graph.nodes()) {
      if (!live.count(node.get())) continue;
      Result<NodeLowering> lowering = lower_node(ctx, *node);
      if (!lowering) return Error{"", node->name, lowering.error().message};
      if (lowering->outputs.size() < node->outputs.size())
        return Error{"", node->name, "the lowering produced too few outputs"};
      for (size_t i = 0; i < node->outputs.size(); ++i)
        if (node->outputs[i]) ctx.set_value(node->outputs[i], lowering->outputs[i]);
      if (lowering->funcs.output.defined()) lowered_nodes.push_back({node.get(), lowering->funcs});
    }

    // Outputs: a node's own Func serves when it is not already serving; otherwise a copy.
    std::set<std::string> node_funcs, used_outputs;
    for (const Lowered& l : lowered_nodes) node_funcs.insert(l.funcs.output.name());
    for (size_t i = 0; i < graph.outputs.size(); ++i) {
      const Value* v = graph.outputs[i];
      auto value = ctx.value(v);
      if (!value) return Error{"", "", "graph output '" + v->name + "': " + value.error().message};
      Func f = value->func;
      if (!node_funcs.count(f.name()) || used_outputs.count(f.name())) {
        Func copy(halide_safe_name("out_" + v->name + "_" + std::to_string(i)));
        std::vector<Halide::Var> vars = ctx.make_vars(value->rank());
        define_pure(copy, vars, value->at(as_exprs(vars)));
        f = copy;
      }
      used_outputs.insert(f.name());
      for (size_t d = 0; d < value->rank(); ++d)
        f.output_buffer().dim(int(value->rank() - 1 - d)).set_bounds(0, value->extents[d]);
      result.outputs.push_back(f);
      result.output_extents.push_back(value->extents);
    }

    std::set<const Node*> lowered_set;
    for (const Lowered& l : lowered_nodes) lowered_set.insert(l.node);
    const auto groups = schedulable_groups(graph, lowered_set);
    std::map<const Node*, int64_t> group_of;
    for (const auto& [id, members] : groups)
      for (const Node* member : members) group_of[member] = id;
    std::map<int64_t, std::vector<GroupMember>> group_members;
    for (Lowered& l : lowered_nodes) {
      auto group = group_of.find(l.node);
      if (group != group_of.end()) {
        group_members[group->second].push_back({l.node, l.funcs});
        continue;
      }
      NodeSchedule schedule = choose_schedule(graph, *l.node, target, options);
      apply_schedule(schedule, l.funcs, used_outputs.count(l.funcs.output.name()) != 0);
      result.schedules.emplace_back(l.node->name, schedule);
    }
    for (auto& [id, members] : group_members) {
      GroupSchedule schedule = choose_group_schedule(graph, groups.at(id), target, options);
      apply_group_schedule(schedule, members,
                           used_outputs.count(members.back().funcs.output.name()) != 0);
      result.group_schedules.emplace_back(members.back().node->name, schedule.to_string());
    }
    result.inputs = ctx.input_params();
    result.weights = ctx.weight_params();
    result.weight_values = ctx.weight_values();
    result.derived_weights = ctx.derived_weights();
    result.pipeline = Halide::Pipeline(result.outputs);
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide rejected the lowered graph: ") + e.what());
  }
  return result;
}

}  // namespace kiln
