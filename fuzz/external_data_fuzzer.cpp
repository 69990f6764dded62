// external_data_fuzzer.cpp: libFuzzer target `external-data`. The input is a serialised
// onnx.TensorProto whose external_data entries (location, offset, length) are resolved against
// a model folder made once per process: a data file, one in a subfolder, a folder, a symlink
// leaving the folder, a hard link, and a file beside the folder. A tensor that resolves must
// give exactly the bytes its dims need, every one readable (ASan checks the reads).
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "frontend/onnx/ExternalData.h"
#include "fuzz/FuzzFile.h"

namespace {

/// Makes the model folder and returns the model's path in it.
const std::string& model_path() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    std::vector<uint8_t> bytes(256);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
    std::string outside = kiln::fuzz::write_scratch_file("outside.bin", bytes.data(), 64);
    fs::path folder = fs::path(kiln::fuzz::scratch_folder()) / "model";
    fs::create_directories(folder / "sub");
    fs::create_directories(folder / "dir");
    std::string weights = kiln::fuzz::write_scratch_file("model/weights.bin", bytes.data(), 256);
    kiln::fuzz::write_scratch_file("model/sub/w.bin", bytes.data(), 16);
    kiln::fuzz::write_scratch_file("model/model.onnx", bytes.data(), 0);
    std::error_code ec;
    fs::create_symlink(outside, folder / "escape.bin", ec);
    fs::create_symlink("weights.bin", folder / "inside.bin", ec);
    fs::create_hard_link(outside, folder / "hard.bin", ec);
    return (folder / "model.onnx").string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& model = model_path();
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray(data, static_cast<int>(size))) return 0;
  // The importer sizes a tensor from its dims (float32 here) before asking for its data.
  uint64_t byte_size = 4;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || dim > 4096) return 0;
    byte_size *= static_cast<uint64_t>(dim);
    if (byte_size > (uint64_t{1} << 20)) return 0;
  }
  kiln::onnx_import::ExternalDataResolver resolver(model);
  for (int repeat = 0; repeat < 2; ++repeat) {  // the second read shares the first's mapping
    kiln::Result<kiln::TensorData> bytes = resolver.read(tensor, byte_size, "tensor 'w'");
    if (!bytes) return 0;
    if (bytes->size() != byte_size) std::abort();
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < bytes->size(); ++i) sum += bytes->data()[i];
    (void)sum;
  }
  return 0;
}
