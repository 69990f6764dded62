// InferShapesConvPoolTest.cpp: shape rules of Conv, ConvTranspose, the pools and the shared window
// geometry (auto_pad variants, ceil_mode, dilations, groups, symbolic batch and spatial dims).
#include <gmock/gmock.h>

#include "ir/shape_rules/WindowGeometry.h"
#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

std::string conv(const std::string& x, const std::vector<int64_t>& w, Attributes a = {},
                 bool bias = false) {
  ShapeTestGraph g;
  std::vector<Value*> inputs = {g.input("x", x), g.floats(w)};
  if (bias) inputs.push_back(g.floats({w[0]}));
  Value* out = g.node("Conv", inputs, std::move(a));
  return inferred(g, out);
}

TEST(InferShapesConvTest, PlainConvKeepsSymbolicBatch) {
  EXPECT_EQ(conv("f32[batch,3,224,224]", {64, 3, 7, 7},
                 attrs({{"strides", Ints{2, 2}}, {"pads", Ints{3, 3, 3, 3}}}), true),
            "f32[batch,64,112,112]");
}

TEST(InferShapesConvTest, DilationWidensTheWindow) {
  EXPECT_EQ(conv("f32[1,1,10,10]", {1, 1, 3, 3}, attrs({{"dilations", Ints{2, 2}}})),
            "f32[1,1,6,6]");
}

TEST(InferShapesConvTest, GroupsDivideInputChannels) {
  EXPECT_EQ(conv("f32[1,32,8,8]", {32, 1, 3, 3},
                 attrs({{"group", int64_t{32}}, {"pads", Ints{1, 1, 1, 1}}})),
            "f32[1,32,8,8]");
}

TEST(InferShapesConvTest, AutoPadVariants) {
  EXPECT_EQ(conv("f32[1,1,7,7]", {1, 1, 3, 3},
                 attrs({{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}})),
            "f32[1,1,4,4]");
  EXPECT_EQ(conv("f32[1,1,7,7]", {1, 1, 3, 3}, attrs({{"auto_pad", std::string("SAME_LOWER")}})),
            "f32[1,1,7,7]");
  EXPECT_EQ(conv("f32[1,1,7,7]", {1, 1, 3, 3},
                 attrs({{"auto_pad", std::string("VALID")}, {"pads", Ints{5, 5, 5, 5}}})),
            "f32[1,1,5,5]");
}

TEST(InferShapesConvTest, OneDimensionalConv) {
  EXPECT_EQ(conv("f32[2,4,10]", {8, 4, 3}), "f32[2,8,8]");
}

TEST(InferShapesConvTest, SymbolicSpatialDimsStayReadable) {
  EXPECT_EQ(conv("f32[n,3,h,w]", {8, 3, 3, 3}, attrs({{"pads", Ints{1, 1, 1, 1}}})),
            "f32[n,8,h,w]");
  EXPECT_EQ(conv("f32[n,3,h,w]", {8, 3, 3, 3}), "f32[n,8,h-2,w-2]");
}

TEST(InferShapesConvTest, ChannelMismatchNamesNodeAndCounts) {
  std::string error = conv("f32[1,4,8,8]", {8, 3, 3, 3});
  EXPECT_THAT(error, HasSubstr("node 'Conv'"));
  EXPECT_THAT(error, HasSubstr("Conv weight expects 3 input channels per group but input has 4"));
  EXPECT_THAT(conv("f32[1,4,8,8]", {8, 1, 3, 3}, attrs({{"group", int64_t{2}}})),
              HasSubstr("group=2, so 2 are needed"));
}

TEST(InferShapesConvTest, RankAndWindowErrors) {
  EXPECT_THAT(conv("f32[1,3,8]", {8, 3, 3, 3}), HasSubstr("must have the input's rank 3"));
  EXPECT_THAT(conv("f32[1,3,2,2]", {8, 3, 3, 3}), HasSubstr("does not fit"));
  EXPECT_THAT(conv("f32[1,3,8,8]", {8, 3, 3, 3}, attrs({{"strides", Ints{1}}})),
              HasSubstr("strides [1] do not match the 2 spatial dims"));
  EXPECT_THAT(conv("f32[1,3,8,8]", {8, 3, 3, 3}, attrs({{"auto_pad", std::string("SAME")}})),
              HasSubstr("unknown auto_pad 'SAME'"));
}

std::string conv_transpose(const std::string& x, const std::vector<int64_t>& w, Attributes a = {}) {
  ShapeTestGraph g;
  Value* out = g.node("ConvTranspose", {g.input("x", x), g.floats(w)}, std::move(a));
  return inferred(g, out);
}

TEST(InferShapesConvTransposeTest, OutputSizesAndPadding) {
  // s * (in - 1) + output_padding + span - pads; the weight is [C, M / group, kernel...].
  EXPECT_EQ(conv_transpose("f32[batch,64,28,28]", {64, 32, 3, 3},
                           attrs({{"strides", Ints{2, 2}},
                                  {"pads", Ints{1, 1, 1, 1}},
                                  {"output_padding", Ints{1, 1}}})),
            "f32[batch,32,56,56]");
  EXPECT_EQ(conv_transpose("f32[1,4,5]", {4, 3, 3}, attrs({{"group", int64_t{2}}})), "f32[1,6,7]");
  EXPECT_EQ(conv_transpose("f32[1,1,3,3]", {1, 2, 3, 3},
                           attrs({{"strides", Ints{3, 2}}, {"output_shape", Ints{10, 8}}})),
            "f32[1,2,10,8]");
  EXPECT_EQ(
      conv_transpose("f32[1,1,3,3]", {1, 2, 3, 3},
                     attrs({{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}})),
      "f32[1,2,6,6]");
  EXPECT_EQ(conv_transpose("f32[n,2,h,w]", {2, 2, 4, 4}, attrs({{"strides", Ints{2, 2}}})),
            "f32[n,2,h*2+2,w*2+2]");
}

