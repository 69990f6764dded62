// ReferenceElementwiseTest.cpp: hand-computed cases for the activations, unary math, Clip and the
// broadcasting arithmetic ops of the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

TEST(ReferenceElementwise, Activations) {
  Tensor x = make_float_tensor({4}, {-2.0f, -0.5f, 0.0f, 3.0f});
  ASSERT_OK_AND_ASSIGN(relu, run_op("Relu", {x}));
  EXPECT_THAT(values_of(relu), ElementsAre(0.0, 0.0, 0.0, 3.0));
  ASSERT_OK_AND_ASSIGN(leaky, run_op("LeakyRelu", {x}, attrs_of({{"alpha", 0.1}})));
  EXPECT_THAT(values_of(leaky), Pointwise(DoubleNear(1e-6), {-0.2, -0.05, 0.0, 3.0}));
  ASSERT_OK_AND_ASSIGN(sigmoid, run_op("Sigmoid", {x}));
  EXPECT_THAT(values_of(sigmoid),
              Pointwise(DoubleNear(1e-6), {0.1192029, 0.3775407, 0.5, 0.9525741}));
  ASSERT_OK_AND_ASSIGN(tanh, run_op("Tanh", {x}));
  EXPECT_THAT(values_of(tanh),
              Pointwise(DoubleNear(1e-6), {-0.9640276, -0.4621172, 0.0, 0.9950548}));
}

TEST(ReferenceElementwise, RoundHalvesToEven) {
  ASSERT_OK_AND_ASSIGN(y,
                       run_op("Round", {make_float_tensor({5}, {-2.5f, -1.5f, 0.5f, 1.5f, 2.6f})}));
  EXPECT_THAT(values_of(y), ElementsAre(-2.0, -2.0, 0.0, 2.0, 3.0));
}

TEST(ReferenceElementwise, AbsNegSignKeepIntegersExact) {
  Tensor x = make_int64_tensor({3}, {-(int64_t{1} << 60) - 1, 0, 7});
  ASSERT_OK_AND_ASSIGN(abs, run_op("Abs", {x}));
  EXPECT_EQ(abs.element_as_int(0), (int64_t{1} << 60) + 1);
  ASSERT_OK_AND_ASSIGN(neg, run_op("Neg", {x}));
  EXPECT_EQ(neg.element_as_int(2), -7);
  ASSERT_OK_AND_ASSIGN(sign, run_op("Sign", {x}));
  EXPECT_EQ(sign.element_as_int(0), -1);
  EXPECT_EQ(sign.element_as_int(1), 0);
  EXPECT_EQ(sign.element_as_int(2), 1);
}

TEST(ReferenceElementwise, IsNaNAndIsInfGiveBool) {
  Tensor x = make_float_tensor({4}, {NAN, INFINITY, -INFINITY, 1.0f});
  ASSERT_OK_AND_ASSIGN(nan, run_op("IsNaN", {x}));
  EXPECT_EQ(nan.dtype, DType::Bool);
  EXPECT_THAT(values_of(nan), ElementsAre(1.0, 0.0, 0.0, 0.0));
  ASSERT_OK_AND_ASSIGN(inf, run_op("IsInf", {x}));
  EXPECT_THAT(values_of(inf), ElementsAre(0.0, 1.0, 1.0, 0.0));
  ASSERT_OK_AND_ASSIGN(negative, run_op("IsInf", {x}, attrs_of({{"detect_positive", int64_t{0}}})));
  EXPECT_THAT(values_of(negative), ElementsAre(0.0, 0.0, 1.0, 0.0));
}

