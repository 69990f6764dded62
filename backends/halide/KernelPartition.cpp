// KernelPartition.cpp: kernels, their boundary tensors, task keys and schedule spaces.
#include "backends/halide/KernelPartition.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "backends/halide/GpuSchedule.h"
#include "ir/GraphQueries.h"
#include "ir/OpSchema.h"
#include "ir/shape_rules/DimArithmetic.h"
#include "passes/CostAnalysis.h"

namespace kiln {
namespace {

// Nodes whose results reach a graph output; the rest are not lowered.
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

// Shape arithmetic that shape inference evaluated (Shape -> Gather -> Concat ...): lowered as a
// small constant Func wherever it is read (see lower_known_dims in KernelLowering.cpp).
bool computes_known_dims(const Node& node, const std::vector<std::string>& symbols) {
  if (node.outputs.empty()) return false;
  for (const Value* out : node.outputs) {
    if (!out || !out->known_dims || !out->type.shape || out->type.shape->size() > 1) return false;
    if (out->type.dtype != DType::Int64 && out->type.dtype != DType::Int32) return false;
    if (out->known_dims->empty()) return false;
    for (const Dim& d : *out->known_dims) {
      if (is_integer_dim(d)) continue;
      std::optional<DimProduct> product = DimProduct::of(d);
      if (!product) return false;
      for (const std::string& s : product->symbols)
        if (std::find(symbols.begin(), symbols.end(), s) == symbols.end()) return false;
    }
  }
  return true;
}

// Fusion groups whose members are all lowered as Funcs and whose intermediates are read only
// inside the group; any other group falls back to one kernel per node.
std::map<int64_t, std::vector<const Node*>> schedulable_groups(
    const Graph& graph, const std::set<const Node*>& lowerable) {
  std::map<int64_t, std::vector<const Node*>> groups;
  for (const auto& node : graph.nodes())
    if (node->attrs.has("fusion_group") && lowerable.count(node.get()))
      groups[node->attrs.get_int("fusion_group", -1)].push_back(node.get());
  std::map<int64_t, size_t> sizes;
  for (const auto& node : graph.nodes())
    if (node->attrs.has("fusion_group")) ++sizes[node->attrs.get_int("fusion_group", -1)];
  for (auto it = groups.begin(); it != groups.end();) {
    const std::vector<const Node*>& members = it->second;
    std::set<const Node*> inside(members.begin(), members.end());
    bool ok = members.size() >= 2 && members.size() == sizes[it->first];
    for (size_t i = 0; ok && i + 1 < members.size(); ++i) {
      for (const Value* out : members[i]->outputs) {
        if (!out) continue;
        if (is_graph_output(graph, out)) ok = false;
        for (const Node* user : graph.users(out))
          if (!inside.count(user)) ok = false;
      }
    }
    it = ok ? std::next(it) : groups.erase(it);
  }
  return groups;
}

// --- canonical text and hashing ---------------------------------------------------------------

std::string attribute_text(const AttributeValue& value) {
  std::ostringstream os;
  os.precision(17);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          os << '"' << v << '"';
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) {
          os << v;
        } else {
          os << '[';
          for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
          os << ']';
        }
      },
      value);
  return os.str();
}

std::string tensor_content_hash(const Tensor& t) {
  return stable_hash(std::string(reinterpret_cast<const char*>(t.data.data()), t.data.size()));
}

// Attributes that name or number things rather than change the computation.
bool is_bookkeeping_attribute(const std::string& name) {
  return name == "fusion_group" || name == "fusion_not_fused";
}

