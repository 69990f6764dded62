// GpuSchedule.h: schedules for GPU targets (CUDA, OpenCL). Every stored Func of a kernel runs on
// the device under the gpu_tile template (thread blocks over its two innermost dims, the outer
// dims fused into more blocks, one output element per thread); a Conv/Gemm accumulator is
// computed inside the thread that owns its output element, so bias, batch norm, activations,
// residual adds and the like stay fused into the convolution's kernel as on the CPU. The CPU
// templates are untouched: choose_schedule picks gpu_tile only when the target has a GPU
// feature, and the lowering then builds the plain (unpacked) algorithm. See docs/GPU.md.
#pragma once

#include <Halide.h>

#include <functional>
#include <vector>

#include "backends/halide/GroupSchedule.h"
#include "backends/halide/HalideSchedule.h"
#include "ir/IR.h"

namespace kiln {

/// True when `target` compiles device code (CUDA, OpenCL, ...).
bool is_gpu_target(const Halide::Target& target);

/// Runs `compile` for `target`. OpenCL devices compute in double or half precision only with the
/// cl_khr_fp64 / cl_khr_fp16 extensions, so Halide refuses an OpenCL kernel that does unless the
/// target says so (CLDoubles / CLHalf); a kernel of f64 or f16 tensors, or one whose lowering
/// computes in f64 for exactness (Pow, Mod, ...), is compiled again with the flag Halide named.
/// Float32 kernels keep a target without them, so they run on devices without the extensions.
/// Other errors propagate (Halide::Error).
void compile_with_device_float_types(const Halide::Target& target,
                                     const std::function<void(const Halide::Target&)>& compile);

/// The default gpu_tile schedule of a Func whose value is `value` (null: unknown shape): the
/// block spans the innermost extent up to 32 threads (a power of two, at least 4) and fills
/// 128 threads along the next dim.
NodeSchedule gpu_tile_schedule(const Value* value);

/// The loops of a Func's pure stage tiled by apply_gpu_tile: the innermost thread loop, where
/// per-thread producers are computed, and the innermost block loop, where per-block producers
/// (shared memory) are (both undefined for a 0-D Func, run in one thread).
struct TiledLoops {
  Halide::Var thread;
  Halide::Var block;
};

/// Tiles every stage of `f` (pure and updates, over each stage's pure dims) into thread blocks;
/// `store`: also compute it at root; `channels_per_thread` > 1: a 4-D pure stage's threads each
/// compute that many channels (it must divide the channel count). Returns the pure stage's loops.
TiledLoops apply_gpu_tile(const NodeSchedule& schedule, Halide::Func f, bool store,
                          int channels_per_thread = 1);

/// The reduction a Conv (input channels per group), Gemm or MatMul (K) sums over, when static;
/// 0 for other nodes or unknown extents.
int64_t gpu_reduction_channels(const Node& node);

/// The legal `rc` knob values of gpu_tile for `node` (null: a kernel without an anchor): 0 (no
/// staging) and the chunks of 4 to 32 channels that fit its reduction at least twice.
std::vector<int> gpu_reduction_chunks(const Node* node);

/// The default `rc` of a node: 16 (8) for a dense Conv of at least 32 (16) input channels per
/// group and for a Gemm/MatMul with K >= 64; 0 elsewhere (depthwise convs, short reductions).
int gpu_default_reduction_chunk(const Node& node);

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
