// keras_json_fuzzer.cpp: libFuzzer target `keras-json`.
// The input is a model.to_json() description (Keras 1, 2 or 3 layout), imported with
// placeholder weights, then shape-inferred as `kiln inspect` does
// (fuzz/KerasFuzz.h). Errors are fine; crashes, sanitizer reports, timeouts and runaway memory
// are findings.
#include <cstddef>
#include <cstdint>

#include "fuzz/KerasFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::fuzz::import_keras_input("model.json", data, size);
  return 0;
}
