// ReferenceIndexQuantTest.cpp: known values of the reference kernels of the indexing, loss and
// quantized ops where the ONNX node tests do not reach (opset 18 scatter reductions, TopK ties
// and NaN, rounding ties, saturation, empty ranges) and the errors bad indices give.
#include <gmock/gmock.h>

#include <cmath>
#include <limits>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Runs a one-node graph of `op` with `outputs` outputs on runtime inputs; returns them all.
Result<std::vector<Tensor>> run_index_op(const std::string& op, const std::vector<Tensor>& inputs,
                                         size_t outputs, Attributes attrs) {
  Graph graph;
  graph.name = "test";
  std::vector<Value*> node_inputs, node_outputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Value* v = graph.add_value("in" + std::to_string(i),
                               TensorType{inputs[i].dtype, static_shape(inputs[i].dims)});
    graph.inputs.push_back(v);
    node_inputs.push_back(v);
  }
  for (size_t i = 0; i < outputs; ++i)
    node_outputs.push_back(graph.add_value("out" + std::to_string(i)));
  graph.add_node(op + "_node", op, node_inputs, node_outputs, std::move(attrs));
  graph.outputs = node_outputs;
  return run_reference(graph, inputs);
}

TEST(ReferenceIndexing, ScatterReductionsCombineDuplicatesInIndexOrder) {
  Tensor data = make_float_tensor({1, 4}, {1, 2, 3, 4});
  Tensor indices = make_int64_tensor({1, 4}, {1, 1, -1, 1});
  Tensor updates = make_float_tensor({1, 4}, {5, -7, 9, 0.5});
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"none", {1, 0.5, 3, 9}},
      {"add", {1, 0.5, 3, 13}},
      {"mul", {1, -35, 3, 36}},
      {"max", {1, 5, 3, 9}},
      {"min", {1, -7, 3, 4}}};
  for (const auto& [reduction, values] : expected) {
    ASSERT_OK_AND_ASSIGN(out, run_op("ScatterElements", {data, indices, updates},
                                     attrs_of({{"axis", int64_t{1}}, {"reduction", reduction}})));
    EXPECT_EQ(values_of(out), values) << reduction;
  }
  Result<Tensor> bad =
      run_op("ScatterND", {data, make_int64_tensor({1, 2}, {0, 4}), make_float_tensor({1}, {1})});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.error().node, "ScatterND_node");
  EXPECT_THAT(bad.error().message, HasSubstr("index 4 is out of range"));
}

TEST(ReferenceIndexing, GatherIndexOutOfRangeIsAnErrorNamingTheNode) {
  Result<Tensor> bad =
      run_op("GatherElements", {make_float_tensor({2}, {1, 2}), make_int64_tensor({2}, {0, -3})});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.error().node, "GatherElements_node");
  EXPECT_THAT(bad.error().message, HasSubstr("index -3 is out of range"));
}

TEST(ReferenceIndexing, TopKKeepsIndexOrderForTiesAndPutsNaNFirst) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = make_float_tensor({6}, {2, nan, 5, 2, 5, -1});
  Result<std::vector<Tensor>> largest = run_index_op("TopK", {x}, 2, attrs_of({{"k", int64_t{4}}}));
  ASSERT_TRUE(largest.is_ok()) << largest.error().to_string();
  EXPECT_THAT(ints_of((*largest)[1]), ElementsAre(1, 2, 4, 0));
  EXPECT_TRUE(std::isnan((*largest)[0].element_as_double(0)));
  Result<std::vector<Tensor>> smallest =
      run_index_op("TopK", {x}, 2, attrs_of({{"k", int64_t{6}}, {"largest", int64_t{0}}}));
  ASSERT_TRUE(smallest.is_ok()) << smallest.error().to_string();
  EXPECT_THAT(ints_of((*smallest)[1]), ElementsAre(5, 0, 3, 2, 4, 1));
}

