// KerasNumericTest.cpp: Keras-layout fixtures (legacy .h5, .keras zips, Keras 1/2 JSON + weights,
// channels_first) imported and run on the reference backend, compared with a PyTorch twin.
#include <gtest/gtest.h>

#include <cmath>

#include "KerasFixtures.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "frontend/keras/KerasImporter.h"
#include "passes/InferShapes.h"

namespace kiln {
namespace {

using keras_test::fixture_dir;

class KerasNumericTest : public testing::Test {
 protected:
  void SetUp() override {
    if (fixture_dir().empty()) GTEST_FAIL() << "writing the Keras fixtures failed";
  }

  void check_case(const std::string& name) {
    nlohmann::json manifest = keras_test::fixture_manifest();
    ASSERT_TRUE(manifest.is_object());
    for (const nlohmann::json& test : manifest["cases"]) {
      if (test["name"] != name) continue;
      std::string dir = fixture_dir() + "/";
      std::string weights = test["weights"].get<std::string>();
      Result<Graph> graph = import_keras_file(dir + test["model"].get<std::string>(),
                                              weights.empty() ? "" : dir + weights);
      ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
      Status inferred = infer_shapes(*graph);
      ASSERT_TRUE(inferred.is_ok()) << inferred.error().to_string();
      Tensor input = keras_test::read_f32_tensor(dir + test["input"]["file"].get<std::string>(),
                                                 test["input"]["shape"]);
      Result<std::vector<Tensor>> outputs = run_reference(*graph, {input});
      ASSERT_TRUE(outputs.is_ok()) << outputs.error().to_string();
      ASSERT_EQ(outputs->size(), test["outputs"].size());
      for (size_t i = 0; i < outputs->size(); ++i) {
        const nlohmann::json& expected_info = test["outputs"][i];
        std::vector<int64_t> dims = expected_info["shape"];
        Tensor expected =
            keras_test::read_f32_tensor(dir + expected_info["file"].get<std::string>(), dims);
        const Tensor& actual = (*outputs)[i];
        EXPECT_EQ(actual.dims, dims) << name << " output " << i;
        ASSERT_EQ(actual.element_count(), expected.element_count());
        for (int64_t k = 0; k < actual.element_count(); ++k) {
          double want = expected.element_as_double(k);
          double got = actual.element_as_double(k);
          ASSERT_NEAR(got, want, 1e-4 * std::max(1.0, std::abs(want)))
              << name << " output " << i << " element " << k;
        }
      }
      return;
    }
    FAIL() << "no fixture case " << name;
  }
};

TEST_F(KerasNumericTest, MnistCnnTfKeras2FullModelH5) {
  check_case("mnist_h5");
}
TEST_F(KerasNumericTest, MnistCnnKeras3Archive) {
  check_case("mnist_keras3");
}
TEST_F(KerasNumericTest, FunctionalMixKeras2JsonWithWeights) {
  check_case("mixed_k2");
}
TEST_F(KerasNumericTest, FunctionalMixKeras3Archive) {
  check_case("mixed_keras3");
}
TEST_F(KerasNumericTest, Keras1SequentialJsonWithWeights) {
  check_case("keras1");
}
TEST_F(KerasNumericTest, ChannelsFirstModel) {
  check_case("channels_first");
}
// Conv2DTranspose (same, valid with kernel < stride, output_padding) and UpSampling2D
// (bilinear and nearest) against TensorFlow's semantics written in PyTorch.
TEST_F(KerasNumericTest, TransposeAndUpsamplingKeras2JsonWithWeights) {
  check_case("transpose_k2");
}
TEST_F(KerasNumericTest, TransposeAndUpsamplingKeras3Archive) {
  check_case("transpose_keras3");
}

// PReLU (shared and per-element alpha), the selu activation, LayerNormalization, Permute,
// Maximum and Minimum.
TEST_F(KerasNumericTest, ActivationAndNormalizationLayersKeras2JsonWithWeights) {
  check_case("activations_k2");
}
TEST_F(KerasNumericTest, ActivationAndNormalizationLayersKeras3Archive) {
  check_case("activations_keras3");
}

TEST_F(KerasNumericTest, MnistKeepsKerasNamesAndNhwcBoundary) {
  Result<Graph> graph = import_keras_file(fixture_dir() + "/mnist_cnn_tfkeras2.h5");
  ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
  ASSERT_TRUE(infer_shapes(*graph).is_ok());
  ASSERT_EQ(graph->inputs.size(), 1u);
  EXPECT_EQ(graph->inputs[0]->name, "input_1");
  EXPECT_EQ(graph->inputs[0]->type.to_string(), "f32[batch,28,28,1]");
  ASSERT_EQ(graph->outputs.size(), 1u);
  EXPECT_EQ(graph->outputs[0]->name, "dense_1");
  EXPECT_EQ(graph->outputs[0]->type.to_string(), "f32[batch,10]");
}

}  // namespace
}  // namespace kiln
