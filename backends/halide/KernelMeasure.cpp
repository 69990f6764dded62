// KernelMeasure.cpp: candidate libraries, measurement specs, and the worker's timing loop.
#include "backends/halide/KernelMeasure.h"

#include <HalideRuntime.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "backends/halide/KernelCompiler.h"
#include "backends/halide/LoweringContext.h"
#include "backends/halide/ToolRunner.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace fs = std::filesystem;

namespace kiln {
namespace {

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

// 64-byte aligned storage for one buffer.
struct AlignedBytes {
  explicit AlignedBytes(size_t size)
      : data(static_cast<uint8_t*>(
            std::aligned_alloc(64, (std::max<size_t>(size, 1) + 63) / 64 * 64))),
        size(size) {
    std::memset(data, 0, size);
  }
  ~AlignedBytes() { std::free(data); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  uint8_t* data;
  size_t size;
};

MeasureResult error_result(const std::string& message) {
  MeasureResult r;
  r.status = "error";
  r.error = message;
  return r;
}

}  // namespace

int64_t MeasureBuffer::elements() const {
  int64_t n = 1;
  for (int32_t s : sizes) n *= s;
  return n;
}

nlohmann::json measure_buffer_json(const MeasureBuffer& buffer) {
  return {{"file", buffer.file},
          {"type_code", buffer.type_code},
          {"type_bits", buffer.type_bits},
          {"sizes", buffer.sizes},
          {"strides", buffer.strides}};
}

MeasureBuffer parse_measure_buffer(const nlohmann::json& j) {
  MeasureBuffer buffer;
  buffer.file = j.value("file", std::string());
  buffer.type_code = j.at("type_code").get<int>();
  buffer.type_bits = j.at("type_bits").get<int>();
  buffer.sizes = j.at("sizes").get<std::vector<int32_t>>();
  buffer.strides = j.at("strides").get<std::vector<int32_t>>();
  return buffer;
}

std::string MeasureSpec::to_json() const {
  nlohmann::json args = nlohmann::json::array();
  for (const MeasureArgument& a : arguments) {
    if (a.is_scalar) {
      args.push_back({{"scalar", a.scalar}});
      continue;
    }
    nlohmann::json buffer = measure_buffer_json(a.buffer);
    buffer["output"] = a.is_output;
    args.push_back(std::move(buffer));
  }
  nlohmann::json j = {{"library", library},           {"function", function},
                      {"schedule", schedule},         {"output_file", output_file},
                      {"threads", threads},           {"warmup", warmup},
                      {"min_repeats", min_repeats},   {"max_repeats", max_repeats},
                      {"min_total_ms", min_total_ms}, {"arguments", args}};
  return j.dump();
}

Result<MeasureSpec> parse_measure_spec(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("the measurement spec is not JSON");
  try {
    MeasureSpec spec;
    spec.library = j.at("library").get<std::string>();
    spec.function = j.at("function").get<std::string>();
    spec.schedule = j.value("schedule", std::string());
    spec.output_file = j.at("output_file").get<std::string>();
    spec.threads = j.value("threads", 0);
    spec.warmup = j.value("warmup", 2);
    spec.min_repeats = j.value("min_repeats", 5);
    spec.max_repeats = j.value("max_repeats", 200);
    spec.min_total_ms = j.value("min_total_ms", 100.0);
    for (const nlohmann::json& a : j.at("arguments")) {
      MeasureArgument arg;
      if (a.contains("scalar")) {
        arg.is_scalar = true;
        arg.scalar = a["scalar"].get<int32_t>();
      } else {
        arg.is_output = a.value("output", false);
        arg.buffer = parse_measure_buffer(a);
        if (arg.buffer.sizes.size() != arg.buffer.strides.size())
          return make_error("the measurement spec has a buffer with mismatched sizes/strides");
      }
      spec.arguments.push_back(std::move(arg));
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("the measurement spec is malformed: ") + e.what());
  }
}

Result<std::string> build_measure_runtime(const Halide::Target& target, const std::string& dir) {
  const std::string archive = (fs::path(dir) / "halide_runtime.a").string();
  auto object = halide_runtime_object(target, CompileCache(), dir);  // uncached, in `dir`
  if (!object) return object.error();
  KILN_RETURN_IF_ERROR(run_tool({"ar", "rcs", archive, *object}));
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
    single.kernel.pipeline.compile_to_object(object, single.kernel.arguments, spec.function,
                                             target.with_feature(Halide::Target::NoRuntime));
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide compilation failed: ") + e.what());
  }
  spec.library = (folder / "candidate.so").string();
  KILN_RETURN_IF_ERROR(
      run_tool({"cc", "-shared", "-o", spec.library, object, runtime_archive,
                "-Wl,--exclude-libs,ALL", "-Wl,-z,noexecstack", "-lpthread", "-ldl", "-lm"}));
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

MeasureResult run_measurement(const MeasureSpec& spec) {
  // Test hook: a worker that crashes for chosen candidates.
  if (const char* crash = std::getenv("KILN_TUNE_TEST_CRASH"))
    if (*crash && spec.schedule.find(crash) != std::string::npos) std::abort();
  if (spec.threads > 0) setenv("HL_NUM_THREADS", std::to_string(spec.threads).c_str(), 1);

  void* library = dlopen(spec.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) return error_result(std::string("cannot load the candidate: ") + dlerror());
  using ArgvFn = int (*)(void**);
  auto fn = reinterpret_cast<ArgvFn>(dlsym(library, (spec.function + "_argv").c_str()));
  if (!fn) return error_result("the candidate has no function " + spec.function + "_argv");

  std::vector<std::unique_ptr<AlignedBytes>> storage;
  std::vector<std::vector<halide_dimension_t>> dims(spec.arguments.size());
  std::vector<halide_buffer_t> buffers(spec.arguments.size());
  std::vector<int32_t> scalars(spec.arguments.size());
  std::vector<void*> argv(spec.arguments.size());
  std::vector<const AlignedBytes*> outputs;
  for (size_t i = 0; i < spec.arguments.size(); ++i) {
    const MeasureArgument& a = spec.arguments[i];
    if (a.is_scalar) {
      scalars[i] = a.scalar;
      argv[i] = &scalars[i];
      continue;
    }
    const MeasureBuffer& b = a.buffer;
    const size_t size = size_t(b.elements()) * size_t(b.element_bytes());
    storage.push_back(std::make_unique<AlignedBytes>(size));
    if (!a.is_output) {
      std::ifstream in(b.file, std::ios::binary);
      in.read(reinterpret_cast<char*>(storage.back()->data), std::streamsize(size));
      if (!in) return error_result("cannot read " + b.file);
    } else {
      outputs.push_back(storage.back().get());
    }
    for (size_t d = 0; d < b.sizes.size(); ++d)
      dims[i].push_back(halide_dimension_t(0, b.sizes[d], b.strides[d]));
    halide_buffer_t& hb = buffers[i];
    std::memset(&hb, 0, sizeof(hb));
    hb.host = storage.back()->data;
    hb.type = halide_type_t(halide_type_code_t(b.type_code), uint8_t(b.type_bits));
    hb.dimensions = int32_t(b.sizes.size());
    hb.dim = dims[i].data();
    argv[i] = &hb;
  }

  using Clock = std::chrono::steady_clock;
  auto run_once = [&](double* ms) {
    const auto start = Clock::now();
    const int rc = fn(argv.data());
    *ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return rc;
  };
  double ms = 0;
  for (int i = 0; i < std::max(1, spec.warmup); ++i)
    if (int rc = run_once(&ms); rc != 0)
      return error_result("the kernel returned Halide error " + std::to_string(rc));
  {
    std::ofstream out(spec.output_file, std::ios::binary | std::ios::trunc);
    for (const AlignedBytes* o : outputs)
      out.write(reinterpret_cast<const char*>(o->data), std::streamsize(o->size));
    if (!out) return error_result("cannot write " + spec.output_file);
  }
  std::vector<double> times;
  double total = 0;
  while (int(times.size()) < spec.max_repeats &&
         (int(times.size()) < spec.min_repeats || total < spec.min_total_ms)) {
    if (int rc = run_once(&ms); rc != 0)
      return error_result("the kernel returned Halide error " + std::to_string(rc));
    times.push_back(ms);
    total += ms;
  }
  std::sort(times.begin(), times.end());
  MeasureResult result;
  result.repeats = int(times.size());
  result.min_ms = times.front();
  const size_t n = times.size();
  result.median_ms = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  // Test hook: deterministic fake times (a hash of the schedule), for search-determinism tests.
  if (const char* fake = std::getenv("KILN_TUNE_TEST_FAKE_MS"); fake && *fake == '1') {
    const std::string h = stable_hash(spec.schedule);
    result.median_ms = result.min_ms =
        0.5 + double(std::stoul(h.substr(0, 6), nullptr, 16) % 1000) / 1000.0;
  }
  return result;
}

}  // namespace kiln
