// ReferenceMathTest.cpp: hand-computed Softmax, BatchNormalization, the reductions,
// ArgMax/ArgMin, Gemm and MatMul cases for the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

TEST(ReferenceSoftmax, LastAxisAndStableForLargeInputs) {
  ASSERT_OK_AND_ASSIGN(y, run_op("Softmax", {make_float_tensor({1, 3}, {1, 2, 3})}));
  EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-6), {0.0900306, 0.2447285, 0.6652410}));
  ASSERT_OK_AND_ASSIGN(large, run_op("Softmax", {make_float_tensor({2}, {1000, 1001})}));
  EXPECT_THAT(values_of(large), Pointwise(DoubleNear(1e-6), {0.2689414, 0.7310586}));
}

TEST(ReferenceSoftmax, AlongFirstAxis) {
  ASSERT_OK_AND_ASSIGN(y, run_op("Softmax", {make_float_tensor({2, 2}, {1, 2, 3, 4})},
                                 attrs_of({{"axis", int64_t{0}}})));
  EXPECT_THAT(values_of(y),
              Pointwise(DoubleNear(1e-6), {0.1192029, 0.1192029, 0.8807971, 0.8807971}));
}

TEST(ReferenceBatchNormalization, InferenceFormula) {
  Tensor x = make_float_tensor({1, 2, 1, 2}, {1, 2, 3, 4});
  std::vector<Tensor> inputs = {x, make_float_tensor({2}, {1, 2}), make_float_tensor({2}, {0, 1}),
                                make_float_tensor({2}, {1, 3}), make_float_tensor({2}, {4, 1})};
  ASSERT_OK_AND_ASSIGN(
      y, run_op("BatchNormalization", inputs, attrs_of({{"epsilon", 0.0}}), {1, 2, 3, 4}));
  EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-6), {0.0, 0.5, 1.0, 3.0}));
}

TEST(ReferenceReduceMean, AxesAndKeepdims) {
  Tensor x = make_float_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(kept,
                       run_op("ReduceMean", {x}, attrs_of({{"axes", std::vector<int64_t>{1}}})));
  EXPECT_EQ(kept.dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(values_of(kept), ElementsAre(2, 5));
  ASSERT_OK_AND_ASSIGN(
      dropped, run_op("ReduceMean", {x},
                      attrs_of({{"axes", std::vector<int64_t>{-2}}, {"keepdims", int64_t{0}}})));
  EXPECT_EQ(dropped.dims, (std::vector<int64_t>{3}));
  EXPECT_THAT(values_of(dropped), ElementsAre(2.5, 3.5, 4.5));
  ASSERT_OK_AND_ASSIGN(all, run_op("ReduceMean", {x}));
  EXPECT_EQ(all.dims, (std::vector<int64_t>{1, 1}));
  EXPECT_THAT(values_of(all), ElementsAre(3.5));
}

TEST(ReferenceReductions, EveryKindOverOneAxis) {
  Tensor x = make_float_tensor({2, 3}, {1, -2, 3, -4, 5, -6});
  const Attributes rows = attrs_of({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"ReduceSum", {2, -5}},
      {"ReduceMax", {3, 5}},
      {"ReduceMin", {-2, -6}},
      {"ReduceProd", {-6, 120}},
      {"ReduceL1", {6, 15}},
      {"ReduceL2", {std::sqrt(14.0), std::sqrt(77.0)}},
      {"ReduceSumSquare", {14, 77}},
      {"ReduceLogSumExp",
       {std::log(std::exp(1.0) + std::exp(-2.0) + std::exp(3.0)),
        std::log(std::exp(-4.0) + std::exp(5.0) + std::exp(-6.0))}},
  };
  for (const auto& [op, values] : expected) {
    SCOPED_TRACE(op);
    ASSERT_OK_AND_ASSIGN(y, run_op(op, {x}, rows));
    EXPECT_EQ(y.dims, (std::vector<int64_t>{2}));
    EXPECT_THAT(values_of(y), Pointwise(DoubleNear(1e-5), values));
  }
  ASSERT_OK_AND_ASSIGN(log_sum, run_op("ReduceLogSum", {make_float_tensor({2, 2}, {1, 2, 3, 4})}));
  EXPECT_EQ(log_sum.dims, (std::vector<int64_t>{1, 1}));
  EXPECT_THAT(values_of(log_sum), Pointwise(DoubleNear(1e-6), {std::log(10.0)}));
}

TEST(ReferenceArgReductions, FirstOrLastExtremeAlongTheAxis) {
  Tensor x = make_float_tensor({2, 3}, {1, 3, 3, 2, 2, 0});
  const Attributes along_rows = attrs_of({{"axis", int64_t{1}}});
  ASSERT_OK_AND_ASSIGN(first_max, run_op("ArgMax", {x}, along_rows));
  EXPECT_EQ(first_max.dtype, DType::Int64);
  EXPECT_EQ(first_max.dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(values_of(first_max), ElementsAre(1, 0));
  ASSERT_OK_AND_ASSIGN(last_max, run_op("ArgMax", {x},
                                        attrs_of({{"axis", int64_t{1}},
                                                  {"select_last_index", int64_t{1}},
                                                  {"keepdims", int64_t{0}}})));
  EXPECT_EQ(last_max.dims, (std::vector<int64_t>{2}));
  EXPECT_THAT(values_of(last_max), ElementsAre(2, 1));
  ASSERT_OK_AND_ASSIGN(first_min, run_op("ArgMin", {x}));  // axis 0
  EXPECT_EQ(first_min.dims, (std::vector<int64_t>{1, 3}));
  EXPECT_THAT(values_of(first_min), ElementsAre(0, 1, 1));
}

TEST(ReferenceGemm, TransposedWeightAndScaledBias) {
  Tensor a = make_float_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = make_float_tensor({2, 3}, {1, 0, 1, 0, 1, 0});
  Tensor c = make_float_tensor({1}, {1});
  ASSERT_OK_AND_ASSIGN(
      y, run_op("Gemm", {a, b, c}, attrs_of({{"transB", int64_t{1}}, {"beta", 2.0}}), {1, 2}));
  EXPECT_EQ(y.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(values_of(y), ElementsAre(6, 4, 12, 7));
}

TEST(ReferenceGemm, TransposedInputWithoutBias) {
  Tensor a = make_float_tensor({2, 1}, {1, 2});  // A^T = [1 2]
  Tensor b = make_float_tensor({2, 2}, {1, 2, 3, 4});
  ASSERT_OK_AND_ASSIGN(y,
                       run_op("Gemm", {a, b}, attrs_of({{"transA", int64_t{1}}, {"alpha", 0.5}})));
  EXPECT_THAT(values_of(y), ElementsAre(3.5, 5));
}

TEST(ReferenceMatMul, BatchBroadcastAndVectors) {
  Tensor a = make_float_tensor({2, 1, 2}, {1, 2, 3, 4});
  Tensor b = make_float_tensor({2, 1}, {1, 1});
  ASSERT_OK_AND_ASSIGN(batched, run_op("MatMul", {a, b}));
  EXPECT_EQ(batched.dims, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_THAT(values_of(batched), ElementsAre(3, 7));
  ASSERT_OK_AND_ASSIGN(vector_matrix, run_op("MatMul", {make_float_tensor({2}, {1, 2}),
                                                        make_float_tensor({2, 2}, {1, 2, 3, 4})}));
  EXPECT_EQ(vector_matrix.dims, (std::vector<int64_t>{2}));
  EXPECT_THAT(values_of(vector_matrix), ElementsAre(7, 10));
}

}  // namespace
}  // namespace kiln::testing
