// HalideSchedule.h: schedules as data. Each node gets a NodeSchedule (a template name plus a few
// integers) chosen by choose_schedule; the lowering applies it to the node's Funcs. Keeping the
// choice separate from the algorithm lets a future tuner vary schedules without touching lowering.
#pragma once

#include <Halide.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// The schedule templates the lowering knows how to apply.
enum class ScheduleTemplate {
  Inline,     ///< no storage: the expression is recomputed inside each consumer
  Root,       ///< compute_root, innermost dim vectorized, outer dims parallel
  ConvTiled,  ///< accumulator computed per (vector x channel-tile) of the output, update vectorized
  /// Direct convolution vectorised over output channels: a register tile of `tile_channels`
  /// vectors of output channels by `tile_x` output columns, accumulated in a channel-blocked
  /// accumulator against weights pre-packed in blocks of vector_width x tile_channels channels
  /// (the lowering builds both; see LowerConv.cpp). For dense and depthwise 2-D convolutions.
  ConvChannels,
  GemmTiled,  ///< accumulator per vector of output features, reduction innermost-but-one
  /// Gemm with a constant B, vectorised over output features against B pre-packed in blocks of
  /// vector_width x tile_channels features; a register tile is one block by `tile_x` rows of A
  /// (rows of A shift inwards when there are at least tile_x of them, else run one at a time).
  GemmPacked,
  /// GPU targets (backends/halide/GpuSchedule.h): the output in thread blocks of `block_x` x
  /// `block_y` threads over its two innermost dims (outer dims: more blocks); a thread computes
  /// `tile_channels` channels of one element (a Conv's register block), reducing in the thread,
  /// through shared-memory tiles of `reduction_chunk` input channels when that is > 0.
  GpuTile,
};

/// Template name as printed ("inline", "root", "conv_tiled", "conv_channels", "gemm_tiled",
/// "gemm_packed", "gpu_tile").
const char* schedule_template_name(ScheduleTemplate t);

/// How one node is scheduled. Integers of 0 or 1 mean "off".
struct NodeSchedule {
  ScheduleTemplate kind = ScheduleTemplate::Root;
  int vector_width = 1;   ///< lanes along the vectorised dim (1 = scalar)
  int tile_channels = 1;  ///< ConvTiled/GpuTile: output channels per tile; ConvChannels: vectors
  int tile_vectors = 1;   ///< ConvTiled/GemmTiled: vectors along the innermost dim per tile
  bool parallel = true;   ///< parallelise the outermost (fused) loop
  /// The stored result is channels-innermost (NHWC order of a 4-D value, from the `layout`
  /// attribute of choose-layout): its storage is reordered and Root vectorises over channels.
  bool channels_last = false;
  /// The innermost extent is static and at least one tile: the last tile may shift inwards
  /// (recomputing a few elements) instead of running a guarded, predicated tail.
  bool shift_tails = false;
  int tile_x = 1;  ///< ConvChannels: output columns per register tile; GemmPacked: rows of A
  /// ConvChannels: unroll the epilogue's stores too (pays off when the reduction is short, as in
  /// depthwise and thin 1x1 convolutions; elsewhere it only slows Halide's lowering down).
  bool unroll_epilogue = false;
  int block_x = 16;  ///< GpuTile: threads of a block along the innermost dim
  int block_y = 8;   ///< GpuTile: threads of a block along the next dim (1 for a 1-D Func)
  /// GpuTile on a Conv, Gemm or MatMul: 0 reduces in each thread from device memory; > 0 splits
  /// the reduction over input channels (Gemm/MatMul: K) into chunks of this many, each staged in
  /// shared memory by the whole block and summed per thread in registers.
  int reduction_chunk = 0;

  /// Channels of one ConvChannels accumulator block (vector_width x tile_channels).
  int channel_block() const { return vector_width * tile_channels; }

  /// The record text with the knobs of its template, "conv_tiled(vw=8,tc=4,tv=1,par=1,shift=1)"
  /// (backends/halide/KernelSchedule.h).
  std::string to_string() const;
};

/// Knobs that apply to a whole lowering.
struct ScheduleOptions {
  bool parallel = true;            ///< allow parallel loops at all
  int max_vector_width = 0;        ///< cap on lanes (0 = the target's natural width)
  bool inline_elementwise = true;  ///< let cheap elementwise nodes fold into their consumer
  /// Per node name, a schedule used instead of the chosen one (what a tuner writes).
  std::map<std::string, NodeSchedule> overrides;
  /// Nonempty: every kernel is scheduled by this Halide autoscheduler (`kiln compile
  /// --autoscheduler`; a schedule record for a kernel still wins).
  std::string autoscheduler;
  /// The value autoschedulers assume for each symbolic dim (the batch) in their estimates.
  int estimate_batch = 1;
};

/// `width` capped by the largest power of two not above `extent` (so a vector over a dim of that
/// static extent never runs past it).
int lanes_within(int width, int64_t extent);

/// The target's natural f32 lanes, capped by options.max_vector_width (at least 1).
int natural_width(const Halide::Target& target, const ScheduleOptions& options);

/// The default ConvChannels tiling of a Conv, or nullopt when that template does not apply (not
/// a 2-D f32 dense/depthwise conv with constant weights and static channels and width).
std::optional<NodeSchedule> conv_channels_schedule(const Node& node, const Halide::Target& target,
                                                   const ScheduleOptions& options);
