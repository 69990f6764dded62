// GroupSchedule.cpp: choosing and applying the schedule of a fusion group.
#include "backends/halide/GroupSchedule.h"

#include <algorithm>
#include <optional>

#include "backends/halide/GpuSchedule.h"
#include "ir/OpSchema.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln {
namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;

const GroupMember* find_op(const std::vector<GroupMember>& members, const std::string& op) {
  for (const GroupMember& m : members)
    if (m.node->op == op) return &m;
  return nullptr;
}

// The group's convolution (Conv or ConvTranspose), if any.
const GroupMember* find_convolution(const std::vector<GroupMember>& members) {
  for (const GroupMember& m : members)
    if (is_convolution_op(m.node->op)) return &m;
  return nullptr;
}

// The accumulator of `anchor` produced at the stage's tiles: the anchor's Funcs with the stage
// as their output.
NodeFuncs anchored_at(const GroupMember& anchor, Func stage) {
  NodeFuncs funcs = anchor.funcs;
  funcs.output = stage;
  return funcs;
}

// The members of a conv_pool group the templates need: the conv, the pool (the stage) and the
// pre-pool activation it reads (the tile), both 4-D; nullopt for any other shape of group.
struct ConvPoolParts {
  const GroupMember* conv;
  Func pool;
  Func tile;
};
std::optional<ConvPoolParts> conv_pool_parts(const std::vector<GroupMember>& members) {
  const GroupMember* conv = find_convolution(members);
  if (!conv || members.size() < 2 || !conv->funcs.accumulator.defined()) return std::nullopt;
  ConvPoolParts parts{conv, members.back().funcs.output, members[members.size() - 2].funcs.output};
  if (parts.pool.args().size() != 4 || parts.tile.args().size() != 4) return std::nullopt;
  return parts;
}

// The pool is the stage, split into channel tiles of the conv's width; the pre-pool activation
// is computed per (channel tile, pool row) with the conv template, nested and unparallelised.
bool apply_conv_pool(const GroupSchedule& s, std::vector<GroupMember>& members, bool is_output) {
  std::optional<ConvPoolParts> parts = conv_pool_parts(members);
  if (!parts) return false;
  Func pool = parts->pool, tile = parts->tile;
  std::vector<Var> args = pool.args();
  if (!is_output) pool.compute_root();
  Var x = args[0], y = args[1], c = args[2], n = args[3];
  Var co("pool_co"), ci("pool_ci");
  pool.split(c, co, ci, std::max(1, s.anchor.tile_channels), TailStrategy::GuardWithIf);
  pool.reorder(x, ci, y, co, n);
  if (s.stage.vector_width > 1)
    pool.vectorize(x, s.stage.vector_width,
                   s.stage.shift_tails ? TailStrategy::ShiftInwards : TailStrategy::GuardWithIf);
  if (s.anchor.parallel) {
    Var fused("pool_co_n");
    pool.fuse(co, n, fused).parallel(fused);
  }
  tile.compute_at(pool, y);
  NodeSchedule nested = s.anchor;
  nested.parallel = false;
  NodeFuncs funcs = anchored_at(*parts->conv, tile);
  apply_conv_tiled_schedule(nested, funcs, /*store=*/false);
  return true;
}

