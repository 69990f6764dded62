// HalideSchedule.cpp: picks and applies the per-node schedule templates.
#include "backends/halide/HalideSchedule.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace kiln {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

// Ops whose consumers read each input element many times (windows, dot products): feeding them
// an inlined expression would recompute it per read, so their producers are stored.
bool rereads_inputs(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
      "Gemm", "MatMul",  "Softmax",     "ReduceMean",        "Concat"};
  return kOps.count(op) != 0;
}

// Ops that are pure per-element expressions or index remaps with no division.
bool is_cheap_pointwise(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Relu",    "LeakyRelu", "Sigmoid", "Tanh", "Clip",   "BatchNormalization",
      "Add",     "Sub",       "Mul",     "Div",  "Cast",   "Transpose",
      "Squeeze", "Unsqueeze", "Slice",   "Pad",  "Gather", "Identity",
      "Dropout", "Shape"};
  return kOps.count(op) != 0;
}

// Reshape/Flatten that only add or drop unit dims map indices without division.
bool is_unit_dim_reshape(const Node& node) {
  const Value* in = node.input(0);
  const Value* out = node.output(0);
  if (!in || !out || !in->type.shape || !out->type.shape) return false;
  auto non_unit = [](const Shape& s) {
    Shape r;
    for (const Dim& d : s)
      if (!(d.is_static() && d.value == 1)) r.push_back(d);
    return r;
  };
  return non_unit(*in->type.shape) == non_unit(*out->type.shape);
}

int floor_power_of_two(int64_t n) {
  int p = 1;
  while (int64_t(p) * 2 <= n) p *= 2;
  return p;
}

// Lanes along the innermost dim of `value`: the target's natural width, capped by the options
// and by a static innermost extent (so a shifted-inwards tail never reads past the data).
int pick_vector_width(const Value* value, const Halide::Target& target,
                      const ScheduleOptions& options) {
  Halide::Type type = Halide::Float(32);
  int width = target.natural_vector_size(type);
  if (options.max_vector_width > 0) width = std::min(width, options.max_vector_width);
  if (value && value->type.shape && !value->type.shape->empty()) {
    const Dim& inner = value->type.shape->back();
    if (inner.is_static()) width = std::min<int64_t>(width, floor_power_of_two(inner.value));
  } else {
    width = 1;
  }
  return std::max(width, 1);
}

int64_t static_dim(const Value* value, size_t index_from_front, int64_t fallback) {
  if (!value || !value->type.shape || value->type.shape->size() <= index_from_front)
    return fallback;
  const Dim& d = (*value->type.shape)[index_from_front];
  return d.is_static() ? d.value : fallback;
}

// Splits `v` of `f`'s stage into a vector of `width` lanes. A symbolic extent gets a guarded
// tail; a static one is at least `width` (see pick_vector_width), so shifting inwards is safe.
void vectorize_inner(Halide::Stage stage, const VarOrRVar& v, int width, bool shift_tails) {
  if (width > 1)
    stage.vectorize(v, width, shift_tails ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf);
}

// Accumulators computed per output tile span exactly one tile: rounding up never reads more.
void vectorize_tile(Halide::Stage stage, const VarOrRVar& v, int width) {
  if (width > 1) stage.vectorize(v, width, TailStrategy::RoundUp);
}

TailStrategy tail_of(const NodeSchedule& s) {
  return s.shift_tails ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf;
}

void parallelize_outer(Func& f, const std::vector<Var>& args) {
  if (args.size() >= 3) {
    Var fused("fused_outer");
    f.fuse(args[args.size() - 2], args.back(), fused).parallel(fused);
  } else if (args.size() == 2) {
    f.parallel(args[1]);
  }
}

void apply_root(const NodeSchedule& s, Func f, bool store) {
  if (store) f.compute_root();
  std::vector<Var> args = f.args();
  if (args.empty()) return;
  vectorize_inner(f, args[0], s.vector_width, s.shift_tails);
  if (s.parallel) parallelize_outer(f, args);
}