TEST(ReferenceIndexing, CumSumEinsumAndBitShift) {
  ASSERT_OK_AND_ASSIGN(sums,
                       run_op("CumSum", {make_int64_tensor({4}, {1, 2, 3, 4})},
                              attrs_of({{"exclusive", int64_t{1}}, {"reverse", int64_t{1}}})));
  EXPECT_THAT(ints_of(sums), ElementsAre(9, 7, 4, 0));
  // Implicit output: the labels seen once, alphabetically ("ij,jk" -> "ik").
  ASSERT_OK_AND_ASSIGN(
      product,
      run_op("Einsum", {make_float_tensor({1, 2}, {1, 2}), make_float_tensor({2, 2}, {3, 4, 5, 6})},
             attrs_of({{"equation", std::string("ij,jk")}})));
  EXPECT_EQ(product.dims, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(values_of(product), (std::vector<double>{13, 16}));
  ASSERT_OK_AND_ASSIGN(shifted, run_op("BitShift",
                                       {typed_tensor(DType::UInt16, {3}, {0x8001, 1, 3}),
                                        typed_tensor(DType::UInt16, {3}, {1, 16, 0})},
                                       attrs_of({{"direction", std::string("LEFT")}})));
  EXPECT_THAT(ints_of(shifted), ElementsAre(2, 0, 3));
}

TEST(ReferenceQuantized, RoundsHalfToEvenAndSaturates) {
  Tensor x = make_float_tensor({7}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300.0f, -300.0f});
  Tensor scale = make_float_tensor({}, {1.0f});
  ASSERT_OK_AND_ASSIGN(unsigned_q,
                       run_op("QuantizeLinear", {x, scale}, attrs_of({{"to", std::string("u8")}})));
  EXPECT_THAT(ints_of(unsigned_q), ElementsAre(0, 2, 2, 0, 0, 255, 0));
  ASSERT_OK_AND_ASSIGN(signed_q,
                       run_op("QuantizeLinear", {x, scale, typed_tensor(DType::Int8, {}, {1})},
                              attrs_of({{"to", std::string("i8")}})));
  EXPECT_THAT(ints_of(signed_q), ElementsAre(1, 3, 3, 1, -1, 127, -128));
  ASSERT_OK_AND_ASSIGN(
      back, run_op("DequantizeLinear",
                   {signed_q, make_float_tensor({}, {0.5f}), typed_tensor(DType::Int8, {}, {1})},
                   attrs_of({{"to", std::string("f32")}})));
  EXPECT_EQ(values_of(back), (std::vector<double>{0, 1, 1, 0, -1, 63, -64.5}));
}

TEST(ReferenceQuantized, DynamicQuantizationOfAllZerosUsesScaleOne) {
  Result<std::vector<Tensor>> q =
      run_index_op("DynamicQuantizeLinear", {make_float_tensor({3}, {0, 0, 0})}, 3,
                   attrs_of({{"to", std::string("u8")}}));
  ASSERT_TRUE(q.is_ok()) << q.error().to_string();
  EXPECT_THAT(ints_of((*q)[0]), ElementsAre(0, 0, 0));
  EXPECT_EQ((*q)[1].element_as_double(0), 1.0);
  EXPECT_EQ((*q)[2].element_as_int(0), 0);
}

TEST(ReferenceLosses, MeanOverOnlyIgnoredTargetsIsNaN) {
  Tensor scores = make_float_tensor({2, 3}, {-1, -2, -3, -4, -5, -6});
  Tensor target = make_int64_tensor({2}, {1, 1});
  ASSERT_OK_AND_ASSIGN(loss, run_op("NegativeLogLikelihoodLoss", {scores, target},
                                    attrs_of({{"ignore_index", int64_t{1}}})));
  EXPECT_TRUE(std::isnan(loss.element_as_double(0)));
  ASSERT_OK_AND_ASSIGN(summed, run_op("NegativeLogLikelihoodLoss", {scores, target},
                                      attrs_of({{"reduction", std::string("sum")}})));
  EXPECT_EQ(summed.element_as_double(0), 7.0);
  Result<Tensor> bad =
      run_op("NegativeLogLikelihoodLoss", {scores, make_int64_tensor({2}, {0, 3})});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_THAT(bad.error().message, HasSubstr("target 3 is not a class index"));
}

}  // namespace
}  // namespace kiln::testing
