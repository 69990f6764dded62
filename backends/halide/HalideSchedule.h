// HalideSchedule.h: schedules as data. Each node gets a NodeSchedule (a template name plus a few
// integers) chosen by choose_schedule; the lowering applies it to the node's Funcs. Keeping the
// choice separate from the algorithm lets a future tuner vary schedules without touching lowering.
#pragma once

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// The schedule templates the lowering knows how to apply.
enum class ScheduleTemplate {
  Inline,     ///< no storage: the expression is recomputed inside each consumer
  Root,       ///< compute_root, innermost dim vectorized, outer dims parallel
  ConvTiled,  ///< accumulator computed per (vector x channel-tile) of the output, update vectorized
  GemmTiled,  ///< accumulator per vector of output features, reduction innermost-but-one
};

/// Template name as printed ("inline", "root", "conv_tiled", "gemm_tiled").
const char* schedule_template_name(ScheduleTemplate t);

/// How one node is scheduled. Integers of 0 or 1 mean "off".
struct NodeSchedule {
  ScheduleTemplate kind = ScheduleTemplate::Root;
  int vector_width = 1;   ///< lanes along the innermost dim (1 = scalar)
  int tile_channels = 1;  ///< ConvTiled: output channels per accumulator tile (unrolled)
  int tile_vectors = 1;   ///< ConvTiled/GemmTiled: vectors along the innermost dim per tile
  bool parallel = true;   ///< parallelise the outermost (fused) loop
  /// The innermost extent is static and at least one tile: the last tile may shift inwards
  /// (recomputing a few elements) instead of running a guarded, predicated tail.
  bool shift_tails = false;

  /// "conv_tiled(vw=8,tc=4,tv=1,par=1)": for logs and tuner records.
  std::string to_string() const;
};

/// Knobs that apply to a whole lowering.
struct ScheduleOptions {
  bool parallel = true;            ///< allow parallel loops at all
  int max_vector_width = 0;        ///< cap on lanes (0 = the target's natural width)
  bool inline_elementwise = true;  ///< let cheap elementwise nodes fold into their consumer
  /// Per node name, a schedule used instead of the chosen one (what a tuner writes).
  std::map<std::string, NodeSchedule> overrides;
};

/// Picks a schedule for `node` from its op, its output shape and how its output is used
/// (`graph` gives the consumers). Pure function of its arguments: a tuner can replay it.
NodeSchedule choose_schedule(const Graph& graph, const Node& node, const Halide::Target& target,
                             const ScheduleOptions& options);

/// The Funcs a node's lowering made, in the roles the schedule templates need.
struct NodeFuncs {
  Halide::Func output;                ///< the node's result
  Halide::Func accumulator;           ///< ConvTiled/GemmTiled: the reduction (pure init + update)
  std::vector<Halide::Func> helpers;  ///< intermediates worth storing (e.g. Softmax max and sum)
  std::vector<Halide::Func> update_funcs;    ///< Funcs with update stages that must not be inlined
  std::vector<Halide::RVar> reduction_vars;  ///< the accumulator's update loops, innermost first
};

/// The templates one at a time, for group schedules (backends/halide/GroupSchedule.h). `store`:
/// compute the output at root (false: the caller places it, or it is a pipeline output).
/// `guard_accumulator`: vectorise the accumulator with guarded tails, for output tiles that may
/// be trimmed (an accumulator rounded up could read past its inputs).
void apply_root_schedule(const NodeSchedule& schedule, Halide::Func func, bool store);
void apply_conv_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store,
                               bool guard_accumulator);
void apply_gemm_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store);

/// Applies `schedule` to the node's Funcs. `is_output` marks pipeline outputs (already stored,
/// so compute_root is neither needed nor allowed to be skipped).
void apply_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool is_output);

}  // namespace kiln
