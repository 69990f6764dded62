// PipelineEquivalencePassTest.cpp: every exported test model gives the same outputs (1e-5
// relative) on the reference backend with only shape inference and with the default pipeline.
// Built with AddressSanitizer (the sanitized tiers) it runs the pipeline, verified after each
// pass, on the models of at most kSanitizedMaxBytes (MNIST CNN, SqueezeNet, ShuffleNetV2,
// MobileNetV2, MnasNet, EfficientNet-B0) and compares outputs for those of at most
// kSanitizedMaxMacs (MNIST CNN, ShuffleNetV2): instrumented, importing VGG-11's 530 MB and the
// reference backend's naive loops run 10-15x slower (the whole set would take over 15 minutes),
// and the reference kernels have their own sanitized unit tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "backends/reference/ReferenceEvaluator.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "passes/CostAnalysis.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"
#include "tests/sanitizers/Sanitized.h"

namespace kiln {
namespace {

using test::kSanitized;
/// Under ASan, the largest model file tested (EfficientNet-B0: 21 MB) and the most
/// multiply-accumulates whose outputs are compared (ShuffleNetV2: 0.15 G).
constexpr uintmax_t kSanitizedMaxBytes = 25'000'000;
constexpr int64_t kSanitizedMaxMacs = int64_t{1} << 28;

/// The exported models: this build's, else the main build's (tests may run from a side build).
std::vector<std::filesystem::path> test_models() {
  std::vector<std::filesystem::path> models;
  for (const std::string& dir :
       {std::string(KILN_TEST_MODELS_DIR), std::string(KILN_SOURCE_DIR) + "/build/test-models"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".onnx" &&
          (!kSanitized || entry.file_size(ec) <= kSanitizedMaxBytes))
        models.push_back(entry.path());
    if (!models.empty()) break;
  }
  std::sort(models.begin(), models.end());
  return models;
}

/// Random f32 inputs; symbolic dimensions (batch) become 1.
std::vector<Tensor> random_inputs(const Graph& graph) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<Tensor> inputs;
  for (const Value* input : graph.inputs) {
    std::vector<int64_t> dims;
    for (const Dim& dim : input->type.shape.value_or(Shape{}))
      dims.push_back(dim.is_static() ? dim.value : 1);
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    std::vector<float> values(static_cast<size_t>(count));
    for (float& v : values) v = dist(rng);
    inputs.push_back(make_float_tensor(dims, values));
  }
  return inputs;
}

TEST(PipelineEquivalencePassTest, DefaultPipelineKeepsEveryModelsOutputs) {
  std::vector<std::filesystem::path> models = test_models();
  if (models.empty()) GTEST_SKIP() << "no exported test models (run the export step first)";
  ReferenceEvaluator evaluator;
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    Result<Graph> baseline = import_onnx_file(path.string());
    Result<Graph> optimised = import_onnx_file(path.string());
    ASSERT_TRUE(baseline.is_ok() && optimised.is_ok());
    ASSERT_TRUE(run_passes(*baseline, {"infer-shapes"}).is_ok());
    Status status = run_passes(*optimised, default_pipeline(), PassContext{&evaluator},
                               PassRunOptions{.verify_each = true});
    ASSERT_TRUE(status.is_ok()) << status.error().to_string();
    EXPECT_LE(optimised->nodes().size(), baseline->nodes().size());
    if (kSanitized && analyze_costs(*baseline).total_macs > kSanitizedMaxMacs) continue;

    std::vector<Tensor> inputs = random_inputs(*baseline);
    auto expected = run_reference(*baseline, inputs);
    auto actual = run_reference(*optimised, inputs);
    ASSERT_TRUE(expected.is_ok()) << expected.error().to_string();
    ASSERT_TRUE(actual.is_ok()) << actual.error().to_string();
    ASSERT_EQ(expected->size(), actual->size());
    for (size_t o = 0; o < expected->size(); ++o) {
      const Tensor& e = (*expected)[o];
      const Tensor& a = (*actual)[o];
      ASSERT_EQ(e.dims, a.dims);
      double worst = 0;
      for (int64_t i = 0; i < e.element_count(); ++i) {
        double want = e.element_as_double(i), got = a.element_as_double(i);
        worst = std::max(worst, std::fabs(got - want) / std::max(1.0, std::fabs(want)));
      }
      EXPECT_LE(worst, 1e-5) << "output " << o;
    }
  }
}

}  // namespace
}  // namespace kiln
