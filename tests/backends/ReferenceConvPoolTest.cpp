// ReferenceConvPoolTest.cpp: hand-computed Conv and pooling cases (padding, strides, dilations,
// groups, auto_pad, ceil_mode, count_include_pad) for the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

// 1 2 3 / 4 5 6 / 7 8 9 as an NCHW image.
Tensor one_to_nine() {
  return make_float_tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
}
Tensor ones(std::vector<int64_t> dims) {
  return make_float_tensor(dims, std::vector<float>(static_cast<size_t>(product_of(dims)), 1.0f));
}

TEST(ReferenceConv, ValidWindowWithBias) {
  ASSERT_OK_AND_ASSIGN(
      y,
      run_op("Conv", {one_to_nine(), ones({1, 1, 2, 2}), make_float_tensor({1}, {1})}, {}, {1, 2}));
  EXPECT_EQ(y.dims, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(values_of(y), ElementsAre(13, 17, 25, 29));
}

TEST(ReferenceConv, PaddingAndStride) {
  Attributes attrs = attrs_of(
      {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}});
  ASSERT_OK_AND_ASSIGN(y, run_op("Conv", {one_to_nine(), ones({1, 1, 3, 3})}, attrs, {1}));
  EXPECT_EQ(y.dims, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(values_of(y), ElementsAre(12, 16, 24, 28));
}

TEST(ReferenceConv, Dilation) {
  Tensor x = make_float_tensor({1, 1, 3, 3}, {1, 2, 3, 4, 100, 6, 7, 8, 9});
  ASSERT_OK_AND_ASSIGN(y, run_op("Conv", {x, ones({1, 1, 2, 2})},
                                 attrs_of({{"dilations", std::vector<int64_t>{2, 2}}}), {1}));
  EXPECT_THAT(values_of(y), ElementsAre(20));  // corners only: 1 + 3 + 7 + 9
}

TEST(ReferenceConv, GroupsKeepChannelsApart) {
  Tensor x = make_float_tensor({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  Tensor w = make_float_tensor({2, 1, 1, 1}, {2, 3});
  ASSERT_OK_AND_ASSIGN(y, run_op("Conv", {x, w}, attrs_of({{"group", int64_t{2}}}), {1}));
  EXPECT_THAT(values_of(y), ElementsAre(2, 4, 6, 8, 30, 60, 90, 120));
}

TEST(ReferenceConv, AutoPadSameUpperAndLower) {
  ASSERT_OK_AND_ASSIGN(upper, run_op("Conv", {one_to_nine(), ones({1, 1, 2, 2})},
                                     attrs_of({{"auto_pad", std::string("SAME_UPPER")}}), {1}));
  EXPECT_THAT(values_of(upper), ElementsAre(12, 16, 9, 24, 28, 15, 15, 17, 9));
  ASSERT_OK_AND_ASSIGN(lower, run_op("Conv", {one_to_nine(), ones({1, 1, 2, 2})},
                                     attrs_of({{"auto_pad", std::string("SAME_LOWER")}}), {1}));
  EXPECT_THAT(values_of(lower), ElementsAre(1, 3, 5, 5, 12, 16, 11, 24, 28));
}

TEST(ReferenceConv, OneDimensional) {
  ASSERT_OK_AND_ASSIGN(
      y, run_op("Conv",
                {make_float_tensor({1, 1, 4}, {1, 2, 3, 4}), make_float_tensor({1, 1, 2}, {1, -1})},
                {}, {1}));
  EXPECT_EQ(y.dims, (std::vector<int64_t>{1, 1, 3}));
  EXPECT_THAT(values_of(y), ElementsAre(-1, -1, -1));
}

TEST(ReferenceConv, ChannelMismatchIsAnErrorNamingTheNode) {
  Result<Tensor> y = run_op("Conv", {one_to_nine(), ones({1, 2, 2, 2})}, {}, {1});
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.error().node, "Conv_node");
}

TEST(ReferencePool, MaxPoolStrided) {
  std::vector<float> values(16);
  for (int i = 0; i < 16; ++i) values[i] = static_cast<float>(i);
  Attributes attrs = attrs_of(
      {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  ASSERT_OK_AND_ASSIGN(y, run_op("MaxPool", {make_float_tensor({1, 1, 4, 4}, values)}, attrs));
  EXPECT_THAT(values_of(y), ElementsAre(5, 7, 13, 15));
}

TEST(ReferencePool, CeilModeAddsPartialWindows) {
  Attributes attrs = attrs_of({{"kernel_shape", std::vector<int64_t>{2, 2}},
                               {"strides", std::vector<int64_t>{2, 2}},
                               {"ceil_mode", int64_t{1}}});
  ASSERT_OK_AND_ASSIGN(max, run_op("MaxPool", {one_to_nine()}, attrs));
  EXPECT_EQ(max.dims, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(values_of(max), ElementsAre(5, 6, 8, 9));
  ASSERT_OK_AND_ASSIGN(average, run_op("AveragePool", {one_to_nine()}, attrs));
  EXPECT_THAT(values_of(average), ElementsAre(3, 4.5, 7.5, 9));
}

TEST(ReferencePool, MaxPoolDilation) {
  Tensor x = make_float_tensor({1, 1, 3, 3}, {1, 2, 3, 4, 100, 6, 7, 8, 9});
  Attributes attrs = attrs_of(
      {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"dilations", std::vector<int64_t>{2, 2}}});
  ASSERT_OK_AND_ASSIGN(y, run_op("MaxPool", {x}, attrs));
  EXPECT_THAT(values_of(y), ElementsAre(9));
}

TEST(ReferencePool, AveragePoolCountIncludePad) {
  Attributes attrs = attrs_of(
      {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  ASSERT_OK_AND_ASSIGN(excluded, run_op("AveragePool", {one_to_nine()}, attrs));
  EXPECT_NEAR(values_of(excluded)[0], 3.0, 1e-6);  // (1+2+4+5) / 4
  EXPECT_NEAR(values_of(excluded)[4], 5.0, 1e-6);
  attrs.set("count_include_pad", int64_t{1});
  ASSERT_OK_AND_ASSIGN(included, run_op("AveragePool", {one_to_nine()}, attrs));
  EXPECT_NEAR(values_of(included)[0], 12.0 / 9.0, 1e-6);
  EXPECT_NEAR(values_of(included)[4], 5.0, 1e-6);
}

TEST(ReferencePool, CeilModeWindowLargerThanItsInputGivesOneOutput) {
  // PyTorch and ONNX Runtime: a 3x3 window of stride 2 over a 2x2 input (1 past it) gives one
  // output under ceil_mode; without ceil_mode, or 2 past it, there is none (an error).
  Tensor x = make_float_tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  Attributes attrs = attrs_of({{"kernel_shape", std::vector<int64_t>{3, 3}},
                               {"strides", std::vector<int64_t>{2, 2}},
                               {"ceil_mode", int64_t{1}}});
  ASSERT_OK_AND_ASSIGN(max, run_op("MaxPool", {x}, attrs));
  EXPECT_EQ(max.dims, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_THAT(values_of(max), ElementsAre(4));
  ASSERT_OK_AND_ASSIGN(average, run_op("AveragePool", {x}, attrs));
  EXPECT_THAT(values_of(average), Pointwise(DoubleNear(1e-6), {2.5}));
  attrs.set("ceil_mode", int64_t{0});
  EXPECT_FALSE(run_op("MaxPool", {x}, attrs).is_ok());
  attrs.set("ceil_mode", int64_t{1});
  attrs.set("kernel_shape", std::vector<int64_t>{4, 4});
  EXPECT_FALSE(run_op("MaxPool", {x}, attrs).is_ok());
}

TEST(ReferencePool, LpPoolNorms) {
  Tensor x = make_float_tensor({1, 1, 2, 2}, {1, -2, 3, -4});
  auto pool = [&](int64_t p) {
    return run_op("LpPool", {x},
                  attrs_of({{"kernel_shape", std::vector<int64_t>{2, 2}}, {"p", p}}));
  };
  ASSERT_OK_AND_ASSIGN(l1, pool(1));
  EXPECT_THAT(values_of(l1), Pointwise(DoubleNear(1e-6), {10.0}));
  ASSERT_OK_AND_ASSIGN(l2, pool(2));
  EXPECT_THAT(values_of(l2), Pointwise(DoubleNear(1e-6), {std::sqrt(30.0)}));
  ASSERT_OK_AND_ASSIGN(l3, pool(3));
  EXPECT_THAT(values_of(l3), Pointwise(DoubleNear(1e-5), {std::cbrt(100.0)}));
  EXPECT_FALSE(pool(0).is_ok());
}

TEST(ReferencePool, MaxPoolIndicesNumberTheWholeTensor) {
  // Two channels; the second channel's indices start after the first's 4 elements. A tie keeps
  // the first maximum in row-major window order.
  Tensor x = make_float_tensor({1, 2, 2, 2}, {1, 5, 5, 2, 7, 3, 4, 9});
  Attributes attrs = attrs_of({{"kernel_shape", std::vector<int64_t>{2, 2}}});
  ASSERT_OK_AND_ASSIGN(rows, run_op("MaxPoolIndices", {x}, attrs));
  EXPECT_EQ(rows.dtype, DType::Int64);
  EXPECT_THAT(ints_of(rows), ElementsAre(1, 7));
  attrs.set("storage_order", int64_t{1});  // column-major: (h, w) -> w * H + h
  ASSERT_OK_AND_ASSIGN(columns, run_op("MaxPoolIndices", {x}, attrs));
  EXPECT_THAT(ints_of(columns), ElementsAre(2, 7));
}

TEST(ReferencePool, MaxUnpoolScattersAndPadsToOutputShape) {
  Tensor x = make_float_tensor({1, 1, 1, 2}, {5, 6});
  Tensor indices = make_int64_tensor({1, 1, 1, 2}, {3, 40});  // 40 is outside 2x4: dropped
  Attributes attrs = attrs_of(
      {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  ASSERT_OK_AND_ASSIGN(plain, run_op("MaxUnpool", {x, indices}, attrs));
  EXPECT_EQ(plain.dims, (std::vector<int64_t>{1, 1, 2, 4}));
  EXPECT_THAT(values_of(plain), ElementsAre(0, 0, 0, 5, 0, 0, 0, 0));
  attrs.set("output_shape", std::vector<int64_t>{1, 1, 3, 5});
  ASSERT_OK_AND_ASSIGN(padded, run_op("MaxUnpool", {x, indices}, attrs));
  EXPECT_EQ(padded.dims, (std::vector<int64_t>{1, 1, 3, 5}));
  EXPECT_EQ(values_of(padded)[3], 5.0);  // (0, 3) of the unpooled 2x4 keeps its place
  attrs.set("output_shape", std::vector<int64_t>{1, 1, 1, 5});
  EXPECT_FALSE(run_op("MaxUnpool", {x, indices}, attrs).is_ok());
}

TEST(ReferencePool, GlobalPools) {
  Tensor x = make_float_tensor({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  ASSERT_OK_AND_ASSIGN(average, run_op("GlobalAveragePool", {x}));
  EXPECT_EQ(average.dims, (std::vector<int64_t>{1, 2, 1, 1}));
  EXPECT_THAT(values_of(average), Pointwise(DoubleNear(1e-6), {2.5, 25.0}));
  ASSERT_OK_AND_ASSIGN(max, run_op("GlobalMaxPool", {x}));
  EXPECT_THAT(values_of(max), ElementsAre(4, 40));
}

}  // namespace
}  // namespace kiln::testing
