// KerasParamCountTest.cpp: the seed MNIST CNN reports the parameters Keras's summary() does.
#include <gtest/gtest.h>

#include "KerasFixtures.h"
#include "frontend/keras/KerasImporter.h"
#include "passes/CostAnalysis.h"
#include "passes/InferShapes.h"

namespace kiln {
namespace {

TEST(KerasParamCount, MnistCnnMatchesKerasSummary) {
  ASSERT_FALSE(keras_test::fixture_dir().empty());
  for (const char* file : {"/mnist_cnn_tfkeras2.h5", "/mnist_cnn.keras"}) {
    Result<Graph> graph = import_keras_file(keras_test::fixture_dir() + file);
    ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
    ASSERT_TRUE(infer_shapes(*graph).is_ok());
    CostReport costs = analyze_costs(*graph);
    std::map<std::string, int64_t> params;
    for (size_t i = 0; i < graph->nodes().size(); ++i)
      if (costs.nodes[i].params) params[graph->nodes()[i]->name] = costs.nodes[i].params;
    std::map<std::string, int64_t> expected = {
        {"conv2d", 320}, {"conv2d_1", 18496}, {"dense", 401536}, {"dense_1", 1290}};
    EXPECT_EQ(params, expected) << file;
    EXPECT_EQ(costs.total_params, 421642) << file;
  }
}

TEST(KerasParamCount, JsonWithoutWeightsImportsTheStructure) {
  std::string example = std::string(KILN_SOURCE_DIR) + "/examples/keras/mnist_cnn.json";
  Result<Graph> graph = import_keras_file(example);
  ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
  ASSERT_TRUE(infer_shapes(*graph).is_ok());
  EXPECT_EQ(analyze_costs(*graph).total_params, 421642);
}

TEST(KerasParamCount, SeedAlexNetExample) {
  std::string example = std::string(KILN_SOURCE_DIR) + "/examples/keras/alexnet.json";
  Result<Graph> graph = import_keras_file(example);
  ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
  ASSERT_TRUE(infer_shapes(*graph).is_ok());
  EXPECT_EQ(analyze_costs(*graph).total_params, 62378344);
  EXPECT_EQ(graph->outputs[0]->type.to_string(), "f32[batch,1000]");
}

}  // namespace
}  // namespace kiln
