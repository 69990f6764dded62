// ReferenceNormalizationTest.cpp: hand-computed InstanceNormalization, LayerNormalization (with
// its Mean and InvStdDev outputs), MeanVarianceNormalization, LpNormalization and LRN cases for
// the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::Pointwise;

TEST(ReferenceInstanceNormalization, NormalizesEachChannelOverItsSpatialDims) {
  // Channel 0: mean 2, variance 1; channel 1: mean 4, variance 4 (scale 2, bias 1).
  Tensor x = make_float_tensor({1, 2, 2}, {1, 3, 2, 6});
  Tensor scale = make_float_tensor({2}, {1, 2});
  Tensor bias = make_float_tensor({2}, {0, 1});
  ASSERT_OK_AND_ASSIGN(
      y, run_op("InstanceNormalization", {x, scale, bias}, attrs_of({{"epsilon", 0.0}}), {1, 2}));
  EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-6), std::vector<double>{-1, 1, -1, 3}));
}

TEST(ReferenceLayerNormalization, StatisticsOutputsKeepTheNormalizedDimsAsOnes) {
  Graph graph;
  Value* x = graph.add_value("x", TensorType{DType::Float32, static_shape({2, 2})});
  graph.inputs.push_back(x);
  Value* scale = graph.add_constant("scale", make_float_tensor({2}, {1, 10}));
  Value* bias = graph.add_constant("bias", make_float_tensor({2}, {0, 1}));
  std::vector<Value*> outputs = {graph.add_value("y"), graph.add_value("mean"),
                                 graph.add_value("inv_std")};
  graph.add_node("ln", "LayerNormalization", {x, scale, bias}, outputs,
                 attrs_of({{"epsilon", 0.0}}));
  graph.outputs = outputs;
  // Rows [1, 3] (mean 2, deviation 1) and [0, 4] (mean 2, deviation 2).
  ASSERT_OK_AND_ASSIGN(results, run_reference(graph, {make_float_tensor({2, 2}, {1, 3, 0, 4})}));
  EXPECT_THAT(values_of(results[0]),
              Pointwise(DoubleNear(1e-6), std::vector<double>{-1, 11, -1, 11}));
  EXPECT_EQ(results[1].dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(values_of(results[1]), Pointwise(DoubleNear(1e-6), std::vector<double>{2, 2}));
  EXPECT_THAT(values_of(results[2]), Pointwise(DoubleNear(1e-6), std::vector<double>{1, 0.5}));
}

TEST(ReferenceLayerNormalization, AxisZeroNormalizesTheWholeTensor) {
  ASSERT_OK_AND_ASSIGN(y,
                       run_op("LayerNormalization",
                              {make_float_tensor({2, 2}, {1, 2, 3, 4}), make_float_tensor({}, {1})},
                              attrs_of({{"axis", int64_t{0}}, {"epsilon", 0.0}}), {1}));
  const double s = std::sqrt(1.25);
  EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-6),
                                      std::vector<double>{-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s}));
}

TEST(ReferenceMeanVarianceNormalization, AddsTheEpsilonToTheDeviation) {
  // Default axes [0, 2, 3]: each channel over the batch and spatial dims.
  Tensor x = make_float_tensor({1, 2, 1, 2}, {1, 3, 5, 5});
  ASSERT_OK_AND_ASSIGN(y, run_op("MeanVarianceNormalization", {x}));
  EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-6), std::vector<double>{-1, 1, 0, 0}));
}

TEST(ReferenceLpNormalization, DividesByTheNormAndKeepsZeroVectorsZero) {
  Tensor x = make_float_tensor({2, 2}, {3, -4, 0, 0});
  ASSERT_OK_AND_ASSIGN(l2, run_op("LpNormalization", {x}));
  EXPECT_THAT(values_of(l2), Pointwise(DoubleNear(1e-6), std::vector<double>{0.6, -0.8, 0, 0}));
  ASSERT_OK_AND_ASSIGN(l1, run_op("LpNormalization", {x}, attrs_of({{"p", int64_t{1}}})));
  EXPECT_THAT(values_of(l1),
              Pointwise(DoubleNear(1e-6), std::vector<double>{3.0 / 7, -4.0 / 7, 0, 0}));
  ASSERT_OK_AND_ASSIGN(columns, run_op("LpNormalization", {make_float_tensor({2, 1}, {3, 4})},
                                       attrs_of({{"axis", int64_t{0}}})));
  EXPECT_THAT(values_of(columns), Pointwise(DoubleNear(1e-6), std::vector<double>{0.6, 0.8}));
}

TEST(ReferenceLRN, SumsSquaresOverAWindowOfChannels) {
  // size 3: one channel before and one after; alpha / size = 1, beta = 1, bias = 1.
  Tensor x = make_float_tensor({1, 3, 1}, {1, 2, 3});
  ASSERT_OK_AND_ASSIGN(
      y, run_op("LRN", {x}, attrs_of({{"size", int64_t{3}}, {"alpha", 3.0}, {"beta", 1.0}})));
  EXPECT_THAT(values_of(y),
              Pointwise(DoubleNear(1e-6), std::vector<double>{1.0 / 6, 2.0 / 15, 3.0 / 14}));
  // An even size reaches one channel further after than before: channel 0 sees 0..1.
  ASSERT_OK_AND_ASSIGN(
      even, run_op("LRN", {x}, attrs_of({{"size", int64_t{2}}, {"alpha", 2.0}, {"beta", 1.0}})));
  EXPECT_THAT(values_of(even),
              Pointwise(DoubleNear(1e-6), std::vector<double>{1.0 / 6, 2.0 / 14, 3.0 / 10}));
}

}  // namespace
}  // namespace kiln::testing