std::string canonical_text(const KernelPlan& kernel, const std::vector<BoundaryTensor>& tensors,
                           const std::vector<std::string>& symbols,
                           const std::map<const Node*, size_t>& position) {
  std::ostringstream os;
  os << "kernel v1\nsymbols";
  for (const std::string& s : symbols) os << ' ' << s;
  os << '\n';
  std::map<const Value*, std::string> names;
  for (size_t i = 0; i < kernel.inputs.size(); ++i) {
    const BoundaryTensor& t = tensors[size_t(kernel.inputs[i])];
    names[t.value] = "in" + std::to_string(i);
    os << "in" << i << ' ' << t.value->type.to_string() << (t.channels_last ? " nhwc" : "") << '\n';
  }
  int constants = 0;
  auto value_text = [&](const Value* v) -> std::string {
    if (!v) return "none";
    auto it = names.find(v);
    if (it != names.end()) return it->second;
    if (v->is_constant()) {  // named by first use: a constant read twice is one argument
      std::string name = "c" + std::to_string(constants++);
      names[v] = name;
      std::string text = name + ":const " + v->type.to_string();
      if (!is_floating(v->constant->dtype)) text += " #" + tensor_content_hash(*v->constant);
      return text;
    }
    return "?" + v->type.to_string();
  };
  std::vector<const Node*> nodes = kernel.inlined;
  nodes.insert(nodes.end(), kernel.stored.begin(), kernel.stored.end());
  std::sort(nodes.begin(), nodes.end(),
            [&](const Node* a, const Node* b) { return position.at(a) < position.at(b); });
  int counter = 0;
  for (const Node* node : nodes) {
    const bool stored =
        std::find(kernel.stored.begin(), kernel.stored.end(), node) != kernel.stored.end();
    os << (stored ? "node " : "inline ") << node->op << " {";
    for (const auto& [name, value] : node->attrs.all())
      if (!is_bookkeeping_attribute(name)) os << name << '=' << attribute_text(value) << ';';
    os << "} (";
    for (size_t i = 0; i < node->inputs.size(); ++i)
      os << (i ? ", " : "") << value_text(node->inputs[i]);
    os << ") ->";
    for (const Value* out : node->outputs) {
      if (!out) continue;
      std::string name = "v" + std::to_string(counter++);
      names[out] = name;
      os << ' ' << name << ':' << out->type.to_string();
      if (out->known_dims) {
        os << "=[";
        for (const Dim& d : *out->known_dims) os << d.to_string() << ',';
        os << ']';
      }
    }
    os << '\n';
  }
  if (kernel.copy_of) os << "copy " << value_text(kernel.copy_of) << '\n';
  for (int index : kernel.outputs) {
    const BoundaryTensor& t = tensors[size_t(index)];
    os << "out " << (kernel.copy_of ? "copy" : value_text(t.value)) << ' '
       << t.value->type.to_string() << (t.channels_last ? " nhwc" : "") << '\n';
  }
  return os.str();
}

// --- schedules --------------------------------------------------------------------------------

// Whether a kernel's default schedule stores its output channels-innermost.
bool default_stores_channels_last(const KernelSchedule& s) {
  if (!s.is_group)
    return s.node.channels_last &&
           (s.node.kind == ScheduleTemplate::Root || s.node.kind == ScheduleTemplate::ConvChannels);
  const GroupSchedule& g = s.group;
  switch (g.kind) {
    case FusionPattern::ConvEpilogue:
    case FusionPattern::ConvPool:
      return g.stage.channels_last && g.anchor.kind == ScheduleTemplate::ConvChannels;
    case FusionPattern::Elementwise:
      return g.stage.channels_last;
    default:
      return false;
  }
}

KernelSchedule default_schedule(const Graph& graph, const KernelPlan& kernel,
                                const Halide::Target& target, const ScheduleOptions& options) {
  KernelSchedule s;
  if (kernel.group) {
    s.is_group = true;
    s.group = choose_group_schedule(graph, kernel.stored, target, options);
    return s;
  }
  if (kernel.copy_of && is_gpu_target(target)) {
    s.node = gpu_tile_schedule(kernel.copy_of);
    return s;
  }
  if (kernel.copy_of) {
    s.node.kind = ScheduleTemplate::Root;
    s.node.vector_width = 1;
    s.node.parallel = false;
    return s;
  }
  s.node = choose_schedule(graph, *kernel.stored.front(), target, options);
  if (s.node.kind == ScheduleTemplate::Inline && is_gpu_target(target))
    s.node = gpu_tile_schedule(kernel.stored.front()->output(0));
  if (s.node.kind == ScheduleTemplate::Inline) s.node.kind = ScheduleTemplate::Root;
  return s;
}

