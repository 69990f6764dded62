// GpuSchedule.h: schedules for GPU targets (CUDA, OpenCL). Every stored Func of a kernel runs on
// the device under the gpu_tile template (thread blocks over its two innermost dims, the outer
// dims fused into more blocks, one output element per thread); a Conv/Gemm accumulator is
// computed inside the thread that owns its output element, so bias, batch norm, activations,
// residual adds and the like stay fused into the convolution's kernel as on the CPU. The CPU
// templates are untouched: choose_schedule picks gpu_tile only when the target has a GPU
// feature, and the lowering then builds the plain (unpacked) algorithm. See docs/GPU.md.
#pragma once

#include <Halide.h>

#include <vector>

#include "backends/halide/GroupSchedule.h"
#include "backends/halide/HalideSchedule.h"
#include "ir/IR.h"

namespace kiln {

/// True when `target` compiles device code (CUDA, OpenCL, ...).
bool is_gpu_target(const Halide::Target& target);

/// The default gpu_tile schedule of a Func whose value is `value` (null: unknown shape): the
/// block spans the innermost extent up to 32 threads (a power of two, at least 4) and fills
/// 128 threads along the next dim.
NodeSchedule gpu_tile_schedule(const Value* value);

/// Tiles every stage of `f` (pure and updates, over each stage's pure dims) into thread blocks;
/// `store`: also compute it at root; `channels_per_thread` > 1: a 4-D pure stage's threads each
/// compute that many channels (it must divide the channel count). Returns the innermost thread
/// loop of the pure stage, where per-thread producers are computed (an undefined Var for a 0-D
/// Func, run in one thread).
Halide::Var apply_gpu_tile(const NodeSchedule& schedule, Halide::Func f, bool store,
                           int channels_per_thread = 1);

/// The default `tc` (output channels per thread) of a Conv on a GPU: 4, 2 or 1, the largest
/// that divides its static output channels (1 for other nodes).
int gpu_conv_channels_per_thread(const Node& node);

/// A node's helpers (padded inputs, Softmax's row statistics), its Funcs with update stages and
/// (unless `keep_accumulator`) its accumulator, each stored on the device under `schedule`.
void apply_gpu_producer_schedules(const NodeSchedule& schedule, NodeFuncs& funcs,
                                  bool keep_accumulator);

/// gpu_tile on an unfused node: its output (stored unless `is_output`, the pipeline's own
/// output), its accumulator per thread. An Inline schedule stores only the producers.
void apply_gpu_node_schedule(const NodeSchedule& schedule, NodeFuncs& funcs, bool is_output);

/// A fusion group on the GPU: the stage is tiled, the anchor's accumulator computed per thread of
/// the stage (conv_pool: per thread of the pre-pool activation, which the pool reads on the
/// device), other reductions (a Head's global average pool) stored before the stage.
void apply_gpu_group_schedule(const GroupSchedule& schedule, std::vector<GroupMember>& members,
                              bool is_output);

/// The legal knob values of gpu_tile: bx and by each a power of two, bx x by <= 1024 threads.
std::vector<int> gpu_block_sizes();

}  // namespace kiln
