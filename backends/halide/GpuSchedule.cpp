// GpuSchedule.cpp: the gpu_tile template and how a kernel's Funcs are placed on the device.
#include "backends/halide/GpuSchedule.h"

#include <algorithm>
#include <string>

#include "ir/OpSchema.h"
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
// innermost thread Var and the innermost block Var; none for a stage without pure dims, which
// runs in one thread. `channels` > 1 (a 4-D stage only): dim 2 is split into blocks of that many
// channels, each block one thread's unrolled innermost loop (the caller checked that it divides
// the extent).
TiledLoops tile_stage(Halide::Stage stage, std::vector<Var> vars, const NodeSchedule& s,
                      const std::string& prefix, int channels = 1) {
  if (vars.empty()) {
    stage.gpu_single_thread();
    return {};
  }
  Var xo(prefix + "_bx"), xi(prefix + "_tx"), yo(prefix + "_by"), yi(prefix + "_ty");
  const int bx = std::max(1, s.block_x), by = std::max(1, s.block_y);
  if (vars.size() == 1) {
    stage.gpu_tile(vars[0], xo, xi, bx * by, TailStrategy::GuardWithIf);
    return {xi, xo};
  }
  stage.gpu_tile(vars[0], vars[1], xo, yo, xi, yi, bx, by, TailStrategy::GuardWithIf);
  if (vars.size() == 2) return {xi, xo};
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
  return {xi, outer};
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

// `f`'s loops at block level as the block's threads: dims 0 and 1 split into bx x by thread
// tiles (serial loops over the tiles), the rest serial outside them.
void spread_over_threads(Func f, const std::string& prefix, int bx, int by) {
  std::vector<Var> a = f.args();
  if (a.empty()) return;
  Var x0(prefix + "_x0"), x1(prefix + "_x1"), y0(prefix + "_y0"), y1(prefix + "_y1");
  f.split(a[0], x1, x0, bx, TailStrategy::GuardWithIf);
  if (a.size() == 1) {
    f.gpu_threads(x0);
    return;
  }
  f.split(a[1], y1, y0, by, TailStrategy::GuardWithIf);
  std::vector<VarOrRVar> order = {x0, y0, x1, y1};
  for (size_t i = 2; i < a.size(); ++i) order.push_back(a[i]);
  f.reorder(order).gpu_threads(x0, y0);
}

// The accumulator of `funcs` computed per thread block of `host` (at its block loop `block`)
// instead of per thread: its reduction over channels (the last reduction var) is split into
// chunks of `chunk`; per chunk the block's threads copy the tiles of the reduction inputs it
// reads into shared memory, then each thread sums the chunk for its `channels` outputs in
// registers (an rfactor intermediate) and adds the sums to the block's accumulator. The block's
// threads are bx x by as the host's.
void stage_accumulator(const NodeFuncs& funcs, Func host, Var block, int channels, int chunk,
                       const NodeSchedule& s) {
  Func acc = funcs.accumulator;
  std::vector<Var> a = acc.args();
  const int bx = std::max(1, s.block_x), by = std::max(1, s.block_y);
  acc.compute_at(host, block);

  // Pure stage (bias or zero): one element (channels) per thread.
  std::vector<VarOrRVar> pure_order;
  const bool blocked = channels > 1 && a.size() == 4;
  if (blocked) pure_order.push_back(a[2]);
  for (size_t i = 0; i < a.size(); ++i)
    if (!(blocked && i == 2)) pure_order.push_back(a[i]);
  acc.reorder(pure_order);
  if (blocked) acc.unroll(a[2]);
  if (a.size() >= 2) {
    acc.gpu_threads(a[0], a[1]);
  } else {
    acc.gpu_threads(a[0]);
  }

  // Update: the chunk loop outermost, the block's threads inside it.
  Halide::Stage update = acc.update();
  const Halide::RVar chunked = funcs.reduction_vars.back();
  Halide::RVar chunk_outer(chunked.name() + "_o"), chunk_inner(chunked.name() + "_i");
  update.split(chunked, chunk_outer, chunk_inner, chunk, TailStrategy::GuardWithIf);
  Var u("u_" + acc.name());
  Func partial = update.rfactor(chunk_outer, u);
  std::vector<VarOrRVar> update_order = pure_order;
  update_order.push_back(chunk_outer);
  update.reorder(update_order);
  if (blocked) update.unroll(a[2]);
  if (a.size() >= 2) {
    update.gpu_threads(a[0], a[1]);
  } else {
    update.gpu_threads(a[0]);
  }

  // The chunk's partial sums of one thread, in registers: channels innermost and unrolled, so
  // each input element loaded feeds all of them.
  partial.compute_at(acc, a[0]);
  std::vector<Var> p = partial.args();
  if (blocked) partial.reorder(p[2], p[0], p[1], p[3], p[4]).unroll(p[2]);
  std::vector<VarOrRVar> partial_order;
  if (blocked) partial_order.push_back(p[2]);
  for (const Halide::RVar& r : funcs.reduction_vars)
    if (r.name() != chunked.name()) partial_order.push_back(r);
  partial_order.push_back(chunk_inner);
  for (size_t i = 0; i < p.size(); ++i)
    if (!(blocked && i == 2)) partial_order.push_back(p[i]);
  partial.update().reorder(partial_order);
  if (blocked) partial.update().unroll(p[2]);

  // Each chunk's tiles of the inputs, in shared memory, copied by the block's threads.
  for (size_t i = 0; i < funcs.reduction_inputs.size(); ++i) {
    Func tile = Func(funcs.reduction_inputs[i]).in(partial);
    tile.compute_at(acc, chunk_outer);
    spread_over_threads(tile, acc.name() + "_tile" + std::to_string(i), bx, by);
  }
}

// The accumulator of a node whose output element a thread of `host` computes: per thread
// (reducing from device memory), or staged through shared memory per block when the schedule
// asks for it and the lowering names what to stage.
void place_accumulator(const NodeFuncs& funcs, Func host, const TiledLoops& loops, int channels,
                       const NodeSchedule& s) {
  if (s.reduction_chunk > 0 && !funcs.reduction_inputs.empty() && !funcs.reduction_vars.empty()) {
    stage_accumulator(funcs, host, loops.block, channels, s.reduction_chunk, s);
    return;
  }
  Func(funcs.accumulator).compute_at(host, loops.thread);
  block_accumulator(funcs.accumulator, funcs, channels);
}

}  // namespace