// The ConvChannels form of conv_pool: the pool is the stage, stored channels-last and split into
// blocks of the conv's channel block; one task computes `pool_rows` pool rows of one block, and
// the pre-pool activation they read (a block of channels by the windows' rows) is computed right
// there by the conv template, unparallelised and stored channels-innermost.
bool apply_conv_pool_channels(const GroupSchedule& s, std::vector<GroupMember>& members,
                              bool is_output) {
  std::optional<ConvPoolParts> parts = conv_pool_parts(members);
  if (!parts) return false;
  Func pool = parts->pool, tile = parts->tile;
  std::vector<Var> args = pool.args();
  if (!is_output) {
    pool.compute_root();
    if (s.stage.channels_last) pool.reorder_storage(args[2], args[0], args[1], args[3]);
  }
  Var x = args[0], y = args[1], c = args[2], n = args[3];
  Var co("pool_co"), ci("pool_ci"), yo("pool_yo"), yi("pool_yi");
  pool.split(c, co, ci, s.anchor.channel_block(), TailStrategy::GuardWithIf)
      .split(y, yo, yi, std::max(1, s.pool_rows), TailStrategy::GuardWithIf);
  pool.reorder(ci, x, yi, yo, co, n);
  if (s.anchor.vector_width > 1) pool.vectorize(ci, s.anchor.vector_width);
  Halide::LoopLevel task(pool, yo);
  if (s.anchor.parallel) {
    Var rows("pool_yo_co"), tasks("pool_yo_co_n");
    pool.fuse(yo, co, rows).fuse(rows, n, tasks).parallel(tasks);
    task = Halide::LoopLevel(pool, tasks);
  }
  // Stored per task, computed per pool row: Halide's sliding window computes only the rows the
  // previous pool row of the task did not.
  tile.store_at(task).compute_at(pool, yi);
  std::vector<Var> t = tile.args();
  tile.reorder_storage(t[2], t[0], t[1], t[3]);
  NodeSchedule nested = s.anchor;
  nested.parallel = false;
  NodeFuncs funcs = anchored_at(*parts->conv, tile);
  apply_conv_channels_schedule(nested, funcs, /*store=*/false);
  return true;
}

// Whether every tile of the pre-pool activation that the pool asks for is at least one conv tile
// wide, so the conv template may shift its last tile inwards.
bool pool_region_holds_conv_tile(const Node& pool, const NodeSchedule& conv) {
  return pool_region_columns(pool) >= int64_t(conv.vector_width) * conv.tile_vectors;
}

}  // namespace

const Node* group_anchor(const std::vector<const Node*>& members) {
  for (const Node* node : members)
    if (is_convolution_op(node->op) || node->op == "Gemm" || node->op == "MatMul") return node;
  return nullptr;
}

int64_t pool_region_columns(const Node& pool) {
  const Value* in = pool.input(0);
  const Value* out = pool.output(0);
  if (!in || !out || !in->type.shape || !out->type.shape || in->type.shape->empty() ||
      out->type.shape->empty())
    return -1;
  const Dim& width = in->type.shape->back();
  const Dim& pooled = out->type.shape->back();
  if (!width.is_static() || !pooled.is_static() || pooled.value < 1) return -1;
  const std::vector<int64_t> kernel = pool.attrs.get_ints("kernel_shape");
  Result<WindowAttributes> window = read_window_attributes(pool.attrs, kernel);
  if (!window || kernel.empty()) return -1;
  const size_t last = kernel.size() - 1;
  Result<WindowDim> dim = resolve_window_dim(*window, last, width.value);
  if (!dim) return -1;
  // The windows read columns from -pad_begin to the end of the last one; reads outside the input
  // are clamped into it (pad_spatial), so the row asks for [0, min(W, end)).
  const int64_t end =
      (pooled.value - 1) * window->strides[last] - dim->pad_begin + window->span(last);
  return std::max<int64_t>(1, std::min(width.value, end));
}

GroupSchedule choose_group_schedule(const Graph& graph, const std::vector<const Node*>& members,
                                    const Halide::Target& target, const ScheduleOptions& options) {
  GroupSchedule s;
  const Node* stage = members.back();
  s.kind = parse_fusion_pattern(stage->attrs.get_string("fusion_pattern", ""))
               .value_or(FusionPattern::Elementwise);
  s.stage = choose_schedule(graph, *stage, target, options);
  if (s.stage.kind == ScheduleTemplate::Inline) {
    if (is_gpu_target(target)) {
      s.stage = gpu_tile_schedule(stage->output(0));
    } else {
      s.stage.kind = ScheduleTemplate::Root;
    }
  }
  if (const Node* anchor = group_anchor(members))
    s.anchor = choose_schedule(graph, *anchor, target, options);
  if (s.kind == FusionPattern::ConvPool && s.anchor.kind == ScheduleTemplate::ConvChannels) {
    // The activation tile a pool row asks for must hold whole register tiles of columns.
    const int64_t columns = pool_region_columns(*stage);
    if (columns >= 1) s.anchor.tile_x = int(std::min<int64_t>(s.anchor.tile_x, columns));
    // Overlapping windows: 8 pool rows per task share their activation rows.
    const std::vector<int64_t> kernel = stage->attrs.get_ints("kernel_shape");
    const std::vector<int64_t> strides = stage->attrs.get_ints("strides");
    const int64_t stride = strides.empty() ? 1 : strides.front();
    if (!kernel.empty() && kernel.front() > stride) s.pool_rows = 8;
  } else if (s.kind == FusionPattern::ConvPool) {
    s.anchor.shift_tails = s.anchor.shift_tails && pool_region_holds_conv_tile(*stage, s.anchor);
  }
  return s;
}

