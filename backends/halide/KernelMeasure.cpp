// KernelMeasure.cpp: candidate libraries, measurement specs, and the worker's timing loop.
#include "backends/halide/KernelMeasure.h"

#include <HalideRuntime.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>

#include "backends/halide/GpuSchedule.h"
#include "backends/halide/KernelCompiler.h"
#include "backends/halide/LoweringContext.h"
#include "backends/halide/ToolRunner.h"
#include "backends/halide/measure/MeasureWorker.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace fs = std::filesystem;

namespace kiln {
namespace {

// Kiln's thread pool (runtime/kiln_thread_pool.c), as in every model library.
constexpr const char* kThreadPoolSource =
#include "KilnThreadPoolText.inc"
    ;

// The extent of `d` with every symbol = `batch`; -1 when it cannot be sized.
int64_t extent_at_batch(const Dim& d, int64_t batch) {
  if (d.is_static()) return d.value;
  std::optional<DimProduct> product = DimProduct::of(d);
  if (!product) return -1;
  int64_t e = product->coefficient;
  for (size_t i = 0; i < product->symbols.size(); ++i) e *= batch;
  return e;
}

// A buffer descriptor for row-major `dims` (channels innermost for a channels-last 4-D tensor).
Result<MeasureBuffer> describe_buffer(DType dtype, const std::vector<int64_t>& dims,
                                      bool channels_last) {
  KILN_HALIDE_ASSIGN(type, to_halide_type(dtype));
  MeasureBuffer b;
  b.type_code = int(type.code());
  b.type_bits = type.bits();
  for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
    if (*it < 0 || *it > std::numeric_limits<int32_t>::max())
      return make_error("a dim cannot be sized for measurement");
    b.sizes.push_back(int32_t(*it));
  }
  b.strides.assign(b.sizes.size(), 0);
  int64_t stride = 1;
  for (int d : boundary_storage_order(b.sizes.size(), channels_last)) {
    b.strides[size_t(d)] = int32_t(stride);
    stride *= b.sizes[size_t(d)];
  }
  return b;
}

Result<MeasureBuffer> describe_value(const Value& value, int64_t batch, bool channels_last) {
  if (!value.type.shape) return make_error("value '" + value.name + "' has unknown rank");
  std::vector<int64_t> dims;
  for (const Dim& d : *value.type.shape) dims.push_back(extent_at_batch(d, batch));
  return describe_buffer(value.type.dtype, dims, channels_last);
}

Status write_bytes(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), std::streamsize(size));
  if (!out) return Error{path, "", "cannot write file"};
  return Status::ok();
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The device calls a GPU candidate exports for the worker (MeasureWorker.h), compiled into
// `dir`: the Halide runtime linked into the candidate keeps its own symbols private, so these
// small wrappers are the worker's way to sync, copy back and free device buffers.
Result<std::string> compile_device_calls(const std::string& dir) {
  const fs::path source = fs::path(dir) / "device_calls.c";
  const fs::path object = fs::path(dir) / "device_calls.o";
  std::ofstream out(source, std::ios::trunc);
  out << "#include <HalideRuntime.h>\n"
         "#define KILN_EXPORT __attribute__((visibility(\"default\")))\n";
  const std::pair<const char*, const char*> calls[] = {{kMeasureDeviceSync, "halide_device_sync"},
                                                       {kMeasureCopyToHost, "halide_copy_to_host"},
                                                       {kMeasureDeviceFree, "halide_device_free"}};
  for (const auto& [name, runtime_call] : calls)
    out << "KILN_EXPORT int " << name << "(struct halide_buffer_t* b) { return " << runtime_call
        << "(0, b); }\n";
  out.close();
  if (!out) return Error{source.string(), "", "cannot write file"};
  KILN_RETURN_IF_ERROR(run_tool({"cc", "-c", "-O1", "-fPIC", "-I", KILN_HALIDE_INCLUDE_DIR,
                                 source.string(), "-o", object.string()}));
  return object.string();
}

}  // namespace

Result<std::string> build_measure_runtime(const Halide::Target& target, const std::string& dir) {
  const std::string archive = (fs::path(dir) / "halide_runtime.a").string();
  auto object = halide_runtime_object(target, CompileCache(), dir);  // uncached, in `dir`
  if (!object) return object.error();
  // Candidates are timed with the thread pool model libraries run with: its strong
  // halide_do_par_for replaces the runtime's weak one in one relocatable object.
  const fs::path pool_source = fs::path(dir) / "kiln_thread_pool.c";
  {
    std::ofstream out(pool_source);
    out << kThreadPoolSource;
    if (!out) return make_error("cannot write " + pool_source.string());
  }
  const std::string pool_object = (fs::path(dir) / "kiln_thread_pool.o").string();
  const std::string combined = (fs::path(dir) / "halide_runtime_with_pool.o").string();
  KILN_RETURN_IF_ERROR(
      run_tool({"cc", "-c", "-O2", "-fPIC", pool_source.string(), "-o", pool_object}));
  KILN_RETURN_IF_ERROR(run_tool({"ld", "-r", "-o", combined, *object, pool_object}));
  KILN_RETURN_IF_ERROR(run_tool({"ar", "rcs", archive, combined}));
  return archive;
}