bool is_gpu_target(const Halide::Target& target) {
  return target.has_gpu_feature();
}

void compile_with_device_float_types(const Halide::Target& target,
                                     const std::function<void(const Halide::Target&)>& compile) {
  Halide::Target current = target;
  // Halide names one missing flag per attempt; a kernel may need both.
  for (int attempt = 0;; ++attempt) {
    try {
      compile(current);
      return;
    } catch (const Halide::CompileError& e) {
      const std::string message = e.what();
      const bool opencl = current.has_feature(Halide::Target::OpenCL) && attempt < 2;
      if (opencl && message.find("CLDoubles target flag") != std::string::npos &&
          !current.has_feature(Halide::Target::CLDoubles)) {
        current = current.with_feature(Halide::Target::CLDoubles);
      } else if (opencl && message.find("CLHalf target flag") != std::string::npos &&
                 !current.has_feature(Halide::Target::CLHalf)) {
        current = current.with_feature(Halide::Target::CLHalf);
      } else {
        throw;
      }
    }
  }
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

int64_t gpu_reduction_channels(const Node& node) {
  auto static_dim = [](const Value* value, size_t from_back) -> int64_t {
    if (!value || !value->type.shape || value->type.shape->size() <= from_back) return 0;
    const Dim& dim = (*value->type.shape)[value->type.shape->size() - 1 - from_back];
    return dim.is_static() ? dim.value : 0;
  };
  if (node.op == "Conv") {
    const Value* weight = node.input(1);
    if (!weight || !weight->type.shape || weight->type.shape->size() < 3) return 0;
    const Dim& per_group = (*weight->type.shape)[1];
    return per_group.is_static() ? per_group.value : 0;
  }
  if (node.op == "Gemm")
    return static_dim(node.input(0), node.attrs.get_int("transA", 0) != 0 ? 1 : 0);
  if (node.op == "MatMul") return static_dim(node.input(0), 0);
  return 0;
}

std::vector<int> gpu_reduction_chunks(const Node* node) {
  std::vector<int> chunks = {0};
  const int64_t channels = node ? gpu_reduction_channels(*node) : 0;
  for (int chunk : {4, 8, 16, 32})
    if (channels >= 2 * chunk) chunks.push_back(chunk);
  return chunks;
}

int gpu_default_reduction_chunk(const Node& node) {
  // Stage when a chunk is reused by a whole block: dense convolutions (a depthwise one reads
  // one channel) and matrix products with a long K; 16 channels keep a 16 x 8 block's 3x3
  // input tile at 18 x 10 x 16 x 4 bytes = 11.5 KB of shared memory.
  const int64_t channels = gpu_reduction_channels(node);
  if (node.op == "Conv") return channels >= 32 ? 16 : (channels >= 16 ? 8 : 0);
  return channels >= 64 ? 16 : 0;
}

int gpu_conv_channels_per_thread(const Node& node) {
  const Value* out = node.output(0);
  if (!is_convolution_op(node.op) || !out || !out->type.shape || out->type.shape->size() != 4)
    return 1;
  const Dim& channels = (*out->type.shape)[1];
  if (!channels.is_static()) return 1;
  for (int tc : {4, 2})
    if (channels.value % tc == 0) return tc;
  return 1;
}

TiledLoops apply_gpu_tile(const NodeSchedule& schedule, Func f, bool store,
                          int channels_per_thread) {
  if (store) f.compute_root();
  const std::string prefix = "g";
  TiledLoops loops = tile_stage(f, stage_pure_vars(f, -1), schedule, prefix, channels_per_thread);
  for (int u = 0; u < f.num_update_definitions(); ++u)
    tile_stage(f.update(u), stage_pure_vars(f, u), schedule, prefix + "u" + std::to_string(u));
  return loops;
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
  TiledLoops loops = apply_gpu_tile(schedule, funcs.output, !is_output, channels);
  if (own_accumulator) place_accumulator(funcs, funcs.output, loops, channels, schedule);
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
                         is_convolution_op(anchor_node->op);
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
  const bool conv_anchor = anchor_node && is_convolution_op(anchor_node->op);
  const int channels = conv_anchor ? channels_per_thread(s.anchor, host_of_accumulator) : 1;
  TiledLoops host_loops;
  if (conv_pool && host_of_accumulator.name() != stage.name())
    host_loops = apply_gpu_tile(s.anchor, host_of_accumulator, /*store=*/true, channels);
  const bool at_stage = host_of_accumulator.name() == stage.name();
  TiledLoops stage_loops =
      apply_gpu_tile(stage_schedule, stage, !is_output, at_stage ? channels : 1);
  for (GroupMember& m : members) {
    if (m.node != anchor_node || !m.funcs.accumulator.defined()) continue;
    if (m.funcs.accumulator.name() == host_of_accumulator.name()) continue;
    if (host_of_accumulator.args().empty()) continue;
    // The anchor's knobs (tc, rc) decide how its accumulator is computed; the threads are those
    // of the Func that hosts it.
    NodeSchedule placement = s.anchor;
    const NodeSchedule& host_schedule = at_stage ? stage_schedule : s.anchor;
    placement.block_x = host_schedule.block_x;
    placement.block_y = host_schedule.block_y;
    place_accumulator(m.funcs, host_of_accumulator, at_stage ? stage_loops : host_loops, channels,
                      placement);
  }
}

std::vector<int> gpu_block_sizes() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256};
}

}  // namespace kiln
