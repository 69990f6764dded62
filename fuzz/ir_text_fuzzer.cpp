// ir_text_fuzzer.cpp: libFuzzer target `ir-text`. The input is Kiln IR text (ir/Parser.h); a
// graph that parses is verified and, when valid, shape-inferred, as `kiln inspect x.kir` does.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/ModelLimits.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"
#include "passes/InferShapes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  kiln::Result<kiln::Graph> graph = kiln::parse_graph(text, "fuzz.kir");
  if (!graph) return 0;
  kiln::Status status = kiln::verify_graph(*graph);
  if (status) status = kiln::check_model_limits(*graph);
  if (status) status = kiln::infer_shapes(*graph);
  return 0;
}
