// KernelCompiler.h: the ahead-of-time compile of a kernel program: one object file per distinct
// kernel, built in parallel on all cores and cached (backends/halide/CompileCache.h), plus one
// Halide runtime object shared by all kernels.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backends/halide/CompileCache.h"
#include "backends/halide/HalideLowering.h"

namespace kiln {

/// Called as kernels finish: (done, total); from the compiling threads, one call at a time.
using CompileProgress = std::function<void(int done, int total)>;

/// The objects of a compiled program.
struct KernelObjects {
  std::vector<std::string> kernel_objects;  ///< one per distinct kernel function
  std::string runtime_object;               ///< the Halide runtime for the target
  int compiled = 0;                         ///< distinct kernels compiled by this call
  int cached = 0;                           ///< distinct kernels taken from the cache
};

/// The Halide runtime object for `target` (without NoRuntime): from `cache` where present, else
/// compiled into the cache (or into `scratch_dir` when the cache is disabled).
Result<std::string> halide_runtime_object(const Halide::Target& target, const CompileCache& cache,
                                          const std::string& scratch_dir);

/// Compiles every distinct kernel of `program` to an object (from `cache` where present, else
/// compiled on `jobs` threads, 0 = one per core, and stored in the cache). A kernel whose
/// autoscheduler is still pending (lower_kernels with defer_autoscheduling) is scheduled first,
/// on the same thread, so a cached kernel never runs its plugin. Objects outside the cache go to
/// `scratch_dir`. Errors name the kernel whose compile failed.
Result<KernelObjects> compile_kernel_objects(KernelProgram& program, const CompileCache& cache,
                                             const std::string& scratch_dir, int jobs,
                                             const CompileProgress& progress = {});

}  // namespace kiln
