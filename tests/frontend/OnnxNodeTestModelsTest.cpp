// OnnxNodeTestModelsTest.cpp: real models from the ONNX backend node tests (written by ONNX's own
// exporters) import; every node test whose ops Kiln supports imports, except the listed ones
// whose features Kiln rejects on purpose.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "frontend/onnx/OnnxImporter.h"

namespace kiln::testing {
namespace {

namespace fs = std::filesystem;

std::string node_test_model(const std::string& test) {
  return std::string(KILN_ONNX_NODE_TESTS) + "/" + test + "/model.onnx";
}

TEST(OnnxNodeTestModels, ImportRepresentativeModels) {
  if (!fs::exists(KILN_ONNX_NODE_TESTS)) GTEST_SKIP() << "no ONNX test data installed";
  for (const char* test : {"test_conv_with_strides_padding",
                           "test_maxpool_2d_pads",
                           "test_averagepool_2d_pads",
                           "test_batchnorm_example",
                           "test_gemm_default_single_elem_vector_bias",
                           "test_softmax_axis_0",
                           "test_clip_default_inbounds",
                           "test_constant",
                           "test_slice_neg_steps",
                           "test_shape_start_1",
                           "test_dropout_default",
                           "test_flatten_axis0",
                           "test_transpose_default",
                           "test_gather_0",
                           "test_reshape_reordered_all_dims",
                           "test_concat_1d_axis_0",
                           "test_leakyrelu",
                           "test_matmul_2d",
                           "test_mul_bcast",
                           "test_reduce_mean_keepdims_example",
                           "test_cast_FLOAT_to_FLOAT16"}) {
    if (!fs::exists(node_test_model(test))) continue;
    Result<Graph> graph = import_onnx_file(node_test_model(test));
    EXPECT_TRUE(graph) << test << ": " << graph.error().to_string();
    if (graph) {
      EXPECT_FALSE(graph->nodes().empty() && graph->constants().empty()) << test;
    }
  }
}

TEST(OnnxNodeTestModels, InputsBoundToConstants) {
  std::string model = node_test_model("test_unsqueeze_axis_0");
  if (!fs::exists(model)) GTEST_SKIP() << "no ONNX test data installed";
  EXPECT_FALSE(import_onnx_file(model));  // axes is a graph input there
  Result<Graph> graph = import_onnx_file(model, {{"axes", make_int64_tensor({1}, {0})}});
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(graph->inputs.size(), 1u);
  EXPECT_EQ(graph->nodes()[0]->attrs.get_ints("axes"), std::vector<int64_t>{0});
  Result<Graph> wrong = import_onnx_file(model, {{"nope", make_int64_tensor({1}, {0})}});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("no graph input is named 'nope'"), std::string::npos);
}

TEST(OnnxNodeTestModels, EveryNodeTestImportsOrFailsWithAReason) {
  if (!fs::exists(KILN_ONNX_NODE_TESTS)) GTEST_SKIP() << "no ONNX test data installed";
  std::map<std::string, std::string> failures;
  int imported = 0;
  for (const auto& entry : fs::directory_iterator(KILN_ONNX_NODE_TESTS)) {
    std::string model = (entry.path() / "model.onnx").string();
    if (!fs::exists(model)) continue;
    Result<Graph> graph = import_onnx_file(model);
    if (graph) {
      ++imported;
    } else {
      EXPECT_FALSE(graph.error().message.empty());
      EXPECT_EQ(graph.error().file, model);
      failures[entry.path().filename().string()] = graph.error().message;
    }
  }
  // Every rejection must be one of the deliberate ones, never a parse failure or a crash.
  const char* kDeliberate[] = {"unsupported ops",          "must be a constant", "is not supported",
                               "unsupported element type", "is not a tensor",    "is used, but"};
  for (const auto& [test, message] : failures) {
    bool known = false;
    for (const char* reason : kDeliberate) known |= message.find(reason) != std::string::npos;
    EXPECT_TRUE(known) << test << ": " << message;
  }
  EXPECT_GT(imported, 100) << failures.size() << " rejected";
}

}  // namespace
}  // namespace kiln::testing