// The layout knobs are not in the record text: a parsed schedule takes them from the default.
void copy_layout(const KernelSchedule& from, KernelSchedule& to) {
  to.node.channels_last = from.node.channels_last;
  to.group.stage.channels_last = from.group.stage.channels_last;
  to.group.anchor.channels_last = from.group.anchor.channels_last;
}

std::vector<int> powers_of_two(int from, int to) {
  std::vector<int> values;
  for (int v = from; v <= to; v *= 2) values.push_back(v);
  return values;
}

std::vector<int> range(int from, int to) {
  std::vector<int> values;
  for (int v = from; v <= to; ++v) values.push_back(v);
  return values;
}

int64_t static_or(const Dim& d, int64_t fallback) {
  return d.is_static() ? d.value : fallback;
}

// The vectorised extent of a node's output for Root (channels when channels-last).
int64_t vector_extent(const Node& node, bool channels_last) {
  const Value* out = node.output(0);
  if (!out || !out->type.shape || out->type.shape->empty()) return 1;
  const Shape& shape = *out->type.shape;
  return static_or(channels_last && shape.size() == 4 ? shape[1] : shape.back(), -1);
}

std::vector<ScheduleKnob> root_knobs(const Node* node, bool channels_last, int natural,
                                     const ScheduleOptions& options) {
  const int64_t extent = node ? vector_extent(*node, channels_last) : 1;
  const int max_vw = extent < 0 ? natural : lanes_within(natural, extent);
  return {{"vw", powers_of_two(1, std::max(1, max_vw))},
          {"par", options.parallel ? std::vector<int>{0, 1} : std::vector<int>{0}},
          {"shift", extent > 0 ? std::vector<int>{0, 1} : std::vector<int>{0}}};
}

std::vector<ScheduleKnob> conv_channels_knobs(const Node& conv, int natural,
                                              const ScheduleOptions& options, int64_t max_columns) {
  const Value* out = conv.output(0);
  const int64_t channels = (*out->type.shape)[1].value;
  const int64_t width = (*out->type.shape)[3].value;
  const bool depthwise = conv.attrs.get_int("group", 1) > 1;
  std::vector<int> vws;
  for (int vw : powers_of_two(4, natural))
    if (vw <= channels && (!depthwise || channels % vw == 0)) vws.push_back(vw);
  std::vector<int> tcs;
  const int min_vw = vws.empty() ? 4 : vws.front();
  for (int tc = 1; tc <= 4; ++tc)
    if (tc <= (channels + min_vw - 1) / min_vw) tcs.push_back(tc);
  int64_t columns = std::min<int64_t>(width, 32);
  if (max_columns >= 1) columns = std::min(columns, max_columns);
  return {{"vw", vws},
          {"tc", tcs},
          {"tx", range(1, int(std::max<int64_t>(1, columns)))},
          {"par", options.parallel ? std::vector<int>{0, 1} : std::vector<int>{0}},
          {"ue", {0, 1}}};
}

std::vector<ScheduleKnob> conv_tiled_knobs(const Node& conv, int natural,
                                           const ScheduleOptions& options) {
  const Value* out = conv.output(0);
  const int64_t innermost = out && out->type.shape && !out->type.shape->empty()
                                ? static_or(out->type.shape->back(), -1)
                                : -1;
  const int max_vw = innermost < 0 ? natural : lanes_within(natural, innermost);
  return {{"vw", powers_of_two(1, std::max(1, max_vw))},
          {"tc", {1, 2, 4, 8}},
          {"tv", {1, 2}},
          {"par", options.parallel ? std::vector<int>{0, 1} : std::vector<int>{0}},
          {"shift", innermost > 0 ? std::vector<int>{0, 1} : std::vector<int>{0}}};
}

