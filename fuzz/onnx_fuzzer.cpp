// onnx_fuzzer.cpp: libFuzzer target `onnx`. The input is an .onnx file; it goes through what
// `kiln inspect` does before the backend: import, verify, model limits, shape inference and the
// default pass pipeline (constant folding with the reference evaluator). Errors are fine;
// crashes, leaks, sanitizer reports, timeouts and runaway memory are findings.
#include <cstddef>
#include <cstdint>

#include "backends/reference/ReferenceEvaluator.h"
#include "frontend/onnx/OnnxImporter.h"
#include "fuzz/FuzzFile.h"
#include "ir/ModelLimits.h"
#include "ir/Verifier.h"
#include "passes/InferShapes.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = kiln::fuzz::write_scratch_file("model.onnx", data, size);
  kiln::Result<kiln::Graph> graph = kiln::import_onnx_file(path);
  if (!graph) return 0;
  kiln::Status status = kiln::verify_graph(*graph);
  if (status) status = kiln::check_model_limits(*graph);
  if (status) status = kiln::infer_shapes(*graph);
  if (status) status = kiln::check_model_limits(*graph);
  if (!status) return 0;
  kiln::ReferenceEvaluator evaluator;
  kiln::PassContext context;
  context.evaluator = &evaluator;
  kiln::PassRunOptions options;
  options.verify_each = true;
  (void)kiln::run_passes(*graph, kiln::default_pipeline(), context, options);
  return 0;
}
