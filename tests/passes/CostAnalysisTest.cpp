// CostAnalysisTest.cpp: parameter, MAC and receptive-field counting of passes/CostAnalysis on
// small graphs built by hand with their types filled in (no shape inference needed).
#include <gtest/gtest.h>

#include <cstdint>

#include "passes/CostAnalysis.h"

namespace kiln {
namespace {

Shape batch_shape(std::vector<int64_t> dims) {
  Shape shape{Dim::symbolic("batch")};
  for (int64_t dim : dims) shape.push_back(Dim::known(dim));
  return shape;
}

Value* activation(Graph& graph, const std::string& name, Shape shape) {
  return graph.add_value(name, TensorType{DType::Float32, std::move(shape)});
}

Value* weight(Graph& graph, const std::string& name, const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t dim : dims) count *= dim;
  return graph.add_constant(name, make_float_tensor(dims, std::vector<float>(count, 0.0f)));
}

Attributes ints(std::initializer_list<std::pair<const char*, std::vector<int64_t>>> entries) {
  Attributes attrs;
  for (const auto& [name, values] : entries) attrs.set(name, values);
  return attrs;
}

TEST(CostAnalysis, GroupedConvCountsOneSampleAndDilatedWindow) {
  Graph graph;
  Value* x = activation(graph, "x", batch_shape({4, 9, 9}));
  graph.inputs.push_back(x);
  Value* w = weight(graph, "w", {6, 2, 3, 3});
  Value* b = weight(graph, "b", {6});
  Value* y = activation(graph, "y", batch_shape({6, 5, 5}));
  graph.add_node("conv", "Conv", {x, w, b}, {y},
                 ints({{"kernel_shape", {3, 3}}, {"dilations", {2, 2}}, {"strides", {1, 1}}}));
  graph.outputs.push_back(y);

  CostReport report = analyze_costs(graph);
  ASSERT_EQ(report.nodes.size(), 1u);
  EXPECT_EQ(report.nodes[0].params, 6 * 2 * 9 + 6);
  // batch counts as 1: 6x5x5 outputs, each (4/2 groups) x 3x3 products.
  EXPECT_EQ(report.nodes[0].macs, 6 * 5 * 5 * 2 * 9);
  ASSERT_TRUE(report.nodes[0].receptive_field.has_value());
  // Dilation 2 makes a 3-tap kernel span 5 pixels.
  EXPECT_EQ(report.nodes[0].receptive_field->size, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(report.nodes[0].receptive_field->jump, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(report.total_macs, report.nodes[0].macs);
}

TEST(CostAnalysis, SharedConstantCountsOnceInTotals) {
  Graph graph;
  Value* x = activation(graph, "x", batch_shape({8}));
  graph.inputs.push_back(x);
  Value* w = weight(graph, "w", {8, 8});
  Value* h = activation(graph, "h", batch_shape({8}));
  Value* y = activation(graph, "y", batch_shape({8}));
  graph.add_node("first", "MatMul", {x, w}, {h});
  graph.add_node("second", "MatMul", {h, w}, {y});
  graph.outputs.push_back(y);

  CostReport report = analyze_costs(graph);
  EXPECT_EQ(report.nodes[0].params, 64);
  EXPECT_EQ(report.nodes[1].params, 64);
  EXPECT_EQ(report.total_params, 64);
  EXPECT_EQ(report.total_macs, 2 * 8 * 8);
}

TEST(CostAnalysis, GemmHonoursTransposedAAndIgnoresIntegerConstants) {
  Graph graph;
  Value* a = activation(graph, "a", static_shape({5, 2}));  // K=5 rows, M=2 after transA
  graph.inputs.push_back(a);
  Value* b = weight(graph, "b", {5, 3});
  Value* c = activation(graph, "c", static_shape({2, 3}));
  graph.add_node("gemm", "Gemm", {a, b}, {c}, [] {
    Attributes attrs;
    attrs.set("transA", int64_t{1});
    return attrs;
  }());
  Value* shape = graph.add_constant("shape", make_int64_tensor({2}, {3, 2}));
  Value* reshaped = activation(graph, "r", static_shape({3, 2}));
  graph.add_node("reshape", "Reshape", {c, shape}, {reshaped});
  graph.outputs.push_back(reshaped);

  CostReport report = analyze_costs(graph);
  EXPECT_EQ(report.nodes[0].macs, 2 * 3 * 5);
  EXPECT_EQ(report.nodes[1].params, 0);
  EXPECT_EQ(report.nodes[1].macs, 0);
  EXPECT_EQ(report.total_params, 15);
}

TEST(CostAnalysis, MatMulBroadcastsBatchDims) {
  Graph graph;
  Value* a = activation(graph, "a", static_shape({4, 1, 2, 7}));
  Value* b = activation(graph, "b", static_shape({3, 7, 5}));
  graph.inputs = {a, b};
  Value* y = activation(graph, "y", static_shape({4, 3, 2, 5}));
  graph.add_node("mm", "MatMul", {a, b}, {y});
  graph.outputs.push_back(y);
  EXPECT_EQ(analyze_costs(graph).total_macs, 4 * 3 * 2 * 5 * 7);
}

TEST(CostAnalysis, ReceptiveFieldGrowsThroughPoolsAndGlobalPool) {
  Graph graph;
  Value* x = activation(graph, "x", batch_shape({1, 16, 16}));
  graph.inputs.push_back(x);
  Value* w = weight(graph, "w", {2, 1, 3, 3});
  Value* conv = activation(graph, "conv", batch_shape({2, 8, 8}));
  graph.add_node("conv", "Conv", {x, w}, {conv},
                 ints({{"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}));  // kernel from weight
  Value* relu = activation(graph, "relu", batch_shape({2, 8, 8}));
  graph.add_node("relu", "Relu", {conv}, {relu});
  Value* pool = activation(graph, "pool", batch_shape({2, 4, 4}));
  graph.add_node("pool", "MaxPool", {relu}, {pool},
                 ints({{"kernel_shape", {2, 2}}, {"strides", {2, 2}}}));
  Value* gap = activation(graph, "gap", batch_shape({2, 1, 1}));
  graph.add_node("gap", "GlobalAveragePool", {pool}, {gap});
  graph.outputs.push_back(gap);

  CostReport report = analyze_costs(graph);
  EXPECT_EQ(report.nodes[0].receptive_field->size, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(report.nodes[0].receptive_field->jump, (std::vector<int64_t>{2, 2}));
  EXPECT_FALSE(report.nodes[1].receptive_field.has_value());  // Relu: not a window op
  EXPECT_EQ(report.receptive_fields.at(relu).size, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(report.nodes[2].receptive_field->size, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(report.nodes[2].receptive_field->jump, (std::vector<int64_t>{4, 4}));
  // The global pool sees its whole 4x4 input: 5 + (4 - 1) * 4.
  EXPECT_EQ(report.nodes[3].receptive_field->size, (std::vector<int64_t>{17, 17}));
}

// EfficientNet's squeeze-excite blocks multiply a globally pooled scale back onto the feature
// map: the product sees the whole input but keeps the feature map's jump. (Taking the pooled
// branch's jump made it grow by the map's size per block, past int64 within 16 blocks.)
TEST(CostAnalysis, BroadcastScaleKeepsTheFeatureMapsJump) {
  Graph graph;
  Value* x = activation(graph, "x", batch_shape({2, 8, 8}));
  graph.inputs.push_back(x);
  Value* features = x;
  for (int block = 0; block < 24; ++block) {
    const std::string id = std::to_string(block);
    Value* gap = activation(graph, "gap" + id, batch_shape({2, 1, 1}));
    graph.add_node("gap" + id, "GlobalAveragePool", {features}, {gap});
    Value* scaled = activation(graph, "scaled" + id, batch_shape({2, 8, 8}));
    graph.add_node("mul" + id, "Mul", {features, gap}, {scaled});
    features = scaled;
  }
  graph.outputs.push_back(features);

  CostReport report = analyze_costs(graph);
  EXPECT_EQ(report.receptive_fields.at(features).jump, (std::vector<int64_t>{1, 1}));
  // Each pool adds (8 - 1) steps of one pixel to its input's field.
  EXPECT_EQ(report.receptive_fields.at(features).size, (std::vector<int64_t>{1 + 7 * 24, 1 + 7 * 24}));
}

// A stack of strided windows deeper than int64 can count holds the field at INT64_MAX.
TEST(CostAnalysis, DeepStridedStacksSaturateInsteadOfOverflowing) {
  Graph graph;
  Value* x = activation(graph, "x", batch_shape({1, 4, 4}));
  graph.inputs.push_back(x);
  Value* current = x;
  for (int layer = 0; layer < 70; ++layer) {
    Value* pooled = activation(graph, "p" + std::to_string(layer), batch_shape({1, 4, 4}));
    graph.add_node("pool" + std::to_string(layer), "MaxPool", {current}, {pooled},
                   ints({{"kernel_shape", {3, 3}}, {"strides", {2, 2}}}));
    current = pooled;
  }
  graph.outputs.push_back(current);

  CostReport report = analyze_costs(graph);
  EXPECT_EQ(report.receptive_fields.at(current).jump,
            (std::vector<int64_t>{INT64_MAX, INT64_MAX}));
  EXPECT_EQ(report.receptive_fields.at(current).size,
            (std::vector<int64_t>{INT64_MAX, INT64_MAX}));
}

}  // namespace
}  // namespace kiln
