// keras_archive_fuzzer.cpp: libFuzzer target `keras-archive`.
// The input is a Keras 3 .keras zip (config.json, metadata.json, model.weights.h5),
// unpacked and imported, then shape-inferred as `kiln inspect` does
// (fuzz/KerasFuzz.h). Errors are fine; crashes, sanitizer reports, timeouts and runaway memory
// are findings.
#include <cstddef>
#include <cstdint>

#include "fuzz/KerasFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::fuzz::import_keras_input("model.keras", data, size);
  return 0;
}