Result<std::vector<MeasureBuffer>> write_measure_inputs(const KernelPartition& partition, int index,
                                                        int64_t batch, uint64_t seed,
                                                        const std::string& dir) {
  const KernelPlan& plan = partition.kernels[size_t(index)];
  std::vector<MeasureBuffer> buffers;
  uint64_t state = seed;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const BoundaryTensor& t = partition.tensors[size_t(plan.inputs[i])];
    KILN_HALIDE_ASSIGN(buffer, describe_value(*t.value, batch, t.channels_last));
    const size_t count = size_t(buffer.elements());
    std::vector<uint8_t> bytes(count * size_t(buffer.element_bytes()), 0);
    if (buffer.type_code == halide_type_float && buffer.type_bits == 32) {
      float* f = reinterpret_cast<float*>(bytes.data());
      for (size_t e = 0; e < count; ++e)  // uniform in [-1, 1)
        f[e] = float(double(splitmix(state) >> 11) * 0x1.0p-52 - 1.0);
    }  // other types stay zero (indices, masks)
    buffer.file = (fs::path(dir) / ("in" + std::to_string(i) + ".bin")).string();
    KILN_RETURN_IF_ERROR(write_bytes(buffer.file, bytes.data(), bytes.size()));
    buffers.push_back(std::move(buffer));
  }
  return buffers;
}

Result<MeasureSpec> build_measure_candidate(const Graph& graph, const KernelPartition& partition,
                                            int index, const Halide::Target& target,
                                            const ScheduleOptions& options, int64_t batch,
                                            const std::vector<MeasureBuffer>& inputs,
                                            const std::string& runtime_archive,
                                            const std::string& dir) {
  const KernelPlan& plan = partition.kernels[size_t(index)];
  // Building Funcs is kept to one thread at a time; the compiles below run in parallel.
  static std::mutex lowering;
  std::unique_lock<std::mutex> lock(lowering);
  KILN_HALIDE_ASSIGN(single, lower_single_kernel(graph, partition, index, target, options));
  lock.unlock();
  // An autoscheduler(NAME) candidate: the plugin schedules the pipeline (in parallel is fine).
  KILN_RETURN_IF_ERROR(autoschedule_kernel(single.kernel, plan.name, target));
  MeasureSpec spec;
  spec.schedule = plan.schedule.to_string();
  spec.function = "kiln_tune_" + stable_hash(plan.task + "\n" + spec.schedule).substr(0, 16);
  const fs::path folder(dir);
  const std::string object = (folder / "kernel.o").string();
  try {
    compile_with_device_float_types(target.with_feature(Halide::Target::NoRuntime),
                                    [&](const Halide::Target& t) {
                                      single.kernel.pipeline.compile_to_object(
                                          object, single.kernel.arguments, spec.function, t);
                                    });
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide compilation failed: ") + e.what());
  }
  spec.library = (folder / "candidate.so").string();
  std::vector<std::string> link = {"cc", "-shared", "-o", spec.library, object};
  if (is_gpu_target(target)) {
    KILN_HALIDE_ASSIGN(device_calls, compile_device_calls(folder.string()));
    link.push_back(device_calls);
  }
  link.insert(link.end(), {runtime_archive, "-Wl,--exclude-libs,ALL", "-Wl,-z,noexecstack",
                           "-lpthread", "-ldl", "-lm"});
  KILN_RETURN_IF_ERROR(run_tool(link));
  size_t next_input = 0;
  for (const KernelArgument& binding : single.kernel.bindings) {
    MeasureArgument arg;
    switch (binding.kind) {
      case KernelArgument::Kind::Symbol:
        arg.is_scalar = true;
        arg.scalar = int32_t(batch);
        break;
      case KernelArgument::Kind::Tensor:
        if (next_input >= inputs.size())
          return make_error("the kernel reads more inputs than planned");
        arg.buffer = inputs[next_input++];
        break;
      case KernelArgument::Kind::Weight: {
        const Value* w = single.weights[size_t(binding.index)];
        if (!w->constant) return make_error("weight '" + w->name + "' has no data");
        const Tensor& t = *w->constant;
        KILN_HALIDE_ASSIGN(buffer, describe_buffer(t.dtype, t.dims, false));
        buffer.file = (folder / ("w" + std::to_string(spec.arguments.size()) + ".bin")).string();
        const size_t size = size_t(buffer.elements()) * size_t(buffer.element_bytes());
        if (t.data.size() < size) return make_error("weight '" + w->name + "' is short");
        KILN_RETURN_IF_ERROR(write_bytes(buffer.file, t.data.data(), size));
        arg.buffer = std::move(buffer);
        break;
      }
    }
    spec.arguments.push_back(std::move(arg));
  }
  for (int t : single.kernel.outputs) {
    const BoundaryTensor& tensor = partition.tensors[size_t(t)];
    KILN_HALIDE_ASSIGN(buffer, describe_value(*tensor.value, batch, tensor.channels_last));
    MeasureArgument arg;
    arg.is_output = true;
    arg.buffer = std::move(buffer);
    spec.arguments.push_back(std::move(arg));
  }
  spec.output_file = (folder / "outputs.bin").string();
  return spec;
}

}  // namespace kiln
