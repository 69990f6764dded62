// GpuSchedule.cpp: the gpu_tile template and how a kernel's Funcs are placed on the device.
#include "backends/halide/GpuSchedule.h"

#include <algorithm>
#include <string>

#include "backends/halide/StageSchedule.h"

namespace kiln {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

// One stage in thread blocks: dims 0 and 1 tiled bx x by (guarded tails: any extent), the outer
// dims fused into one block dim placed first (CUDA allows 2^31 - 1 blocks along x but only
// 65535 along y and z, and the images x channels of a batch are the most). Returns the
// innermost thread Var; none for a stage without pure dims, which runs in one thread.
// `channels` > 1 (a 4-D stage only): dim 2 is split into blocks of that many channels, each
// block one thread's unrolled innermost loop (the caller checked that it divides the extent).
Var tile_stage(Halide::Stage stage, std::vector<Var> vars, const NodeSchedule& s,
               const std::string& prefix, int channels = 1) {
  if (vars.empty()) {
    stage.gpu_single_thread();
    return Var();
  }
  Var xo(prefix + "_bx"), xi(prefix + "_tx"), yo(prefix + "_by"), yi(prefix + "_ty");
  const int bx = std::max(1, s.block_x), by = std::max(1, s.block_y);
  if (vars.size() == 1) {
    stage.gpu_tile(vars[0], xo, xi, bx * by, TailStrategy::GuardWithIf);
    return xi;
  }
  stage.gpu_tile(vars[0], vars[1], xo, yo, xi, yi, bx, by, TailStrategy::GuardWithIf);
  if (vars.size() == 2) return xi;
  Var ci(prefix + "_ci");
  const bool blocked = channels > 1 && vars.size() == 4;
  if (blocked) {
    Var co(prefix + "_co");
    stage.split(vars[2], co, ci, channels, TailStrategy::GuardWithIf);
    vars[2] = co;
  }
  Var outer = vars[2];
  for (size_t i = 3; i < vars.size(); ++i) {
    Var fused(prefix + "_outer" + std::to_string(i));
    stage.fuse(outer, vars[i], fused);
    outer = fused;
  }
  if (blocked) {
    stage.reorder(ci, xi, yi, outer, xo, yo).gpu_blocks(outer).unroll(ci);
  } else {
    stage.reorder(xi, yi, outer, xo, yo).gpu_blocks(outer);
  }
  return xi;
}

// A Conv accumulator computed per thread of `host` (x, y, c, n), for `channels` channels at a
// time: every stage unrolled over those channels, the update's channel loop innermost, so each
// input element loaded for the window feeds all of them.
void block_accumulator(Func acc, const NodeFuncs& funcs, int channels) {
  std::vector<Var> a = acc.args();
  if (channels <= 1 || a.size() != 4) return;
  acc.reorder(a[2], a[0], a[1], a[3]).unroll(a[2]);
  std::vector<VarOrRVar> order = {a[2]};
  for (const Halide::RVar& r : funcs.reduction_vars) order.push_back(r);
  order.push_back(a[0]);
  order.push_back(a[1]);
  order.push_back(a[3]);
  acc.update().reorder(order).unroll(a[2]);
}

// The channels one thread computes: the schedule's `tc` for a 4-D Func (1 otherwise).
int channels_per_thread(const NodeSchedule& s, const Func& host) {
  return host.defined() && host.args().size() == 4 ? std::max(1, s.tile_channels) : 1;
}

}  // namespace

bool is_gpu_target(const Halide::Target& target) {
  return target.has_gpu_feature();
}

NodeSchedule gpu_tile_schedule(const Value* value) {
  NodeSchedule s;
  s.kind = ScheduleTemplate::GpuTile;
  s.parallel = false;
  s.vector_width = 1;
  const Shape* shape = value && value->type.shape ? &*value->type.shape : nullptr;
  if (!shape || shape->empty()) {
    s.block_x = 16;
    s.block_y = shape ? 1 : 8;
    return s;
  }
  auto pow2_cover = [](int64_t extent, int cap) {  // the least power of two >= extent, capped
    int p = 1;
    while (p < cap && p < extent) p *= 2;
    return p;
  };
  const Dim& inner = shape->back();
  s.block_x = inner.is_static() ? std::max(4, pow2_cover(inner.value, 32)) : 32;
  if (shape->size() == 1) {
    s.block_y = 1;
    s.block_x = inner.is_static() ? std::max(4, pow2_cover(inner.value, 256)) : 256;
    return s;
  }
  const Dim& next = (*shape)[shape->size() - 2];
  const int fill = std::max(1, 128 / s.block_x);
  s.block_y = next.is_static() ? pow2_cover(next.value, fill) : fill;
  return s;
}

int gpu_conv_channels_per_thread(const Node& node) {
  const Value* out = node.output(0);
  if (node.op != "Conv" || !out || !out->type.shape || out->type.shape->size() != 4) return 1;
  const Dim& channels = (*out->type.shape)[1];
  if (!channels.is_static()) return 1;
  for (int tc : {4, 2})
    if (channels.value % tc == 0) return tc;
  return 1;
}

