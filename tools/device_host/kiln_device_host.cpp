// kiln_device_host.cpp: kiln-device-host, the child process in which `kiln run` and `kiln bench`
// run a GPU library. It links only the thin runtime, so the OpenCL or CUDA driver the library
// loads finds no other LLVM in the process (PoCL's LLVM crashes next to the one Halide links into
// the kiln CLI). It serves run requests on fd 3 (tools/DeviceHostProtocol.h) until told to stop.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kiln_runtime.h"
#include "tools/DeviceHostProtocol.h"

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
  std::vector<std::vector<uint8_t>> inputs(size_t(desc.num_inputs));
  std::vector<const void*> input_pointers;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    uint64_t bytes = 0;
    if (!dh::receive_value(dh::kChannelFd, &bytes)) return false;
    const int64_t count = kiln_tensor_element_count(model, &desc.inputs[i], symbols.data());
    if (count < 0 || bytes != uint64_t(count) * kiln_dtype_size(desc.inputs[i].dtype)) return false;
    inputs[i].resize(bytes);
    if (!dh::receive_all(dh::kChannelFd, inputs[i].data(), bytes)) return false;
    input_pointers.push_back(inputs[i].data());
  }
  std::vector<std::vector<uint8_t>> outputs(size_t(desc.num_outputs));
  std::vector<void*> output_pointers;
  for (int32_t i = 0; i < desc.num_outputs; ++i) {
    const int64_t count = kiln_tensor_element_count(model, &desc.outputs[i], symbols.data());
    if (count < 0)
      return send_reply_head(KILN_ERROR_INVALID_ARGUMENT, kiln_runtime_last_error(), 0);
    outputs[i].resize(size_t(count) * kiln_dtype_size(desc.outputs[i].dtype));
    output_pointers.push_back(outputs[i].data());
  }
  std::vector<double> kernel_ms(size_t(desc.num_kernels > 0 ? desc.num_kernels : 1), 0.0);
  const auto start = std::chrono::steady_clock::now();
  const int status =
      profiled
          ? kiln_model_run_profiled(model, input_pointers.data(), output_pointers.data(),
                                    symbols.data(), kernel_ms.data())
          : kiln_model_run(model, input_pointers.data(), output_pointers.data(), symbols.data());
  const double run_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!send_reply_head(status, status == KILN_OK ? "" : kiln_runtime_last_error(), run_ms))
    return false;
  if (status != KILN_OK) return true;
  if (profiled &&
      !dh::send_all(dh::kChannelFd, kernel_ms.data(), sizeof(double) * size_t(desc.num_kernels)))
    return false;
  for (const std::vector<uint8_t>& output : outputs)
    if (!dh::send_value(dh::kChannelFd, uint64_t(output.size())) ||
        !dh::send_all(dh::kChannelFd, output.data(), output.size()))
      return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr,
                 "kiln-device-host: started by kiln run/bench, not by hand "
                 "(usage: kiln-device-host LIBRARY THREADS, channel on fd 3)\n");
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
