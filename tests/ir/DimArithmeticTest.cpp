// DimArithmeticTest.cpp: dim arithmetic never overflows int64 silently or undefinedly: products
// that overflow become unknown, integer dims wrap as ONNX int64 arithmetic does (the Keras
// fuzz target found the signed overflow, tests/keras/KerasFuzzReproducersTest.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "ir/shape_rules/DimArithmetic.h"

namespace kiln {
namespace {

constexpr int64_t kBig = int64_t{1} << 40;

TEST(DimArithmeticTest, ProductThatOverflowsIsUnknown) {
  EXPECT_TRUE(product_of_dims({Dim::known(kBig), Dim::known(kBig)}).is_unknown());
  EXPECT_TRUE(
      product_of_dims({Dim::symbolic("batch"), Dim::known(kBig), Dim::known(kBig)}).is_unknown());
  EXPECT_EQ(product_of_dims({Dim::known(kBig), Dim::known(4)}), Dim::known(kBig * 4));
}

TEST(DimArithmeticTest, OverflowedProductDividesNothing) {
  DimProduct product{kBig, {}};
  product.multiply(DimProduct{kBig, {}});
  EXPECT_TRUE(product.overflowed);
  EXPECT_FALSE(product.divide_exactly(DimProduct{1, {}}));
  EXPECT_TRUE(product.to_dim().is_unknown());
}

TEST(DimArithmeticTest, SymbolicCoefficientThatOverflowsIsUnknown) {
  Dim big_batch = multiply_dims(Dim::symbolic("batch"), Dim::known(kBig));
  EXPECT_TRUE(multiply_dims(big_batch, Dim::known(kBig)).is_unknown());
  EXPECT_FALSE(evaluate_dim(big_batch, [](const std::string&) { return kBig; }));
}

TEST(DimArithmeticTest, IntegerDimsWrapAsOnnxInt64) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(add_dims(Dim{kMax, {}}, Dim{1, {}}).value, kMin);
  EXPECT_EQ(subtract_dims(Dim{kMin, {}}, Dim{1, {}}).value, kMax);
  EXPECT_EQ(multiply_dims(Dim{kBig, {}}, Dim{kBig, {}}).value, 0);
  EXPECT_TRUE(divide_dims(Dim{kMin, {}}, Dim{-1, {}}).is_unknown());
}

}  // namespace
}  // namespace kiln