void apply_conv_tiled(const NodeSchedule& s, NodeFuncs& funcs, bool is_output,
                      bool guard_accumulator = false) {
  auto vectorize_acc = [&](Halide::Stage stage, const VarOrRVar& v) {
    if (guard_accumulator) {
      vectorize_inner(stage, v, s.vector_width, false);
    } else {
      vectorize_tile(stage, v, s.vector_width);
    }
  };
  Func out = funcs.output;
  Func acc = funcs.accumulator;
  std::vector<Var> args = out.args();
  const size_t rank = args.size();
  if (!is_output) out.compute_root();
  Var x = args[0], c = args[rank - 2], n = args[rank - 1];
  Var xo("xo"), xi("xi"), co("co"), ci("ci");
  const int tile_x = std::max(1, s.vector_width * s.tile_vectors);
  out.split(x, xo, xi, tile_x, tail_of(s))
      .split(c, co, ci, std::max(1, s.tile_channels), TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> order = {xi, ci, xo};
  for (size_t i = 1; i + 2 < rank; ++i) order.push_back(args[i]);
  order.push_back(co);
  order.push_back(n);
  out.reorder(order);
  if (s.vector_width > 1) out.vectorize(xi, s.vector_width);
  if (s.tile_channels > 1) out.unroll(ci);
  if (s.parallel) {
    Var fused("co_n");
    out.fuse(co, n, fused).parallel(fused);
  }
  acc.compute_at(out, xo);
  std::vector<Var> acc_args = acc.args();
  vectorize_acc(acc, acc_args[0]);
  Halide::Stage update = acc.update();
  std::vector<VarOrRVar> update_order = {acc_args[0], acc_args[rank - 2]};
  for (const Halide::RVar& r : funcs.reduction_vars) update_order.push_back(r);
  for (size_t i = 1; i + 2 < rank; ++i) update_order.push_back(acc_args[i]);
  update_order.push_back(acc_args[rank - 1]);
  update.reorder(update_order);
  vectorize_acc(update, acc_args[0]);
  if (s.tile_channels > 1) {
    acc.unroll(acc_args[rank - 2]);
    update.unroll(acc_args[rank - 2]);
  }
}

void apply_gemm_tiled(const NodeSchedule& s, NodeFuncs& funcs, bool is_output) {
  Func out = funcs.output;
  Func acc = funcs.accumulator;
  std::vector<Var> args = out.args();
  if (!is_output) out.compute_root();
  Var xo("xo"), xi("xi");
  const int tile_x = std::max(1, s.vector_width * s.tile_vectors);
  out.split(args[0], xo, xi, tile_x, tail_of(s));
  if (s.vector_width > 1) out.vectorize(xi, s.vector_width);
  if (s.parallel && args.size() >= 2) {
    Var fused("xo_m");
    out.fuse(xo, args[1], fused).parallel(fused);
    acc.compute_at(out, fused);
  } else {
    acc.compute_at(out, xo);
  }
  std::vector<Var> acc_args = acc.args();
  vectorize_tile(acc, acc_args[0], s.vector_width);
  Halide::Stage update = acc.update();
  std::vector<VarOrRVar> update_order = {acc_args[0]};
  for (const Halide::RVar& r : funcs.reduction_vars) update_order.push_back(r);
  for (size_t i = 1; i < acc_args.size(); ++i) update_order.push_back(acc_args[i]);
  update.reorder(update_order);
  vectorize_tile(update, acc_args[0], s.vector_width);
}

}  // namespace

void apply_root_schedule(const NodeSchedule& schedule, Halide::Func func, bool store) {
  apply_root(schedule, func, store);
}

void apply_conv_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store,
                               bool guard_accumulator) {
  apply_conv_tiled(schedule, funcs, !store, guard_accumulator);
}

void apply_gemm_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store) {
  apply_gemm_tiled(schedule, funcs, !store);
}

const char* schedule_template_name(ScheduleTemplate t) {
  switch (t) {
    case ScheduleTemplate::Inline:
      return "inline";
    case ScheduleTemplate::Root:
      return "root";
    case ScheduleTemplate::ConvTiled:
      return "conv_tiled";
    case ScheduleTemplate::GemmTiled:
      return "gemm_tiled";
  }
  return "?";
}

std::string NodeSchedule::to_string() const {
  std::ostringstream os;
  os << schedule_template_name(kind) << "(vw=" << vector_width << ",tc=" << tile_channels
     << ",tv=" << tile_vectors << ",par=" << (parallel ? 1 : 0)
     << ",shift=" << (shift_tails ? 1 : 0) << ")";
  return os.str();
}