TEST(ReferenceElementwise, PowModMinMaxBroadcast) {
  Tensor x = make_float_tensor({2, 2}, {2.0f, -3.0f, 0.5f, NAN});
  Tensor row = make_float_tensor({2}, {2.0f, 1.0f});
  ASSERT_OK_AND_ASSIGN(pow, run_op("Pow", {x, row}));
  EXPECT_EQ(pow.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values_of(pow)[0], 4.0);
  EXPECT_EQ(values_of(pow)[1], -3.0);
  EXPECT_EQ(values_of(pow)[2], 0.25);
  EXPECT_TRUE(std::isnan(values_of(pow)[3]));
  ASSERT_OK_AND_ASSIGN(min, run_op("Min", {x, row}));
  EXPECT_EQ(values_of(min)[0], 2.0);
  EXPECT_EQ(values_of(min)[1], -3.0);
  EXPECT_EQ(values_of(min)[2], 0.5);
  EXPECT_TRUE(std::isnan(values_of(min)[3]));  // NaN propagates, as numpy's minimum
  ASSERT_OK_AND_ASSIGN(max, run_op("Max", {x, row}));
  EXPECT_EQ(values_of(max)[0], 2.0);
  EXPECT_EQ(values_of(max)[1], 1.0);
  EXPECT_EQ(values_of(max)[2], 2.0);
  // Integer Mod: the sign of the divisor (Python); fmod=1: the sign of the dividend (C).
  Tensor a = make_int64_tensor({4}, {-7, 7, -7, 7});
  Tensor m = make_int64_tensor({4}, {3, -3, -3, 3});
  ASSERT_OK_AND_ASSIGN(mod, run_op("Mod", {a, m}));
  EXPECT_THAT(values_of(mod), ElementsAre(2.0, -2.0, -1.0, 1.0));
  ASSERT_OK_AND_ASSIGN(fmod, run_op("Mod", {a, m}, attrs_of({{"fmod", int64_t{1}}})));
  EXPECT_THAT(values_of(fmod), ElementsAre(-1.0, 1.0, -1.0, 1.0));
  ASSERT_OK_AND_ASSIGN(
      ffmod, run_op("Mod", {make_float_tensor({2}, {-7.5f, 7.5f}), make_float_tensor({}, {2.0f})},
                    attrs_of({{"fmod", int64_t{1}}})));
  EXPECT_THAT(values_of(ffmod), ElementsAre(-1.5, 1.5));
  EXPECT_FALSE(run_op("Mod", {make_float_tensor({1}, {1.0f}), make_float_tensor({1}, {1.0f})})
                   .is_ok());  // floats need fmod=1
  ASSERT_OK_AND_ASSIGN(
      ipow, run_op("Pow", {make_int64_tensor({3}, {-3, 2, 5}), make_int64_tensor({}, {3})}));
  EXPECT_THAT(values_of(ipow), ElementsAre(-27.0, 8.0, 125.0));
}

