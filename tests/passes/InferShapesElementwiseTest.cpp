// InferShapesElementwiseTest.cpp: shape rules of the elementwise, matrix and reduction ops:
// broadcasting (with symbols), dtype checks, Gemm/MatMul contraction, BatchNorm, ReduceMean.
#include <gmock/gmock.h>

#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

TEST(InferShapesElementwiseTest, UnaryOpsKeepTheType) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Clip", "Identity", "Dropout"})
    EXPECT_EQ(infer_op(op, {"f32[batch,3,4]"}), "f32[batch,3,4]") << op;
  EXPECT_EQ(infer_op("Softmax", {"f32[batch,1000]"}, attrs({{"axis", int64_t{-1}}})),
            "f32[batch,1000]");
  EXPECT_THAT(infer_op("Softmax", {"f32[2,3]"}, attrs({{"axis", int64_t{2}}})),
              HasSubstr("Softmax axis 2 is out of range for rank 2"));
  EXPECT_THAT(infer_op("Sigmoid", {"i64[3]"}), HasSubstr("floating-point"));
}

TEST(InferShapesElementwiseTest, NumpyBroadcasting) {
  EXPECT_EQ(infer_op("Add", {"f32[2,3,4]", "f32[4]"}), "f32[2,3,4]");
  EXPECT_EQ(infer_op("Mul", {"f32[2,1,4]", "f32[3,1]"}), "f32[2,3,4]");
  EXPECT_EQ(infer_op("Div", {"f32[]", "f32[5]"}), "f32[5]");
}

TEST(InferShapesElementwiseTest, SymbolicBroadcasting) {
  EXPECT_EQ(infer_op("Add", {"f32[batch,3]", "f32[1,3]"}), "f32[batch,3]");
  EXPECT_EQ(infer_op("Add", {"f32[batch,3]", "f32[batch,1]"}), "f32[batch,3]");
  EXPECT_EQ(infer_op("Sub", {"f32[n,3]", "f32[4,3]"}), "f32[4,3]");
  // Different symbols: accepted as ONNX does (either may be 1 at run time).
  EXPECT_EQ(infer_op("Add", {"f32[a]", "f32[b]"}), "f32[max(a,b)]");
}

TEST(InferShapesElementwiseTest, BroadcastAndDtypeErrors) {
  EXPECT_THAT(infer_op("Add", {"f32[2,3]", "f32[4,3]"}),
              HasSubstr("Add cannot broadcast f32[2,3] with f32[4,3] (2 vs 4)"));
  EXPECT_THAT(infer_op("Mul", {"f32[2]", "i64[2]"}), HasSubstr("different dtypes"));
}

TEST(InferShapesLinearTest, GemmWithTransposesAndBias) {
  EXPECT_EQ(infer_op("Gemm", {"f32[batch,512]", "f32[1000,512]", "f32[1000]"},
                     attrs({{"transB", int64_t{1}}})),
            "f32[batch,1000]");
  EXPECT_EQ(infer_op("Gemm", {"f32[4,3]", "f32[4,5]"}, attrs({{"transA", int64_t{1}}})),
            "f32[3,5]");
  EXPECT_THAT(infer_op("Gemm", {"f32[2,3]", "f32[4,5]"}), HasSubstr("inner dims differ"));
  EXPECT_THAT(infer_op("Gemm", {"f32[2,3]", "f32[3,5]", "f32[4]"}),
              HasSubstr("Gemm bias f32[4] does not broadcast to [2,5]"));
  EXPECT_THAT(infer_op("Gemm", {"f32[2,3,4]", "f32[4,5]"}), HasSubstr("rank-2"));
}

TEST(InferShapesLinearTest, MatMulNumpySemantics) {
  EXPECT_EQ(infer_op("MatMul", {"f32[batch,8,16]", "f32[16,4]"}), "f32[batch,8,4]");
  EXPECT_EQ(infer_op("MatMul", {"f32[16]", "f32[16,4]"}), "f32[4]");
  EXPECT_EQ(infer_op("MatMul", {"f32[3,16]", "f32[16]"}), "f32[3]");
  EXPECT_EQ(infer_op("MatMul", {"f32[2,1,3,4]", "f32[5,4,6]"}), "f32[2,5,3,6]");
  EXPECT_THAT(infer_op("MatMul", {"f32[3,4]", "f32[5,6]"}), HasSubstr("inner dims differ"));
}

TEST(InferShapesLinearTest, BatchNormalizationChecksChannelVectors) {
  EXPECT_EQ(
      infer_op("BatchNormalization", {"f32[batch,8,4,4]", "f32[8]", "f32[8]", "f32[8]", "f32[8]"}),
      "f32[batch,8,4,4]");
  EXPECT_THAT(
      infer_op("BatchNormalization", {"f32[1,8,4,4]", "f32[8]", "f32[8]", "f32[7]", "f32[8]"}),
      HasSubstr("BatchNormalization mean f32[7] must be a vector of the input's 8 channels"));
}

TEST(InferShapesLinearTest, ReduceMeanAxesAndKeepdims) {
  EXPECT_EQ(infer_op("ReduceMean", {"f32[batch,8,4,4]"}, attrs({{"axes", Ints{2, -1}}})),
            "f32[batch,8,1,1]");
  EXPECT_EQ(infer_op("ReduceMean", {"f32[batch,8,4,4]"},
                     attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{0}}})),
            "f32[batch,8]");
  EXPECT_EQ(infer_op("ReduceMean", {"f32[2,3]"}, attrs({{"keepdims", int64_t{0}}})), "f32[]");
  EXPECT_THAT(infer_op("ReduceMean", {"f32[2,3]"}, attrs({{"axes", Ints{1, -1}}})),
              HasSubstr("twice"));
}

}  // namespace
}  // namespace kiln::testing