Var apply_gpu_tile(const NodeSchedule& schedule, Func f, bool store, int channels_per_thread) {
  if (store) f.compute_root();
  const std::string prefix = "g";
  Var thread = tile_stage(f, stage_pure_vars(f, -1), schedule, prefix, channels_per_thread);
  for (int u = 0; u < f.num_update_definitions(); ++u)
    tile_stage(f.update(u), stage_pure_vars(f, u), schedule, prefix + "u" + std::to_string(u));
  return thread;
}

void apply_gpu_producer_schedules(const NodeSchedule& schedule, NodeFuncs& funcs,
                                  bool keep_accumulator) {
  for (Func& helper : funcs.helpers) apply_gpu_tile(schedule, helper, /*store=*/true);
  for (NodeFuncs::ChannelsLastHelper& helper : funcs.channels_last_helpers)
    apply_gpu_tile(schedule, helper.func, /*store=*/true);
  for (Func& f : funcs.update_funcs) {
    if (keep_accumulator && funcs.accumulator.defined() && f.name() == funcs.accumulator.name())
      continue;
    apply_gpu_tile(schedule, f, /*store=*/true);
  }
  if (!keep_accumulator && funcs.accumulator.defined() &&
      funcs.accumulator.name() != funcs.output.name())
    apply_gpu_tile(schedule, funcs.accumulator, /*store=*/true);
}

void apply_gpu_node_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool is_output) {
  const bool own_accumulator =
      schedule.kind == ScheduleTemplate::GpuTile && funcs.accumulator.defined() &&
      funcs.accumulator.name() != funcs.output.name() && !funcs.output.args().empty();
  apply_gpu_producer_schedules(schedule, funcs, own_accumulator);
  if (schedule.kind == ScheduleTemplate::Inline && !is_output) return;
  if (funcs.output.args().empty() && funcs.output.num_update_definitions() == 0 && !is_output &&
      schedule.kind == ScheduleTemplate::Inline)
    return;
  const int channels = own_accumulator ? channels_per_thread(schedule, funcs.output) : 1;
  Var thread = apply_gpu_tile(schedule, funcs.output, !is_output, channels);
  if (own_accumulator) {
    funcs.accumulator.compute_at(funcs.output, thread);
    block_accumulator(funcs.accumulator, funcs, channels);
  }
}

void apply_gpu_group_schedule(const GroupSchedule& s, std::vector<GroupMember>& members,
                              bool is_output) {
  const Node* anchor_node = nullptr;
  {
    std::vector<const Node*> nodes;
    for (const GroupMember& m : members) nodes.push_back(m.node);
    anchor_node = group_anchor(nodes);
  }
  Func stage = members.back().funcs.output;
  // The Func that computes the anchor's accumulator per thread: the stage, or in a conv_pool
  // group the pre-pool activation the pool reads (stored on the device; the pool's windows
  // overlap or not, each activation is computed once).
  Func host_of_accumulator = stage;
  const bool conv_pool = s.kind == FusionPattern::ConvPool && members.size() >= 2 && anchor_node &&
                         anchor_node->op == "Conv";
  if (conv_pool) host_of_accumulator = members[members.size() - 2].funcs.output;
  for (GroupMember& m : members) {
    const bool is_anchor = m.node == anchor_node && m.funcs.accumulator.defined() &&
                           !host_of_accumulator.args().empty() &&
                           m.funcs.accumulator.name() != host_of_accumulator.name();
    apply_gpu_producer_schedules(s.anchor, m.funcs, is_anchor);
    if (&m == &members.back()) continue;
    // A Head's global average pool is read by every output feature: stored once, not
    // recomputed inside each thread of the Gemm.
    if (m.node->op == "GlobalAveragePool" && m.funcs.output.name() != stage.name())
      apply_gpu_tile(s.anchor, m.funcs.output, /*store=*/true);
  }
  // The record of a conv_epilogue, gemm_epilogue or head group has no stage part: the anchor's
  // knobs tile the stage that computes its accumulator.
  const bool stage_in_record =
      s.kind == FusionPattern::ConvPool || s.kind == FusionPattern::Elementwise;
  const NodeSchedule& stage_schedule = stage_in_record ? s.stage : s.anchor;
  const bool conv_anchor = anchor_node && anchor_node->op == "Conv";
  const int channels = conv_anchor ? channels_per_thread(s.anchor, host_of_accumulator) : 1;
  Var host_thread;
  if (conv_pool && host_of_accumulator.name() != stage.name())
    host_thread = apply_gpu_tile(s.anchor, host_of_accumulator, /*store=*/true, channels);
  const bool at_stage = host_of_accumulator.name() == stage.name();
  Var stage_thread = apply_gpu_tile(stage_schedule, stage, !is_output, at_stage ? channels : 1);
  for (GroupMember& m : members) {
    if (m.node != anchor_node || !m.funcs.accumulator.defined()) continue;
    if (m.funcs.accumulator.name() == host_of_accumulator.name()) continue;
    if (host_of_accumulator.args().empty()) continue;
    m.funcs.accumulator.compute_at(host_of_accumulator, at_stage ? stage_thread : host_thread);
    block_accumulator(m.funcs.accumulator, m.funcs, channels);
  }
}

std::vector<int> gpu_block_sizes() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256};
}

}  // namespace kiln
