// kiln_device_host.cpp: kiln-device-host, the child process GPU code runs in, away from the LLVM
// that Halide links into the kiln CLI (PoCL's LLVM crashes next to it). It links only the thin
// runtime and the tuner's measurement worker. Two modes:
//   kiln-device-host LIBRARY THREADS   serves run requests for one model library on fd 3
//                                      (tools/device_host/DeviceHostProtocol.h) until told to stop;
//   kiln-device-host --measure SPEC    times one GPU kernel candidate for `kiln tune` and prints
//                                      one JSON line, as `kiln tune-worker SPEC` does for CPU ones.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "backends/halide/measure/MeasureWorker.h"
#include "kiln_runtime.h"
#include "tools/device_host/DeviceHostProtocol.h"

namespace dh = kiln::device_host;

namespace {

// A status, a message and a time: the head of every reply.
bool send_reply_head(int status, const std::string& message, double run_ms) {
  return dh::send_value(dh::kChannelFd, int32_t(status)) &&
         dh::send_string(dh::kChannelFd, message) && dh::send_value(dh::kChannelFd, run_ms);
}

// Serves one run request whose kind byte was already read; false when the channel broke.
bool serve_run(kiln_model* model, bool profiled) {
  const kiln_model_desc& desc = *kiln_model_describe(model);
  std::vector<int64_t> symbols(size_t(desc.num_symbols > 0 ? desc.num_symbols : 1));
  for (int64_t& value : symbols)
    if (!dh::receive_value(dh::kChannelFd, &value)) return false;
  // Arrays and buffers hold at least one element, so a model without inputs or a tensor with a
  // zero dim still passes the library non-null pointers.
  std::vector<std::vector<uint8_t>> inputs(size_t(desc.num_inputs));
  std::vector<const void*> input_pointers;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    uint64_t bytes = 0;
    if (!dh::receive_value(dh::kChannelFd, &bytes)) return false;
    const int64_t count = kiln_tensor_element_count(model, &desc.inputs[i], symbols.data());
    if (count < 0 || bytes != uint64_t(count) * kiln_dtype_size(desc.inputs[i].dtype)) return false;
    inputs[i].resize(std::max<uint64_t>(bytes, 1));
    if (!dh::receive_all(dh::kChannelFd, inputs[i].data(), bytes)) return false;
    input_pointers.push_back(inputs[i].data());
  }
  std::vector<std::vector<uint8_t>> outputs(size_t(desc.num_outputs));
  std::vector<void*> output_pointers;
  std::vector<size_t> output_bytes;
  for (int32_t i = 0; i < desc.num_outputs; ++i) {
    const int64_t count = kiln_tensor_element_count(model, &desc.outputs[i], symbols.data());
    if (count < 0)
      return send_reply_head(KILN_ERROR_INVALID_ARGUMENT, kiln_runtime_last_error(), 0);
    output_bytes.push_back(size_t(count) * kiln_dtype_size(desc.outputs[i].dtype));
    outputs[i].resize(std::max<size_t>(output_bytes.back(), 1));
    output_pointers.push_back(outputs[i].data());
  }
  std::vector<double> kernel_ms(size_t(desc.num_kernels > 0 ? desc.num_kernels : 1), 0.0);
  const void* no_input = nullptr;
  const void* const* input_array = input_pointers.empty() ? &no_input : input_pointers.data();
  const auto start = std::chrono::steady_clock::now();
  const int status =
      profiled ? kiln_model_run_profiled(model, input_array, output_pointers.data(), symbols.data(),
                                         kernel_ms.data())
               : kiln_model_run(model, input_array, output_pointers.data(), symbols.data());
  const double run_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!send_reply_head(status, status == KILN_OK ? "" : kiln_runtime_last_error(), run_ms))
    return false;
  if (status != KILN_OK) return true;
  if (profiled &&
      !dh::send_all(dh::kChannelFd, kernel_ms.data(), sizeof(double) * size_t(desc.num_kernels)))
    return false;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!dh::send_value(dh::kChannelFd, uint64_t(output_bytes[i])) ||
        !dh::send_all(dh::kChannelFd, outputs[i].data(), output_bytes[i]))
      return false;
  return true;
}

// Times one candidate (the tuner's worker, MeasureWorker.h); exit 0 with the result line.
int measure(const char* spec_path) {
  std::ifstream in(spec_path);
  if (!in) {
    std::fprintf(stderr, "kiln-device-host: %s: cannot open the measurement spec\n", spec_path);
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  kiln::Result<kiln::MeasureSpec> spec = kiln::parse_measure_spec(text);
  if (!spec) {
    std::fprintf(stderr, "kiln-device-host: %s: %s\n", spec_path, spec.error().message.c_str());
    return 2;
  }
  std::cout << kiln::run_measurement(*spec).to_json_line() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--measure") return measure(argv[2]);
  if (argc != 3) {
    std::fprintf(stderr,
                 "kiln-device-host: started by kiln run/bench/tune, not by hand "
                 "(usage: kiln-device-host LIBRARY THREADS, channel on fd 3; or "
                 "kiln-device-host --measure SPEC)\n");
    return 2;
  }
  kiln_model* model = kiln_model_open(argv[1]);
  if (!model) {
    send_reply_head(KILN_ERROR_LOAD, kiln_runtime_last_error(), 0);
    return 1;
  }
  const int threads = std::atoi(argv[2]);
  if (threads > 0) kiln_model_set_num_threads(model, threads);
  if (!send_reply_head(KILN_OK, "", 0)) return 1;
  uint8_t kind = dh::kDone;
  while (dh::receive_value(dh::kChannelFd, &kind) && kind != dh::kDone)
    if (!serve_run(model, kind == dh::kRunProfiled)) break;
  kiln_model_close(model);
  return 0;
}
