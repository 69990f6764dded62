// npy_fuzzer.cpp: libFuzzer target `npy`. The input is a NumPy .npy file as `kiln run` reads
// its inputs (tools/NpyFile.h). A tensor that reads must hold exactly the bytes its shape needs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz/FuzzFile.h"
#include "tools/NpyFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = kiln::fuzz::write_scratch_file("input.npy", data, size);
  kiln::Result<kiln::Tensor> tensor = kiln::read_npy_file(path);
  if (!tensor) return 0;
  // More bytes than the file holds, or not what the shape needs, is a bug.
  size_t needed = static_cast<size_t>(tensor->element_count()) * kiln::dtype_size(tensor->dtype);
  if (tensor->data.size() > size || tensor->data.size() != needed) std::abort();
  return 0;
}