/// The default GemmPacked tiling of a Gemm, or nullopt when that template does not apply.
std::optional<NodeSchedule> gemm_packed_schedule(const Node& node, const Halide::Target& target,
                                                 const ScheduleOptions& options);

/// Picks a schedule for `node` from its op, its output shape and how its output is used
/// (`graph` gives the consumers). Pure function of its arguments: a tuner can replay it.
NodeSchedule choose_schedule(const Graph& graph, const Node& node, const Halide::Target& target,
                             const ScheduleOptions& options);

/// The Funcs a node's lowering made, in the roles the schedule templates need.
struct NodeFuncs {
  Halide::Func output;                ///< the node's result
  Halide::Func accumulator;           ///< ConvTiled/GemmTiled: the reduction (pure init + update)
  std::vector<Halide::Func> helpers;  ///< intermediates worth storing (e.g. Softmax max and sum)
  /// 4-D intermediates stored channels-innermost and vectorised over channels by
  /// `vector_width` lanes (the padded input copy of a ConvChannels convolution).
  struct ChannelsLastHelper {
    Halide::Func func;
    int vector_width = 1;
  };
  std::vector<ChannelsLastHelper> channels_last_helpers;
  /// The accumulator reads its input only at its own channels (a depthwise Conv): its weights
  /// are a few taps per channel, so the schedule loops channel blocks innermost, reading each
  /// input pixel's channels in one sweep, instead of keeping one block's weights cached.
  bool channel_local = false;
  /// The output has no pure values, only update stages that each copy one input into its own
  /// disjoint slice (a stored Concat): the Root template schedules every update like a pure
  /// stage (vectorised along the storage's innermost dim, parallel over the outer ones).
  bool disjoint_copies = false;
  /// ConvChannels: multiply-adds of one output row of one parallel task's channels (width x
  /// reduction x one block, or x all blocks when `channel_local`), which sizes the parallel
  /// tasks; 0 when unknown.
  int64_t row_macs = 0;
  /// ConvChannels: the output's static height (rows per image), so tasks of several rows can be
  /// made equal in size; 0 when unknown.
  int64_t output_rows = 0;
  /// ConvChannels: channel blocks per image outside one task's `row_macs` (the output's blocks
  /// for a dense conv, 1 when `channel_local`); 0 when unknown.
  int64_t channel_blocks = 0;
  /// ConvChannels, dense: bytes of one image's input that one channel block reads (all input
  /// channels), and bytes of the packed weights of all blocks; 0 when unknown. With several
  /// images, the schedule re-reads whichever is smaller: each image's input once per block
  /// (blocks outermost) or the weights once per image (images outermost).
  int64_t image_input_bytes = 0;
  int64_t weight_bytes = 0;
  /// ConvChannels: the least multiply-adds per parallel task on the target (ScheduleFacts of
  /// its MachineModel); rows are grouped into tasks of at least this much work. 0: a row a task.
  int64_t min_task_macs = 0;
  /// Funcs with update stages that must not be inlined (scheduled by apply_update_schedule)
  std::vector<Halide::Func> update_funcs;
  std::vector<Halide::RVar> reduction_vars;  ///< the accumulator's update loops, innermost first
  /// The Funcs the accumulator's update reads (Conv: input and weights; Gemm/MatMul: A and B),
  /// for GPU schedules that stage tiles of them in shared memory. The last reduction var runs
  /// over the channels (K) they share.
  std::vector<Halide::Func> reduction_inputs;
  Halide::Expr row_count;  ///< GemmPacked: the output's rows (rows of A), static or symbolic
};

/// ConvChannels, dense: whether the loop over images runs outside the loop over channel blocks.
/// Over several images a dense conv re-reads either each image's input once per block (blocks
/// outermost: a block's weights stay cached over all images) or the weights once per image
/// (images outermost: an image's input stays cached over all blocks); it re-reads the smaller.
/// False when the sizes are unknown or the conv is channel-local.
bool conv_images_outermost(const NodeFuncs& funcs);

/// The templates one at a time, for group schedules (backends/halide/GroupSchedule.h). `store`:
/// compute the output at root (false: the caller places it, or it is a pipeline output).
void apply_root_schedule(const NodeSchedule& schedule, Halide::Func func, bool store);
/// Stores the helpers of `funcs` (plain ones with `schedule`'s vectorisation as Root).
void apply_helper_schedules(const NodeSchedule& schedule, NodeFuncs& funcs);
/// ConvTiled on `funcs`; without shifted tails its accumulator is vectorised with guarded tails
/// (the last output tile may be trimmed, and a rounded-up accumulator would read past the input).
void apply_conv_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store);
/// GemmPacked on `funcs.output` (n, m) and its blocked accumulator (nv, m, nb).
void apply_gemm_packed_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store);
/// ConvChannels on `funcs.output` (x, y, c, n) and its blocked accumulator (cv, x, y, n, cb).
void apply_conv_channels_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store);
void apply_gemm_tiled_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool store);

/// Applies `schedule` to the node's Funcs. `is_output` marks pipeline outputs (already stored,
/// so compute_root is neither needed nor allowed to be skipped).
void apply_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool is_output);

}  // namespace kiln