std::vector<ScheduleKnob> gemm_packed_knobs(const Node& gemm, int natural,
                                            const ScheduleOptions& options) {
  const Value* out = gemm.output(0);
  const int64_t features = (*out->type.shape)[1].value;
  const Dim& rows = (*out->type.shape)[0];
  std::vector<int> vws;
  for (int vw : powers_of_two(4, natural))
    if (vw <= features) vws.push_back(vw);
  std::vector<int> tcs;
  const int min_vw = vws.empty() ? 4 : vws.front();
  for (int tc = 1; tc <= 4; ++tc)
    if (tc <= (features + min_vw - 1) / min_vw) tcs.push_back(tc);
  const int max_rows = rows.is_static() ? int(std::clamp<int64_t>(rows.value, 1, 8)) : 8;
  return {{"vw", vws},
          {"tc", tcs},
          {"tx", range(1, max_rows)},
          {"par", options.parallel ? std::vector<int>{0, 1} : std::vector<int>{0}}};
}

std::vector<ScheduleKnob> gemm_tiled_knobs(const Node& gemm, int natural,
                                           const ScheduleOptions& options) {
  const Value* out = gemm.output(0);
  const int64_t features = out && out->type.shape && !out->type.shape->empty()
                               ? static_or(out->type.shape->back(), -1)
                               : -1;
  const int max_vw = features < 0 ? natural : lanes_within(natural, features);
  return {{"vw", powers_of_two(1, std::max(1, max_vw))},
          {"tv", {1, 2}},
          {"par", options.parallel ? std::vector<int>{0, 1} : std::vector<int>{0}},
          {"shift", features > 0 ? std::vector<int>{0, 1} : std::vector<int>{0}}};
}

std::vector<ScheduleKnob> prefixed(const std::string& prefix, std::vector<ScheduleKnob> knobs) {
  for (ScheduleKnob& k : knobs) k.name = prefix + k.name;
  return knobs;
}

// The anchor templates that apply to a Conv/Gemm/MatMul, with their knobs.
std::vector<std::pair<ScheduleTemplate, std::vector<ScheduleKnob>>> anchor_spaces(
    const Node& anchor, const Halide::Target& target, const ScheduleOptions& options,
    int64_t max_columns) {
  const int natural = natural_width(target, options);
  std::vector<std::pair<ScheduleTemplate, std::vector<ScheduleKnob>>> spaces;
  if (is_convolution_op(anchor.op)) {
    if (conv_channels_schedule(anchor, target, options))
      spaces.emplace_back(ScheduleTemplate::ConvChannels,
                          conv_channels_knobs(anchor, natural, options, max_columns));
    spaces.emplace_back(ScheduleTemplate::ConvTiled, conv_tiled_knobs(anchor, natural, options));
  } else {
    if (gemm_packed_schedule(anchor, target, options))
      spaces.emplace_back(ScheduleTemplate::GemmPacked,
                          gemm_packed_knobs(anchor, natural, options));
    spaces.emplace_back(ScheduleTemplate::GemmTiled, gemm_tiled_knobs(anchor, natural, options));
  }
  return spaces;
}

// Shifted-inwards tails need the vectorised extent to hold one whole tile (vw x tv lanes).
Status check_shifted_tail(const NodeSchedule& s, const Node* node, const std::string& prefix) {
  if (!s.shift_tails || !node) return Status::ok();
  int64_t tile = s.vector_width;
  int64_t extent = -1;
  switch (s.kind) {
    case ScheduleTemplate::Root:
      extent = vector_extent(*node, s.channels_last);
      break;
    case ScheduleTemplate::ConvTiled:
    case ScheduleTemplate::GemmTiled:
      tile *= std::max(1, s.tile_vectors);
      extent = vector_extent(*node, false);
      break;
    default:
      return Status::ok();
  }
  if (extent >= tile) return Status::ok();
  return make_error("knob '" + prefix + "shift' = 1 needs a tile of " + std::to_string(tile) +
                    " lanes within the extent " + std::to_string(extent) + " (use shift=0)");
}

// A thread block holds at most 1024 threads (CUDA's limit; OpenCL devices report theirs).
Status check_gpu_block(const NodeSchedule& s, const std::string& prefix) {
  if (s.kind != ScheduleTemplate::GpuTile || s.block_x * s.block_y <= 1024) return Status::ok();
  return make_error("knobs '" + prefix + "bx' x '" + prefix + "by' = " +
                    std::to_string(s.block_x * s.block_y) + " threads: a block holds at most 1024");
}

