// HalideLowering.h: lowers a shape-inferred Kiln graph to one Halide pipeline per kernel
// (backends/halide/KernelPartition.h).
//
// Layout. IR tensors are row-major, Halide dims innermost-first: a value of shape [N,C,H,W] is a
// Func (w, h, c, n), and a buffer's dim(0) is the IR's last dim. A channels-last boundary tensor
// keeps the same dims with channels given stride 1 (storage n, h, w, c).
//
// Arguments. Every kernel takes, in this order: one int32 scalar per model symbol (the symbolic
// dims, e.g. the batch), its input tensors (graph inputs or other kernels' outputs), and the
// constants it reads as tensors (weights); then its output buffers. Weights are parameters, never
// baked-in buffers, so identical kernels with different weights share one compiled function; the
// AOT wrapper binds weights from the blob and the JIT binds Buffers over each constant's bytes.
// Constants read only for their values at compile time (a Reshape's shape, Slice bounds) do not
// become parameters.
#pragma once

#include <Halide.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/halide/HalideSchedule.h"
#include "backends/halide/KernelPartition.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// What one argument of a kernel function is bound to.
struct KernelArgument {
  enum class Kind { Symbol, Tensor, Weight };
  Kind kind = Kind::Tensor;
  int index = 0;  ///< model symbol, boundary tensor (KernelPartition::tensors) or weight index
};

/// One kernel lowered to a Halide pipeline.
struct LoweredKernel {
  int plan = 0;               ///< index into KernelPartition::kernels
  std::string function;       ///< the compiled function's name, shared by identical kernels
  std::string cache_key;      ///< 32 hex digits: task, schedule, target and Kiln build
  int representative = 0;     ///< the first kernel with the same cache key (compiled once)
  Halide::Pipeline pipeline;  ///< over the kernel's outputs
  std::vector<Halide::Argument> arguments;  ///< inputs of the function, before its outputs
  std::vector<KernelArgument> bindings;     ///< one per entry of `arguments`
  std::vector<int> outputs;                 ///< boundary tensor written by each pipeline output
  /// The parameters behind `arguments` (for the JIT, which binds them by object).
  std::vector<Halide::Param<int32_t>> symbol_params;
  std::vector<Halide::ImageParam> buffer_params;  ///< tensors then weights, argument order
  /// Nonempty: the pipeline is scheduled by this Halide autoscheduler (HalideAutoscheduler.h).
  std::string autoscheduler;
  /// True while the autoscheduler has not run on `pipeline` yet (autoschedule_kernel runs it).
  bool autoschedule_pending = false;
};

/// A graph lowered to kernels.
struct KernelProgram {
  KernelPartition partition;
  std::vector<LoweredKernel> kernels;  ///< run order, one per partition kernel
  std::vector<const Value*> weights;   ///< the constants bound as weights, model-wide
  /// Owners of the weights the lowering derived at compile time (pre-packed copies), which
  /// `weights` points into alongside the graph's own constants.
  std::vector<std::shared_ptr<Value>> derived_weights;
  Halide::Target target;
  /// Number of distinct kernel functions (kernels that are the same compile once).
  int distinct_kernels() const;
};

/// Parses "host", "x86-64-linux-avx2", "arm-64-linux", "host-opencl", "host-cuda", ... into a
/// Target; errors on bad strings. A CUDA target without a capability gets cuda_capability_80.
Result<Halide::Target> parse_halide_target(const std::string& spec);

/// Lowers `graph` (types inferred: every value has a dtype and a rank; dims static or symbolic)
/// to one pipeline per kernel with the schedule chosen per kernel (see partition_kernels for
/// `records`). `build_id` enters the cache keys (the AOT path passes Kiln's version and build).
/// Kernels scheduled by a Halide autoscheduler are scheduled here, distinct ones in parallel,
/// unless `defer_autoscheduling`: then they stay pending, and compile_kernel_objects runs the
/// plugin only for kernels the compile cache lacks. Errors name the node that cannot be lowered.
Result<KernelProgram> lower_kernels(const Graph& graph, const Halide::Target& target,
                                    const ScheduleOptions& options = {},
                                    const std::map<std::string, ScheduleRecord>& records = {},
                                    const std::string& build_id = "",
                                    bool defer_autoscheduling = false);

/// Runs the pending autoscheduler of `kernel` (nothing when none is pending); errors name
/// `kernel_name` and the plugin. Kernels of different pipelines may run on several threads.
Status autoschedule_kernel(LoweredKernel& kernel, const std::string& kernel_name,
                           const Halide::Target& target);

/// One kernel lowered on its own, with the constants behind its weight arguments.
struct SingleKernel {
  LoweredKernel kernel;               ///< weight bindings index `weights` (local to this kernel)
  std::vector<const Value*> weights;  ///< one per weight argument, in argument order
  std::vector<std::shared_ptr<Value>> derived_weights;  ///< owners of pre-packed weights
};

/// Lowers kernel `index` of `partition` alone, with the schedule its plan holds (what a tuner
/// compiles for each candidate schedule); an autoscheduled kernel is left pending
/// (autoschedule_kernel). Errors name the node that cannot be lowered.
Result<SingleKernel> lower_single_kernel(const Graph& graph, const KernelPartition& partition,
                                         int index, const Halide::Target& target,
                                         const ScheduleOptions& options = {});

/// The Halide scalar type for a Kiln dtype (bool is uint1); error for Unknown.
Result<Halide::Type> to_halide_type(DType dtype);

}  // namespace kiln