TEST(ReferenceElementwise, ComparisonsGiveBoolAndFeedWhere) {
  Tensor x = make_float_tensor({2, 2}, {1.0f, 2.0f, 3.0f, NAN});
  Tensor y = make_float_tensor({2}, {2.0f, 2.0f});
  ASSERT_OK_AND_ASSIGN(eq, run_op("Equal", {x, y}));
  EXPECT_EQ(eq.dtype, DType::Bool);
  EXPECT_THAT(values_of(eq), ElementsAre(0.0, 1.0, 0.0, 0.0));
  ASSERT_OK_AND_ASSIGN(lt, run_op("Less", {x, y}));
  EXPECT_THAT(values_of(lt), ElementsAre(1.0, 0.0, 0.0, 0.0));
  ASSERT_OK_AND_ASSIGN(le, run_op("LessOrEqual", {x, y}));
  EXPECT_THAT(values_of(le), ElementsAre(1.0, 1.0, 0.0, 0.0));
  ASSERT_OK_AND_ASSIGN(gt, run_op("Greater", {x, y}));
  EXPECT_THAT(values_of(gt), ElementsAre(0.0, 0.0, 1.0, 0.0));
  ASSERT_OK_AND_ASSIGN(ge, run_op("GreaterOrEqual", {x, y}));
  EXPECT_THAT(values_of(ge), ElementsAre(0.0, 1.0, 1.0, 0.0));
  // int64 compares exactly where doubles would round: 2^53 + 1 > 2^53.
  ASSERT_OK_AND_ASSIGN(big, run_op("Greater", {make_int64_tensor({1}, {(int64_t{1} << 53) + 1}),
                                               make_int64_tensor({1}, {int64_t{1} << 53})}));
  EXPECT_THAT(values_of(big), ElementsAre(1.0));
  ASSERT_OK_AND_ASSIGN(where, run_op("Where", {lt, x, make_float_tensor({}, {-1.0f})}));
  EXPECT_EQ(where.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(values_of(where), ElementsAre(1.0, -1.0, -1.0, -1.0));
  // Logical ops on bools (broadcast): lt = [1 0 0 0], ge = [0 1 1 0].
  ASSERT_OK_AND_ASSIGN(conj, run_op("And", {lt, ge}));
  EXPECT_EQ(conj.dtype, DType::Bool);
  EXPECT_THAT(values_of(conj), ElementsAre(0.0, 0.0, 0.0, 0.0));
  ASSERT_OK_AND_ASSIGN(disj, run_op("Or", {lt, ge}));
  EXPECT_THAT(values_of(disj), ElementsAre(1.0, 1.0, 1.0, 0.0));
  ASSERT_OK_AND_ASSIGN(exclusive, run_op("Xor", {disj, lt}));
  EXPECT_THAT(values_of(exclusive), ElementsAre(0.0, 1.0, 1.0, 0.0));
  ASSERT_OK_AND_ASSIGN(negation, run_op("Not", {lt}));
  EXPECT_EQ(negation.dtype, DType::Bool);
  EXPECT_THAT(values_of(negation), ElementsAre(0.0, 1.0, 1.0, 1.0));
}

TEST(ReferenceElementwise, ParameterisedActivations) {
  Tensor x = make_float_tensor({4}, {-2.0f, -0.5f, 0.0f, 3.0f});
  ASSERT_OK_AND_ASSIGN(shrink, run_op("Shrink", {x}, attrs_of({{"lambd", 1.0}, {"bias", 0.5}})));
  EXPECT_THAT(values_of(shrink), ElementsAre(-1.5, 0.0, 0.0, 2.5));
  ASSERT_OK_AND_ASSIGN(hard, run_op("HardSigmoid", {x}));
  EXPECT_THAT(values_of(hard), Pointwise(DoubleNear(1e-6), {0.1, 0.4, 0.5, 1.0}));
  ASSERT_OK_AND_ASSIGN(swish, run_op("HardSwish", {x}));
  EXPECT_THAT(values_of(swish), Pointwise(DoubleNear(1e-6), {-1.0 / 3, -5.0 / 24, 0.0, 3.0}));
  ASSERT_OK_AND_ASSIGN(thresholded, run_op("ThresholdedRelu", {x}, attrs_of({{"alpha", 2.0}})));
  EXPECT_THAT(values_of(thresholded), ElementsAre(0.0, 0.0, 0.0, 3.0));
  ASSERT_OK_AND_ASSIGN(gelu, run_op("Gelu", {x}));
  EXPECT_THAT(values_of(gelu),
              Pointwise(DoubleNear(1e-6), {-0.0455003, -0.1542687, 0.0, 2.9959502}));
}

TEST(ReferenceElementwise, SigmoidOfLargeMagnitudesDoesNotOverflow) {
  ASSERT_OK_AND_ASSIGN(y, run_op("Sigmoid", {make_float_tensor({2}, {-1000.0f, 1000.0f})}));
  EXPECT_THAT(values_of(y), ElementsAre(0.0, 1.0));
}

TEST(ReferenceElementwise, ClipWithAndWithoutBounds) {
  Tensor x = make_float_tensor({4}, {-5.0f, -1.0f, 1.0f, 5.0f});
  ASSERT_OK_AND_ASSIGN(both, run_op("Clip", {x}, attrs_of({{"min", -2.0}, {"max", 2.0}})));
  EXPECT_THAT(values_of(both), ElementsAre(-2.0, -1.0, 1.0, 2.0));
  ASSERT_OK_AND_ASSIGN(low_only, run_op("Clip", {x}, attrs_of({{"min", 0.0}})));
  EXPECT_THAT(values_of(low_only), ElementsAre(0.0, 0.0, 1.0, 5.0));
}

TEST(ReferenceElementwise, AddBroadcastsRowAcrossMatrix) {
  Tensor a = make_float_tensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = make_float_tensor({3}, {10, 20, 30});
  ASSERT_OK_AND_ASSIGN(sum, run_op("Add", {a, b}));
  EXPECT_EQ(sum.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(values_of(sum), ElementsAre(11, 22, 33, 14, 25, 36));
}

TEST(ReferenceElementwise, BroadcastsBothOperands) {
  Tensor column = make_float_tensor({2, 1}, {1, 2});
  Tensor row = make_float_tensor({1, 3}, {10, 20, 30});
  ASSERT_OK_AND_ASSIGN(product, run_op("Mul", {column, row}));
  EXPECT_EQ(product.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(values_of(product), ElementsAre(10, 20, 30, 20, 40, 60));
  ASSERT_OK_AND_ASSIGN(difference, run_op("Sub", {row, column}));
  EXPECT_THAT(values_of(difference), ElementsAre(9, 19, 29, 8, 18, 28));
  ASSERT_OK_AND_ASSIGN(quotient, run_op("Div", {row, column}));
  EXPECT_THAT(values_of(quotient), ElementsAre(10, 20, 30, 5, 10, 15));
}

TEST(ReferenceElementwise, IntegerArithmeticIsExactAndWraps) {
  Tensor a = make_int64_tensor({3}, {7, -7, 4000000000000000001});
  Tensor b = make_int64_tensor({1}, {2});
  ASSERT_OK_AND_ASSIGN(quotient, run_op("Div", {a, b}));
  EXPECT_EQ(quotient.dtype, DType::Int64);
  EXPECT_THAT(ints_of(quotient), ElementsAre(3, -3, 2000000000000000000));
  ASSERT_OK_AND_ASSIGN(sum, run_op("Add", {a, b}));
  EXPECT_THAT(ints_of(sum), ElementsAre(9, -5, 4000000000000000003));
  Tensor bytes = typed_tensor(DType::UInt8, {2}, {200, 250});
  ASSERT_OK_AND_ASSIGN(doubled, run_op("Add", {bytes, bytes}));
  EXPECT_EQ(doubled.dtype, DType::UInt8);
  EXPECT_THAT(ints_of(doubled), ElementsAre(144, 244));
}

// u64 values above INT64_MAX read as negative int64s: the ops whose result depends on the order
// or on division compare and divide them as unsigned.
TEST(ReferenceElementwise, UInt64AboveInt64MaxStaysUnsigned) {
  const int64_t big = INT64_MIN + 4;  // the bits of 2^63 + 4
  Tensor a = typed_tensor(DType::UInt64, {2}, {big, 9});
  Tensor b = typed_tensor(DType::UInt64, {2}, {2, 10});
  ASSERT_OK_AND_ASSIGN(quotient, run_op("Div", {a, b}));
  EXPECT_EQ(uint64_t(ints_of(quotient)[0]), (uint64_t(1) << 62) + 2);
  ASSERT_OK_AND_ASSIGN(larger, run_op("Max", {a, b}));
  EXPECT_THAT(ints_of(larger), ElementsAre(big, 10));
  ASSERT_OK_AND_ASSIGN(greater, run_op("Greater", {a, b}));
  EXPECT_THAT(ints_of(greater), ElementsAre(1, 0));
  ASSERT_OK_AND_ASSIGN(remainder, run_op("Mod", {a, b}));
  EXPECT_THAT(ints_of(remainder), ElementsAre(0, 9));
  Tensor halves = typed_tensor(DType::UInt16, {2}, {65535, 3});
  ASSERT_OK_AND_ASSIGN(sum, run_op("Add", {halves, halves}));
  EXPECT_EQ(sum.dtype, DType::UInt16);
  EXPECT_THAT(ints_of(sum), ElementsAre(65534, 6));
}

TEST(ReferenceElementwise, IntegerDivisionByZeroIsAnError) {
  Result<Tensor> result = run_op("Div", {make_int64_tensor({1}, {1}), make_int64_tensor({1}, {0})});
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().node, "Div_node");
  EXPECT_THAT(result.error().message, ::testing::HasSubstr("division by zero"));
}

TEST(ReferenceElementwise, IdentityAndDropoutPassThrough) {
  Tensor x = make_float_tensor({2}, {1.5f, -2.5f});
  ASSERT_OK_AND_ASSIGN(same, run_op("Identity", {x}));
  EXPECT_THAT(values_of(same), ElementsAre(1.5, -2.5));
  ASSERT_OK_AND_ASSIGN(dropped, run_op("Dropout", {x}));
  EXPECT_THAT(values_of(dropped), ElementsAre(1.5, -2.5));
}

}  // namespace
}  // namespace kiln::testing