Status check_cross_knobs(const KernelPlan& kernel, const KernelSchedule& s) {
  KILN_RETURN_IF_ERROR(check_gpu_block(s.node, ""));
  KILN_RETURN_IF_ERROR(check_gpu_block(s.group.anchor, "anchor."));
  KILN_RETURN_IF_ERROR(check_gpu_block(s.group.stage, "stage."));
  if (!s.is_group)
    return check_shifted_tail(s.node, kernel.copy_of ? nullptr : kernel.stored.front(), "");
  const Node* anchor = group_anchor(kernel.stored);
  KILN_RETURN_IF_ERROR(check_shifted_tail(s.group.anchor, anchor, "anchor."));
  if (s.group.kind == FusionPattern::ConvPool || s.group.kind == FusionPattern::Elementwise)
    KILN_RETURN_IF_ERROR(check_shifted_tail(s.group.stage, kernel.stored.back(), "stage."));
  return Status::ok();
}

}  // namespace

Status check_kernel_schedule(const Graph& graph, const KernelPlan& kernel,
                             const KernelSchedule& schedule, const Halide::Target& target,
                             const ScheduleOptions& options) {
  KILN_RETURN_IF_ERROR(
      check_schedule_legal(schedule, kernel_schedule_space(graph, kernel, target, options)));
  return check_cross_knobs(kernel, schedule);
}

std::vector<std::string> KernelPlan::node_names() const {
  std::vector<std::string> names;
  for (const Node* n : inlined) names.push_back(n->name);
  for (const Node* n : stored) names.push_back(n->name);
  return names;
}

namespace {

// On a GPU target every kernel has one template, gpu_tile, for its stored Func (a group: the
// anchor's and the stage's; conv_pool keeps rows=1).
std::vector<TemplateSpace> gpu_template_spaces(const KernelPlan& kernel) {
  // tc (output channels per thread) divides a Conv's channels; 1 elsewhere.
  auto knobs_for = [](const Node* node) {
    std::vector<int> channels = {1};
    const Value* out = node ? node->output(0) : nullptr;
    if (node && is_convolution_op(node->op) && out && out->type.shape &&
        out->type.shape->size() == 4 && (*out->type.shape)[1].is_static())
      for (int tc : {2, 4, 8})
        if ((*out->type.shape)[1].value % tc == 0) channels.push_back(tc);
    return std::vector<ScheduleKnob>{{"bx", gpu_block_sizes()},
                                     {"by", gpu_block_sizes()},
                                     {"tc", channels},
                                     {"rc", gpu_reduction_chunks(node)}};
  };
  const std::string name = schedule_template_name(ScheduleTemplate::GpuTile);
  if (!kernel.group) return {{name, knobs_for(kernel.copy_of ? nullptr : kernel.stored.front())}};
  const GroupSchedule& g = kernel.schedule.group;
  const std::string pattern = fusion_pattern_name(g.kind);
  std::vector<ScheduleKnob> stage = prefixed("stage.", knobs_for(nullptr));
  if (g.kind == FusionPattern::Elementwise) return {{pattern, stage}};
  TemplateSpace entry{pattern + "/" + name,
                      prefixed("anchor.", knobs_for(group_anchor(kernel.stored)))};
  if (g.kind == FusionPattern::ConvPool) {
    entry.knobs.insert(entry.knobs.end(), stage.begin(), stage.end());
    entry.knobs.push_back({"rows", {1}});
  }
  return {entry};
}

// Kiln's own templates that apply to a kernel (kernel_schedule_space adds the autoschedulers).
std::vector<TemplateSpace> template_spaces(const Graph& graph, const KernelPlan& kernel,
                                           const Halide::Target& target,
                                           const ScheduleOptions& options) {
  const int natural = natural_width(target, options);
  const KernelSchedule& current = kernel.schedule;
  std::vector<TemplateSpace> space;
  if (is_gpu_target(target)) return gpu_template_spaces(kernel);
  if (!kernel.group) {
    const Node* node = kernel.copy_of ? nullptr : kernel.stored.front();
    if (node && (is_convolution_op(node->op) || node->op == "Gemm" || node->op == "MatMul")) {
      for (auto& [t, knobs] : anchor_spaces(*node, target, options, -1))
        space.push_back({schedule_template_name(t), knobs});
      return space;
    }
    space.push_back({"root", root_knobs(node, current.node.channels_last, natural, options)});
    return space;
  }
  const GroupSchedule& g = current.group;
  const Node* stage = kernel.stored.back();
  const std::string pattern = fusion_pattern_name(g.kind);
  std::vector<ScheduleKnob> stage_knobs =
      prefixed("stage.", root_knobs(stage, g.stage.channels_last, natural, options));
  if (g.kind == FusionPattern::Elementwise) {
    space.push_back({pattern, stage_knobs});
    return space;
  }
  const Node* anchor = group_anchor(kernel.stored);
  if (!anchor) return space;
  const int64_t columns = g.kind == FusionPattern::ConvPool ? pool_region_columns(*stage) : -1;
  for (auto& [t, knobs] : anchor_spaces(*anchor, target, options, columns)) {
    TemplateSpace entry{pattern + "/" + schedule_template_name(t), prefixed("anchor.", knobs)};
    if (g.kind == FusionPattern::ConvPool) {
      entry.knobs.insert(entry.knobs.end(), stage_knobs.begin(), stage_knobs.end());
      entry.knobs.push_back({"rows", t == ScheduleTemplate::ConvChannels
                                         ? std::vector<int>{1, 2, 4, 8, 16}
                                         : std::vector<int>{1}});
    }
    space.push_back(entry);
  }
  return space;
}

}  // namespace

