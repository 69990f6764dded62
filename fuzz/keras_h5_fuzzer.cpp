// keras_h5_fuzzer.cpp: libFuzzer target `keras-h5`.
// The input is a legacy full-model HDF5 file (model_config attribute, model_weights
// groups), parsed by libhdf5 and imported, then shape-inferred as `kiln inspect` does
// (fuzz/KerasFuzz.h). Errors are fine; crashes, sanitizer reports, timeouts and runaway memory
// are findings.
#include <cstddef>
#include <cstdint>

#include "fuzz/KerasFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::fuzz::import_keras_input("model.h5", data, size);
  return 0;
}