void apply_group_schedule(const GroupSchedule& s, std::vector<GroupMember>& members,
                          bool is_output) {
  for (GroupMember& m : members) {
    apply_helper_schedules(s.stage, m.funcs);
    for (Func& f : m.funcs.update_funcs) f.compute_root();
  }
  Func stage = members.back().funcs.output;
  const bool channels = s.anchor.kind == ScheduleTemplate::ConvChannels;
  if (s.kind == FusionPattern::ConvPool && channels &&
      apply_conv_pool_channels(s, members, is_output))
    return;
  if (s.kind == FusionPattern::ConvPool && !channels && apply_conv_pool(s, members, is_output))
    return;

  const GroupMember* conv = find_convolution(members);
  const GroupMember* gemm = find_op(members, "Gemm");
  if (!gemm) gemm = find_op(members, "MatMul");
  if ((s.kind == FusionPattern::ConvEpilogue || s.kind == FusionPattern::ConvPool) && conv &&
      conv->funcs.accumulator.defined() && stage.args().size() >= 3) {
    if (s.kind == FusionPattern::ConvPool) {
      // A pool that cannot be tiled: the conv group stores its epilogue, the pool is its own loop.
      Func tile = members[members.size() - 2].funcs.output;
      NodeFuncs funcs = anchored_at(*conv, tile);
      if (channels) {
        NodeSchedule anchor = s.anchor;
        anchor.channels_last = true;
        apply_conv_channels_schedule(anchor, funcs, /*store=*/true);
      } else {
        apply_conv_tiled_schedule(s.anchor, funcs, /*store=*/true);
      }
      apply_root_schedule(s.stage, stage, !is_output);
      return;
    }
    NodeFuncs funcs = anchored_at(*conv, stage);
    if (channels) {
      NodeSchedule anchor = s.anchor;
      anchor.channels_last = s.stage.channels_last;  // the stage's value is what is stored
      apply_conv_channels_schedule(anchor, funcs, !is_output);
    } else {
      apply_conv_tiled_schedule(s.anchor, funcs, !is_output);
    }
    return;
  }
  if ((s.kind == FusionPattern::GemmEpilogue || s.kind == FusionPattern::Head) && gemm &&
      gemm->funcs.accumulator.defined() && !stage.args().empty()) {
    NodeFuncs funcs = anchored_at(*gemm, stage);
    if (s.anchor.kind == ScheduleTemplate::GemmPacked) {
      apply_gemm_packed_schedule(s.anchor, funcs, !is_output);
    } else {
      apply_gemm_tiled_schedule(s.anchor, funcs, !is_output);
    }
    // The pooled features are computed once per stage run, before its loops, not per output.
    if (const GroupMember* pool = find_op(members, "GlobalAveragePool")) {
      Func pooled = pool->funcs.output;
      pooled.compute_at(stage, Var::outermost());
    }
    return;
  }
  // Elementwise chains, and any group whose anchor is missing: members inline, the stage stored.
  for (GroupMember& m : members)
    if (m.funcs.accumulator.defined() && m.funcs.output.name() != stage.name())
      m.funcs.accumulator.compute_root();
  if (members.back().funcs.accumulator.defined()) members.back().funcs.accumulator.compute_root();
  apply_root_schedule(s.stage, stage, !is_output);
}

}  // namespace kiln
