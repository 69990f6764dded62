// KernelCompiler.cpp: parallel, cached compiles of kernel objects.
#include "backends/halide/KernelCompiler.h"

#include <filesystem>
#include <mutex>

#include "backends/halide/GpuSchedule.h"
#include "backends/halide/ParallelFor.h"

namespace fs = std::filesystem;

namespace kiln {
namespace {

// Compiles `build` into `cache` (via a temporary file) or into `scratch` when the cache is off.
Result<std::string> build_object(const CompileCache& cache, const std::string& kind,
                                 const std::string& key, const fs::path& scratch,
                                 const std::function<void(const std::string&)>& build) {
  if (!cache.enabled()) {
    const std::string path = (scratch / (kind + "_" + key + ".o")).string();
    build(path);
    return path;
  }
  auto temporary = cache.temporary_path(kind, key);
  if (!temporary) return temporary.error();
  try {
    build(*temporary);
  } catch (...) {
    std::error_code ignored;
    fs::remove(*temporary, ignored);
    throw;
  }
  return cache.commit(kind, key, *temporary);
}

}  // namespace

Result<std::string> halide_runtime_object(const Halide::Target& target, const CompileCache& cache,
                                          const std::string& scratch_dir) {
  const Halide::Target runtime_target = target.without_feature(Halide::Target::NoRuntime);
  const std::string key =
      stable_hash("runtime\n" + runtime_target.to_string() + "\n" + kiln_build_identity());
  if (auto cached = cache.lookup("runtime", key)) return *cached;
  try {
    return build_object(cache, "runtime", key, scratch_dir, [&](const std::string& p) {
      Halide::compile_standalone_runtime(p, runtime_target);
    });
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide runtime compilation failed: ") + e.what());
  }
}

Result<KernelObjects> compile_kernel_objects(KernelProgram& program, const CompileCache& cache,
                                             const std::string& scratch_dir, int jobs,
                                             const CompileProgress& progress) {
  KernelObjects objects;
  const Halide::Target kernel_target = program.target.with_feature(Halide::Target::NoRuntime);
  auto runtime = halide_runtime_object(program.target, cache, scratch_dir);
  if (!runtime) return runtime.error();
  objects.runtime_object = *runtime;

  std::vector<int> distinct;
  for (size_t k = 0; k < program.kernels.size(); ++k)
    if (program.kernels[k].representative == int(k)) distinct.push_back(int(k));
  objects.kernel_objects.resize(distinct.size());
  std::vector<int> to_compile;
  for (size_t i = 0; i < distinct.size(); ++i) {
    const LoweredKernel& kernel = program.kernels[size_t(distinct[i])];
    if (auto cached = cache.lookup("kernels", kernel.cache_key)) {
      objects.kernel_objects[i] = *cached;
      ++objects.cached;
    } else {
      to_compile.push_back(int(i));
    }
  }
  std::vector<Error> errors(to_compile.size());
  std::vector<bool> failed(to_compile.size(), false);
  std::mutex progress_lock;
  int done = 0;
  const int total = int(to_compile.size());
  if (progress) progress(0, total);
  parallel_for(total, jobs > 0 ? jobs : default_job_count(), [&](int j) {
    const size_t i = size_t(to_compile[size_t(j)]);
    LoweredKernel& kernel = program.kernels[size_t(distinct[i])];
    const KernelPlan& plan = program.partition.kernels[size_t(kernel.plan)];
    auto build = [&]() -> Result<std::string> {
      // A deferred autoscheduler runs only for the kernels the cache lacks.
      KILN_RETURN_IF_ERROR(autoschedule_kernel(kernel, plan.name, program.target));
      try {
        return build_object(
            cache, "kernels", kernel.cache_key, scratch_dir, [&](const std::string& p) {
              compile_with_device_float_types(kernel_target, [&](const Halide::Target& t) {
                kernel.pipeline.compile_to_object(p, kernel.arguments, kernel.function, t);
              });
            });
      } catch (const Halide::Error& e) {
        return Error{"", plan.name,
                     "Halide compilation of kernel '" + plan.name + "' (schedule " +
                         plan.schedule.to_string() + ") failed: " + e.what()};
      }
    };
    if (Result<std::string> path = build()) {
      objects.kernel_objects[i] = *path;
    } else {
      errors[size_t(j)] = path.error();
      failed[size_t(j)] = true;
    }
    std::lock_guard<std::mutex> lock(progress_lock);
    ++done;
    if (progress) progress(done, total);
  });
  for (size_t j = 0; j < failed.size(); ++j)
    if (failed[j]) return errors[j];
  objects.compiled = total;
  return objects;
}

}  // namespace kiln