std::vector<TemplateSpace> kernel_schedule_space(const Graph& graph, const KernelPlan& kernel,
                                                 const Halide::Target& target,
                                                 const ScheduleOptions& options) {
  std::vector<TemplateSpace> space;
  if (kernel.schedule.is_autoscheduled()) {  // the templates' knobs depend on the default
    KernelPlan plain = kernel;
    plain.schedule = default_schedule(graph, kernel, target, options);
    space = template_spaces(graph, plain, target, options);
  } else {
    space = template_spaces(graph, kernel, target, options);
  }
  // The autoschedulers schedule CPU pipelines only (lower_kernel refuses them for GPU targets).
  if (!is_gpu_target(target))
    for (const std::string& name : halide_autoscheduler_names()) space.push_back({name, {}});
  return space;
}

Result<KernelPartition> partition_kernels(const Graph& graph, const Halide::Target& target,
                                          const ScheduleOptions& options,
                                          const std::map<std::string, ScheduleRecord>& records) {
  KernelPartition partition;
  for (const Value* input : graph.inputs) {
    if (!input->type.shape)
      return Error{"", "", "graph input '" + input->name + "' has unknown rank"};
    for (const Dim& d : *input->type.shape)
      if (d.is_symbolic() && std::find(partition.symbols.begin(), partition.symbols.end(),
                                       d.symbol) == partition.symbols.end())
        partition.symbols.push_back(d.symbol);
  }
  const std::set<const Node*> live = live_nodes(graph);
  std::set<const Node*> known_dims, lowerable;
  std::map<const Node*, size_t> position;
  for (const auto& node : graph.nodes()) {
    position[node.get()] = position.size();
    if (!live.count(node.get())) continue;
    if (computes_known_dims(*node, partition.symbols)) {
      known_dims.insert(node.get());
    } else {
      lowerable.insert(node.get());
    }
  }
  const auto groups = schedulable_groups(graph, lowerable);
  std::map<const Node*, int64_t> group_of;
  for (const auto& [id, members] : groups)
    for (const Node* member : members) group_of[member] = id;

  // Which nodes store their results (and so end a kernel).
  std::set<const Node*> stored;
  for (const Node* node : lowerable) {
    bool store = group_of.count(node) != 0;
    if (!store)
      store = choose_schedule(graph, *node, target, options).kind != ScheduleTemplate::Inline;
    for (const Value* out : node->outputs)
      if (out && is_graph_output(graph, out)) store = true;
    if (store) stored.insert(node);
  }
  for (const Node* node : known_dims)
    for (const Value* out : node->outputs)
      if (out && is_graph_output(graph, out)) stored.insert(node);

  // Kernels in graph order of their stage node.
  std::map<const Node*, int> kernel_of;
  for (const auto& owned : graph.nodes()) {
    const Node* node = owned.get();
    if (!stored.count(node)) continue;
    auto group = group_of.find(node);
    if (group != group_of.end() && groups.at(group->second).back() != node) continue;
    KernelPlan kernel;
    kernel.name = node->name;
    if (group != group_of.end()) {
      kernel.group = group->second;
      kernel.stored = groups.at(group->second);
    } else {
      kernel.stored = {node};
    }
    for (const Node* member : kernel.stored) kernel_of[member] = int(partition.kernels.size());
    partition.kernels.push_back(std::move(kernel));
  }

  // Boundary tensors: graph inputs, then values as kernels first read or write them.
  std::map<const Value*, int> tensor_of;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    BoundaryTensor t;
    t.value = graph.inputs[i];
    t.role = TensorRole::Input;
    t.index = int(i);
    tensor_of[t.value] = int(partition.tensors.size());
    partition.tensors.push_back(t);
  }
  std::vector<bool> output_claimed(graph.outputs.size(), false);
  auto output_tensor_for = [&](const Value* v, int producer) -> int {
    auto it = tensor_of.find(v);
    if (it != tensor_of.end()) return it->second;
    BoundaryTensor t;
    t.value = v;
    t.producer = producer;
    for (size_t i = 0; i < graph.outputs.size(); ++i) {
      if (graph.outputs[i] == v && !output_claimed[i]) {
        output_claimed[i] = true;
        t.role = TensorRole::Output;
        t.index = int(i);
        break;
      }
    }
    if (t.role == TensorRole::Intermediate) t.index = partition.intermediate_count++;
    tensor_of[v] = int(partition.tensors.size());
    partition.tensors.push_back(t);
    return tensor_of[v];
  };

  CostReport costs = analyze_costs(graph);
  for (size_t k = 0; k < partition.kernels.size(); ++k) {
    KernelPlan& kernel = partition.kernels[k];
    // Inline producers, found from the stored nodes' inputs.
    std::set<const Node*> inside(kernel.stored.begin(), kernel.stored.end());
    std::vector<const Node*> work(kernel.stored.begin(), kernel.stored.end());
    std::set<const Node*> inlined;
    while (!work.empty()) {
      const Node* node = work.back();
      work.pop_back();
      for (const Value* in : node->inputs) {
        if (!in || !in->producer) continue;
        const Node* p = in->producer;
        if (inside.count(p) || stored.count(p) || inlined.count(p)) continue;
        inlined.insert(p);
        work.push_back(p);
      }
    }
    kernel.inlined.assign(inlined.begin(), inlined.end());
    std::sort(kernel.inlined.begin(), kernel.inlined.end(),
              [&](const Node* a, const Node* b) { return position[a] < position[b]; });
    // Inputs in first-use order over the kernel's nodes in graph order.
    std::vector<const Node*> nodes = kernel.inlined;
    nodes.insert(nodes.end(), kernel.stored.begin(), kernel.stored.end());
    std::sort(nodes.begin(), nodes.end(),
              [&](const Node* a, const Node* b) { return position[a] < position[b]; });
    for (const Node* node : nodes) {
      for (const Value* in : node->inputs) {
        if (!in || in->is_constant()) continue;
        if (in->producer && (inside.count(in->producer) || inlined.count(in->producer))) continue;
        auto t = tensor_of.find(in);
        if (t == tensor_of.end())
          return Error{"", node->name, "input '" + in->name + "' is not produced by any kernel"};
        if (std::find(kernel.inputs.begin(), kernel.inputs.end(), t->second) == kernel.inputs.end())
          kernel.inputs.push_back(t->second);
      }
      kernel.macs += costs.nodes[position[node]].macs;
    }
    // Outputs: stage results read by other kernels or by the caller.
    kernel.schedule = default_schedule(graph, kernel, target, options);
    const bool channels_last = default_stores_channels_last(kernel.schedule);
    for (const Node* node : kernel.stored) {
      for (const Value* out : node->outputs) {
        if (!out) continue;
        bool needed = is_graph_output(graph, out);
        for (const Node* user : graph.users(out))
          if (live.count(user) && !inside.count(user)) needed = true;
        if (!needed) continue;
        const int t = output_tensor_for(out, int(k));
        BoundaryTensor& tensor = partition.tensors[size_t(t)];
        tensor.channels_last = channels_last && tensor.role == TensorRole::Intermediate &&
                               out->type.shape && out->type.shape->size() == 4;
        kernel.outputs.push_back(t);
      }
    }
  }
  // Graph outputs no kernel wrote (an input, a constant, a value listed twice): copy kernels.
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    if (output_claimed[i]) continue;
    const Value* v = graph.outputs[i];
    KernelPlan kernel;
    kernel.name = "copy_" + v->name + "_" + std::to_string(i);
    kernel.copy_of = v;
    if (!v->is_constant()) {
      auto t = tensor_of.find(v);
      if (t == tensor_of.end())
        return Error{"", "", "graph output '" + v->name + "' is not produced by any kernel"};
      kernel.inputs.push_back(t->second);
    }
    BoundaryTensor out;
    out.value = v;
    out.role = TensorRole::Output;
    out.index = int(i);
    out.producer = int(partition.kernels.size());
    kernel.outputs.push_back(int(partition.tensors.size()));
    partition.tensors.push_back(out);
    output_claimed[i] = true;
    kernel.schedule = default_schedule(graph, kernel, target, options);
    partition.kernels.push_back(std::move(kernel));
  }
  // Lifetimes, task keys and records.
  for (size_t k = 0; k < partition.kernels.size(); ++k)
    for (int t : partition.kernels[k].inputs)
      partition.tensors[size_t(t)].last_use =
          std::max(partition.tensors[size_t(t)].last_use, int(k));
  for (KernelPlan& kernel : partition.kernels) {
    kernel.canonical = canonical_text(kernel, partition.tensors, partition.symbols, position);
    kernel.task = stable_hash(kernel.canonical).substr(0, 16);
    // The boundary layouts stay those of the default schedule (an autoscheduled kernel reads
    // and writes them as they are).
    if (!options.autoscheduler.empty())
      kernel.schedule = KernelSchedule::autoscheduled(options.autoscheduler);
    auto record = records.find(kernel.task);
    if (record == records.end()) continue;
    const KernelSchedule before_record = kernel.schedule;
    KernelSchedule chosen = record->second.schedule;
    copy_layout(kernel.schedule, chosen);
    if (!chosen.is_autoscheduled() && kernel.schedule.is_autoscheduled()) {
      KernelPlan plain = kernel;  // check a template record against the kernel's default
      plain.schedule = default_schedule(graph, kernel, target, options);
      copy_layout(plain.schedule, chosen);
      kernel.schedule = plain.schedule;
    }
    std::string problem;
    if (!chosen.is_autoscheduled() &&
        (chosen.is_group != kernel.schedule.is_group ||
         (chosen.is_group && chosen.group.kind != kernel.schedule.group.kind)))
      problem = "knob 'template': " + chosen.template_name() + " does not apply to kernel '" +
                kernel.name + "' (its schedule is " + kernel.schedule.template_name() + ")";
    else if (Status legal = check_kernel_schedule(graph, kernel, chosen, target, options); !legal)
      problem = "kernel '" + kernel.name + "': " + legal.error().message;
    if (problem.empty()) {
      kernel.schedule = chosen;
    } else if (record->second.optional) {
      kernel.schedule = before_record;
      partition.inapplicable_records.push_back(record->second.origin + ": " + problem);
    } else {
      return Error{record->second.origin, kernel.name, problem};
    }
  }
  return partition;
}

}  // namespace kiln
