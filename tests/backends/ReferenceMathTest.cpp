// ReferenceMathTest.cpp: hand-computed Softmax, BatchNormalization, ReduceMean, Gemm and MatMul
// cases for the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