TEST(InferShapesConvTransposeTest, ErrorsNameTheProblem) {
  EXPECT_THAT(conv_transpose("f32[1,4,8,8]", {3, 2, 3, 3}), HasSubstr("expects 3 input channels"));
  EXPECT_THAT(conv_transpose("f32[1,3,8,8]", {3, 2, 3, 3}, attrs({{"group", int64_t{2}}})),
              HasSubstr("not divisible by group=2"));
  EXPECT_THAT(conv_transpose("f32[1,3,2,2]", {3, 2, 3, 3}, attrs({{"pads", Ints{3, 3, 3, 3}}})),
              HasSubstr("leaves no output"));
  EXPECT_THAT(
      conv_transpose("f32[1,3,4,4]", {3, 2, 3, 3}, attrs({{"output_padding", Ints{-1, 0}}})),
      HasSubstr("output_padding [-1,0] must lie in [0, 2^31)"));
}

TEST(InferShapesPoolTest, MaxPoolFloorAndCeilMode) {
  Attributes floor_mode = attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(infer_op("MaxPool", {"f32[batch,64,112,112]"}, floor_mode), "f32[batch,64,55,55]");
  Attributes ceil_mode = floor_mode;
  ceil_mode.set("ceil_mode", int64_t{1});
  EXPECT_EQ(infer_op("MaxPool", {"f32[batch,64,112,112]"}, ceil_mode), "f32[batch,64,56,56]");
}

TEST(InferShapesPoolTest, CeilModeDropsAWindowStartingInThePadding) {
  // 5 + 1 (right pad) with kernel 2 stride 2: ceil gives 4 windows, but the 4th would start at 6,
  // past the input and its left padding, so ONNX keeps 3.
  Attributes a = attrs({{"kernel_shape", Ints{2}},
                        {"strides", Ints{2}},
                        {"pads", Ints{0, 1}},
                        {"ceil_mode", int64_t{1}}});
  EXPECT_EQ(infer_op("MaxPool", {"f32[1,1,5]"}, a), "f32[1,1,3]");
}

TEST(InferShapesPoolTest, AveragePoolSameAndErrors) {
  EXPECT_EQ(infer_op("AveragePool", {"f32[1,2,5,5]"},
                     attrs({{"kernel_shape", Ints{3, 3}},
                            {"auto_pad", std::string("SAME_UPPER")},
                            {"strides", Ints{2, 2}}})),
            "f32[1,2,3,3]");
  EXPECT_THAT(infer_op("AveragePool", {"f32[1,2,5,5]"}, {}), HasSubstr("needs a kernel_shape"));
  EXPECT_THAT(infer_op("MaxPool", {"f32[1,2,5,5]"}, attrs({{"kernel_shape", Ints{3}}})),
              HasSubstr("kernel_shape [3] has 1 dims but the input has 2 spatial dims"));
  EXPECT_THAT(infer_op("MaxPool", {"f32[2,5]"}, attrs({{"kernel_shape", Ints{3}}})),
              HasSubstr("rank >= 3"));
}

TEST(InferShapesPoolTest, GlobalPoolsKeepBatchAndChannels) {
  EXPECT_EQ(infer_op("GlobalAveragePool", {"f32[batch,512,7,7]"}), "f32[batch,512,1,1]");
  EXPECT_EQ(infer_op("GlobalMaxPool", {"f32[2,8,3,4,5]"}), "f32[2,8,1,1,1]");
}

TEST(WindowGeometryTest, ResolvesSamePadsAndOutputSizes) {
  Attributes a = attrs({{"auto_pad", std::string("SAME_LOWER")}, {"strides", Ints{2}}});
  Result<WindowAttributes> window = read_window_attributes(a, {4});
  ASSERT_TRUE(window.is_ok());
  Result<WindowDim> dim = resolve_window_dim(*window, 0, 7);
  ASSERT_TRUE(dim.is_ok());
  // output ceil(7/2) = 4; total pad (4-1)*2 + 4 - 7 = 3, the extra one at the beginning.
  EXPECT_EQ(dim->output, 4);
  EXPECT_EQ(dim->pad_begin, 2);
  EXPECT_EQ(dim->pad_end, 1);
}

TEST(WindowGeometryTest, ExplicitPadsAndValidation) {
  Result<WindowAttributes> window =
      read_window_attributes(attrs({{"pads", Ints{1, 2}}, {"dilations", Ints{3}}}), {3});
  ASSERT_TRUE(window.is_ok());
  EXPECT_EQ(window->span(0), 7);
  Result<std::vector<WindowDim>> dims = resolve_window(*window, {10});
  ASSERT_TRUE(dims.is_ok());
  EXPECT_EQ((*dims)[0].output, 7);  // 10 + 3 - 7 + 1
  EXPECT_FALSE(read_window_attributes(attrs({{"pads", Ints{-1, 0}}}), {3}).is_ok());
  EXPECT_FALSE(read_window_attributes(attrs({{"strides", Ints{0}}}), {3}).is_ok());
}

}  // namespace
}  // namespace kiln::testing
