// GroupSchedule.h: one Halide stage per fusion group (passes/FuseGroups.h). The group's last
// node's Func is the stage; the other members are inlined into it, except that in a conv_pool
// group the pre-pool activation is computed per tile of the pool's output (a channel tile by one
// pool row), so the full conv output is never stored. Schedules stay data: a group template plus
// the NodeSchedule parameters of its anchor and of its stage.
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

#include "backends/halide/HalideSchedule.h"
#include "ir/FusionPattern.h"
#include "ir/IR.h"

namespace kiln {

/// How one fusion group is scheduled.
struct GroupSchedule {
  /// What the group computes (from the fuse pass); with the anchor's template it decides the
  /// group template.
  FusionPattern kind = FusionPattern::Elementwise;
  NodeSchedule anchor;  ///< the Conv/Gemm accumulator tiling (conv_*, gemm_epilogue, head)
  NodeSchedule stage;   ///< the stage's own vectorisation (conv_pool, elementwise)
  /// conv_pool with a channel-vectorised conv: pool rows per parallel task. When pool windows
  /// overlap (kernel taller than stride), the activation rows of one task are computed once each
  /// (a sliding window over the task's rows) instead of once per pool row that reads them.
  int pool_rows = 1;

  /// The record text, e.g. "conv_pool{anchor=conv_tiled(...),stage=root(...),rows=1}"
  /// (backends/halide/KernelSchedule.h).
  std::string to_string() const;
};

/// One lowered group member, graph order.
struct GroupMember {
  const Node* node = nullptr;
  NodeFuncs funcs;
};

/// The member whose accumulator a group's template tiles: its Conv, Gemm or MatMul (null for
/// groups without one, such as elementwise chains).
const Node* group_anchor(const std::vector<const Node*>& members);

/// The columns of a 2-D pool's input that a row of its output asks for: from the first column
/// to the end of its last window, (Wp - 1) * stride - pad_begin + span, at most the input's
/// width (reads in the padding are clamped into the input); -1 when unknown. A conv_pool
/// register tile must fit in them.
int64_t pool_region_columns(const Node& pool);

/// Picks the group schedule for `members` (graph order, the last is the stage), from the
/// `fusion_pattern` attribute of the stage and choose_schedule on the anchor and the stage.
GroupSchedule choose_group_schedule(const Graph& graph, const std::vector<const Node*>& members,
                                    const Halide::Target& target, const ScheduleOptions& options);

/// Applies `schedule` to the group; `is_output` marks a stage that is a pipeline output.
void apply_group_schedule(const GroupSchedule& schedule, std::vector<GroupMember>& members,
                          bool is_output);

}  // namespace kiln
