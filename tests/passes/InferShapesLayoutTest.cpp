// InferShapesLayoutTest.cpp: shape rules of Reshape (0, -1, symbolic counts), Flatten,
// Transpose, Squeeze, Unsqueeze and Pad.
#include <gmock/gmock.h>

#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

std::string reshape(const std::string& x, const std::vector<int64_t>& target, Attributes a = {}) {
  ShapeTestGraph g;
  Value* out = g.node("Reshape", {g.input("x", x), g.ints(target)}, std::move(a));
  return inferred(g, out);
}

TEST(InferShapesReshapeTest, ZeroCopiesAndMinusOneInfers) {
  EXPECT_EQ(reshape("f32[2,3,4]", {0, -1}), "f32[2,12]");
  EXPECT_EQ(reshape("f32[2,3,4]", {4, -1, 2}), "f32[4,3,2]");
  EXPECT_EQ(reshape("f32[batch,512,1,1]", {0, -1}), "f32[batch,512]");
  EXPECT_EQ(reshape("f32[batch,3,4]", {-1}), "f32[batch*12]");
}

TEST(InferShapesReshapeTest, AllowZeroKeepsZeroSizedDims) {
  EXPECT_EQ(reshape("f32[0,3]", {3, 0}, attrs({{"allowzero", int64_t{1}}})), "f32[3,0]");
  EXPECT_THAT(reshape("f32[0,3]", {0, -1}, attrs({{"allowzero", int64_t{1}}})),
              HasSubstr("mixes -1 with 0"));
}

TEST(InferShapesReshapeTest, Errors) {
  EXPECT_THAT(reshape("f32[2,3]", {4}), HasSubstr("Reshape cannot turn f32[2,3] into shape [4]"));
  EXPECT_THAT(reshape("f32[2,3]", {4, -1}), HasSubstr("6 elements do not divide by 4"));
  EXPECT_THAT(reshape("f32[2,3]", {-1, -1}), HasSubstr("more than one -1"));
  EXPECT_THAT(reshape("f32[2,3]", {2, -3}), HasSubstr("invalid entry -3"));
  EXPECT_THAT(reshape("f32[6]", {0, 0}), HasSubstr("has 0 (copy) at index 1"));
}

TEST(InferShapesReshapeTest, UnknownTargetStillGivesTheRank) {
  ShapeTestGraph g;
  Value* target = g.input("target", "i64[3]");
  Value* out = g.node("Reshape", {g.input("x", "f32[2,3,4]"), target});
  EXPECT_EQ(inferred(g, out), "f32[?,?,?]");
}

TEST(InferShapesLayoutTest, Flatten) {
  EXPECT_EQ(infer_op("Flatten", {"f32[batch,512,7,7]"}), "f32[batch,25088]");
  EXPECT_EQ(infer_op("Flatten", {"f32[2,3,4]"}, attrs({{"axis", int64_t{0}}})), "f32[1,24]");
  EXPECT_EQ(infer_op("Flatten", {"f32[batch,3,4]"}, attrs({{"axis", int64_t{-1}}})),
            "f32[batch*3,4]");
  EXPECT_THAT(infer_op("Flatten", {"f32[2,3]"}, attrs({{"axis", int64_t{3}}})),
              HasSubstr("out of range"));
}

TEST(InferShapesLayoutTest, Transpose) {
  EXPECT_EQ(infer_op("Transpose", {"f32[batch,3,4]"}, attrs({{"perm", Ints{0, 2, 1}}})),
            "f32[batch,4,3]");
  EXPECT_EQ(infer_op("Transpose", {"f32[2,3,4]"}), "f32[4,3,2]");
  EXPECT_THAT(infer_op("Transpose", {"f32[2,3,4]"}, attrs({{"perm", Ints{0, 0, 1}}})),
              HasSubstr("perm [0,0,1] is not a permutation of the 3 axes"));
}

TEST(InferShapesLayoutTest, SqueezeAndUnsqueeze) {
  EXPECT_EQ(infer_op("Squeeze", {"f32[batch,512,1,1]"}, attrs({{"axes", Ints{2, -1}}})),
            "f32[batch,512]");
  EXPECT_EQ(infer_op("Squeeze", {"f32[1,batch,1,3]"}), "f32[batch,3]");
  EXPECT_THAT(infer_op("Squeeze", {"f32[2,3]"}, attrs({{"axes", Ints{1}}})),
              HasSubstr("has size 3, not 1"));
  EXPECT_EQ(infer_op("Unsqueeze", {"f32[batch,3]"}, attrs({{"axes", Ints{0, -1}}})),
            "f32[1,batch,3,1]");
  EXPECT_THAT(infer_op("Unsqueeze", {"f32[3]"}, attrs({{"axes", Ints{2}}})),
              HasSubstr("Unsqueeze axis 2 is out of range for rank 2"));
}

TEST(InferShapesLayoutTest, Pad) {
  EXPECT_EQ(infer_op("Pad", {"f32[batch,3,h,8]"}, attrs({{"pads", Ints{0, 0, 1, 2, 0, 0, 1, -1}}})),
            "f32[batch,3,h+2,9]");
  EXPECT_THAT(infer_op("Pad", {"f32[2,3]"}, attrs({{"pads", Ints{1, 1}}})),
              HasSubstr("should hold 4 values"));
  EXPECT_THAT(infer_op("Pad", {"f32[2,3]"}, attrs({{"pads", Ints{0, -2, 0, -2}}})),
              HasSubstr("below zero"));
}

}  // namespace
}  // namespace kiln::testing
