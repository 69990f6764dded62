// MeasureWorker.cpp: the worker's timing loop over one candidate library.
#include "backends/halide/measure/MeasureWorker.h"

#include <HalideRuntime.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ir/StableHash.h"

namespace kiln {
namespace {

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

using BufferFn = int (*)(halide_buffer_t*);

// The device calls of a GPU candidate (all null for a CPU one).
struct DeviceCalls {
  BufferFn sync = nullptr, copy_to_host = nullptr, free = nullptr;
  bool present() const { return sync && copy_to_host && free; }
};

}  // namespace

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
  DeviceCalls device;
  device.sync = reinterpret_cast<BufferFn>(dlsym(library, kMeasureDeviceSync));
  device.copy_to_host = reinterpret_cast<BufferFn>(dlsym(library, kMeasureCopyToHost));
  device.free = reinterpret_cast<BufferFn>(dlsym(library, kMeasureDeviceFree));

  std::vector<std::unique_ptr<AlignedBytes>> storage;
  std::vector<std::vector<halide_dimension_t>> dims(spec.arguments.size());
  std::vector<halide_buffer_t> buffers(spec.arguments.size());
  std::vector<int32_t> scalars(spec.arguments.size());
  std::vector<void*> argv(spec.arguments.size());
  std::vector<std::pair<halide_buffer_t*, const AlignedBytes*>> outputs;
  std::vector<halide_buffer_t*> all_buffers;
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
    }
    for (size_t d = 0; d < b.sizes.size(); ++d)
      dims[i].push_back(halide_dimension_t(0, b.sizes[d], b.strides[d]));
    halide_buffer_t& hb = buffers[i];
    std::memset(&hb, 0, sizeof(hb));
    hb.host = storage.back()->data;
    hb.type = halide_type_t(halide_type_code_t(b.type_code), uint8_t(b.type_bits));
    hb.dimensions = int32_t(b.sizes.size());
    hb.dim = dims[i].data();
    // A GPU kernel copies an input to the device on its first run only if the host is marked
    // as the fresher copy; later runs find it there, as a model library's weights.
    if (!a.is_output && device.present()) hb.flags |= halide_buffer_flag_host_dirty;
    argv[i] = &hb;
    all_buffers.push_back(&hb);
    if (a.is_output) outputs.emplace_back(&hb, storage.back().get());
  }
  // A GPU candidate's device memory is released before the library is (the worker then exits).
  struct DeviceRelease {
    const DeviceCalls& calls;
    const std::vector<halide_buffer_t*>& buffers;
    ~DeviceRelease() {
      if (!calls.present()) return;
      for (halide_buffer_t* b : buffers) calls.free(b);
    }
  } release{device, all_buffers};

  using Clock = std::chrono::steady_clock;
  auto run_once = [&](double* ms) {
    const auto start = Clock::now();
    int rc = fn(argv.data());
    // GPU kernels run asynchronously: the time ends when the outputs are ready.
    if (device.present())
      for (auto& [buffer, bytes] : outputs)
        if (rc == 0) rc = device.sync(buffer);
    *ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return rc;
  };
  double ms = 0;
  for (int i = 0; i < std::max(1, spec.warmup); ++i)
    if (int rc = run_once(&ms); rc != 0)
      return error_result("the kernel returned Halide error " + std::to_string(rc));
  {
    std::ofstream out(spec.output_file, std::ios::binary | std::ios::trunc);
    for (auto& [buffer, bytes] : outputs) {
      if (device.present())
        if (int rc = device.copy_to_host(buffer); rc != 0)
          return error_result("copying the outputs from the device failed (Halide error " +
                              std::to_string(rc) + ")");
      out.write(reinterpret_cast<const char*>(bytes->data), std::streamsize(bytes->size));
    }
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