NodeSchedule choose_schedule(const Graph& graph, const Node& node, const Halide::Target& target,
                             const ScheduleOptions& options) {
  auto override_it = options.overrides.find(node.name);
  if (override_it != options.overrides.end()) return override_it->second;

  const Value* out = node.output(0);
  NodeSchedule s;
  s.parallel = options.parallel;
  s.vector_width = pick_vector_width(out, target, options);
  const int64_t innermost =
      out && out->type.shape && !out->type.shape->empty()
          ? (out->type.shape->back().is_static() ? out->type.shape->back().value : -1)
          : -1;
  s.shift_tails = innermost >= s.vector_width;

  if (node.op == "Conv") {
    s.kind = ScheduleTemplate::ConvTiled;
    s.tile_vectors = innermost >= 2 * s.vector_width ? 2 : 1;
    const int64_t channels = static_dim(out, 1, 1);
    for (int tc : {8, 4, 2, 1}) {
      if (channels % tc == 0) {
        s.tile_channels = tc;
        break;
      }
    }
    return s;
  }
  if (node.op == "Gemm" && node.attrs.get_int("transB", 0) != 0) {
    // B is stored [N,K]: vectors across N would gather from rows K apart. One contiguous dot
    // product per output measured 2-4x faster than a vectorised-N or rfactor'd-K schedule.
    s.kind = ScheduleTemplate::GemmTiled;
    s.vector_width = 1;
    return s;
  }
  if (node.op == "Gemm" || node.op == "MatMul") {
    s.kind = ScheduleTemplate::GemmTiled;
    const int64_t rank = out && out->type.shape ? int64_t(out->type.shape->size()) : 0;
    const int64_t features = rank > 0 ? static_dim(out, size_t(rank - 1), 0) : 0;
    s.tile_vectors = features >= 4 * s.vector_width ? 2 : 1;
    (void)innermost;
    return s;
  }
  const bool remap_without_division =
      (node.op == "Reshape" || node.op == "Flatten") && is_unit_dim_reshape(node);
  if (!options.inline_elementwise || !(is_cheap_pointwise(node.op) || remap_without_division)) {
    s.kind = ScheduleTemplate::Root;
    return s;
  }
  // Cheap nodes are inlined unless several consumers or a re-reading consumer would recompute
  // them, or they are graph outputs (which are stored anyway).
  bool store = false;
  for (const Value* result : node.outputs) {
    std::vector<Node*> users = graph.users(result);
    if (users.size() > 1) store = true;
    for (const Node* user : users)
      if (rereads_inputs(user->op)) store = true;
    for (const Value* graph_output : graph.outputs)
      if (graph_output == result) store = true;
  }
  if (node.op == "Identity" || node.op == "Dropout" || node.op == "Shape") store = false;
  s.kind = store ? ScheduleTemplate::Root : ScheduleTemplate::Inline;
  return s;
}

void apply_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool is_output) {
  for (Func& helper : funcs.helpers) {
    NodeSchedule helper_schedule = schedule;
    helper_schedule.kind = ScheduleTemplate::Root;
    helper_schedule.shift_tails = false;  // helpers have their own, possibly tiny, extents
    apply_root(helper_schedule, helper, /*store=*/true);
  }
  for (Func& f : funcs.update_funcs) f.compute_root();
  const bool tiled =
      schedule.kind == ScheduleTemplate::ConvTiled || schedule.kind == ScheduleTemplate::GemmTiled;
  if (funcs.accumulator.defined() && !tiled) funcs.accumulator.compute_root();
  switch (schedule.kind) {
    case ScheduleTemplate::Inline:
      if (is_output) apply_root(schedule, funcs.output, false);
      return;
    case ScheduleTemplate::Root:
      apply_root(schedule, funcs.output, !is_output);
      return;
    case ScheduleTemplate::ConvTiled:
      if (funcs.accumulator.defined() && funcs.output.args().size() >= 3) {
        apply_conv_tiled(schedule, funcs, is_output);
      } else {
        if (funcs.accumulator.defined()) funcs.accumulator.compute_root();
        apply_root(schedule, funcs.output, !is_output);
      }
      return;
    case ScheduleTemplate::GemmTiled:
      if (funcs.accumulator.defined() && !funcs.output.args().empty()) {
        apply_gemm_tiled(schedule, funcs, is_output);
      } else {
        if (funcs.accumulator.defined()) funcs.accumulator.compute_root();
        apply_root(schedule, funcs.output, !is_output);
      }
      return;
  }
}

}  // namespace kiln
