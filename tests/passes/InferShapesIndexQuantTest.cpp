// InferShapesIndexQuantTest.cpp: shape rules of the indexing, loss and quantized ops: the types
// they give (symbolic dims kept) and the errors bad operands and attributes get.
#include <gmock/gmock.h>

#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

TEST(InferShapesIndexQuantTest, GathersAndScatters) {
  EXPECT_EQ(
      infer_op("GatherElements", {"f32[batch,4]", "i64[batch,2]"}, attrs({{"axis", int64_t{1}}})),
      "f32[batch,2]");
  EXPECT_EQ(infer_op("GatherElements", {"f32[3,4]", "i64[5,2]"}), "f32[5,2]");
  EXPECT_THAT(infer_op("GatherElements", {"f32[3,4]", "i64[2,5]"}), HasSubstr("exceed data"));
  EXPECT_EQ(
      infer_op("GatherND", {"f32[2,3,4,5]", "i64[2,7,2]"}, attrs({{"batch_dims", int64_t{1}}})),
      "f32[2,7,5]");
  EXPECT_THAT(infer_op("GatherND", {"f32[2,3]", "i64[4,3]"}), HasSubstr("do not fit data"));
  EXPECT_THAT(infer_op("GatherND", {"f32[2,3]", "i64[2,?]"}), HasSubstr("static last dim"));
  EXPECT_EQ(infer_op("ScatterND", {"f32[4,5,6]", "i64[3,2]", "f32[3,6]"}), "f32[4,5,6]");
  EXPECT_THAT(infer_op("ScatterND", {"f32[4,5,6]", "i64[3,2]", "f32[3,5]"}),
              HasSubstr("updates f32[3,5] must have shape [3,6]"));
  EXPECT_THAT(infer_op("ScatterElements", {"f32[4,5]", "i64[2,5]", "f32[2,5]"},
                       attrs({{"reduction", std::string("sub")}})),
              HasSubstr("reduction must be none, add, mul, max or min"));
  EXPECT_THAT(infer_op("ScatterElements", {"f32[4,5]", "i64[2,5]", "f64[2,5]"}),
              HasSubstr("must have data's dtype"));
}

TEST(InferShapesIndexQuantTest, OneHotTopKCumSumEinsumBitShift) {
  EXPECT_EQ(infer_op("OneHot", {"f32[2]", "i64[batch,3]"},
                     attrs({{"depth", int64_t{10}}, {"axis", int64_t{1}}})),
            "f32[batch,10,3]");
  EXPECT_THAT(infer_op("OneHot", {"f32[3]", "i64[4]"}, attrs({{"depth", int64_t{10}}})),
              HasSubstr("[off, on]"));
  EXPECT_THAT(infer_op("OneHot", {"f32[2]", "i64[4]"}), HasSubstr("needs attribute 'depth'"));
  const std::string topk = infer_op("TopK", {"f32[batch,7]"}, attrs({{"k", int64_t{3}}}));
  EXPECT_EQ(topk, "f32[batch,3]");
  EXPECT_THAT(infer_op("TopK", {"f32[2,7]"}, attrs({{"k", int64_t{8}}})),
              HasSubstr("does not fit"));
  EXPECT_EQ(infer_op("CumSum", {"i32[3,4]"}, attrs({{"axis", int64_t{-1}}})), "i32[3,4]");
  EXPECT_THAT(infer_op("CumSum", {"i32[3,4]"}, attrs({{"axis", int64_t{2}}})),
              HasSubstr("CumSum axis 2 is out of range"));
  EXPECT_EQ(infer_op("Einsum", {"f32[batch,3,4]", "f32[4,5]"},
                     attrs({{"equation", std::string("bij,jk->bik")}})),
            "f32[batch,3,5]");
  EXPECT_EQ(
      infer_op("Einsum", {"f32[2,1,4]", "f32[3,4]"}, attrs({{"equation", std::string("...j,ij")}})),
      "f32[2,1,3]");
  EXPECT_THAT(
      infer_op("Einsum", {"f32[3,4]", "f32[5,6]"}, attrs({{"equation", std::string("ij,jk->ik")}})),
      HasSubstr("a label has sizes 4 and 5"));
  EXPECT_THAT(infer_op("Einsum", {"f32[3,4]"}, attrs({{"equation", std::string("ijk->i")}})),
              HasSubstr("does not match an operand of rank 2"));
  EXPECT_THAT(infer_op("Einsum", {"f32[3,4]"}, attrs({{"equation", std::string("ij->ix")}})),
              HasSubstr("output label 'x' is in no input term"));
  EXPECT_EQ(
      infer_op("BitShift", {"u16[4]", "u16[3,1]"}, attrs({{"direction", std::string("RIGHT")}})),
      "u16[3,4]");
  EXPECT_THAT(
      infer_op("BitShift", {"i16[4]", "i16[4]"}, attrs({{"direction", std::string("LEFT")}})),
      HasSubstr("unsigned"));
  EXPECT_THAT(infer_op("BitShift", {"u8[4]", "u8[4]"}, attrs({{"direction", std::string("UP")}})),
              HasSubstr("direction must be"));
}

TEST(InferShapesIndexQuantTest, LossesAndQuantizedOps) {
  EXPECT_EQ(infer_op("NegativeLogLikelihoodLoss", {"f32[batch,5,7]", "i64[batch,7]"},
                     attrs({{"reduction", std::string("none")}})),
            "f32[batch,7]");
  EXPECT_EQ(infer_op("NegativeLogLikelihoodLoss", {"f32[3,5]", "i64[3]", "f32[5]"}), "f32[]");
  EXPECT_THAT(infer_op("NegativeLogLikelihoodLoss", {"f32[3,5]", "i64[4]"}),
              HasSubstr("without its class dim"));
  EXPECT_THAT(infer_op("NegativeLogLikelihoodLoss", {"f32[3,5]", "i64[3]", "f32[4]"}),
              HasSubstr("one value per class"));
  EXPECT_THAT(infer_op("SoftmaxCrossEntropyLoss", {"f32[3,5]", "i64[3]"},
                       attrs({{"reduction", std::string("avg")}})),
              HasSubstr("reduction must be none, sum or mean"));
  const Attributes to_u8 = attrs({{"to", std::string("u8")}, {"axis", int64_t{-1}}});
  EXPECT_EQ(infer_op("QuantizeLinear", {"f32[batch,4]", "f32[4]", "u8[4]"}, to_u8), "u8[batch,4]");
  EXPECT_THAT(infer_op("QuantizeLinear", {"f32[2,4]", "f32[3]"}, to_u8),
              HasSubstr("one value per element of axis 1"));
  EXPECT_THAT(infer_op("QuantizeLinear", {"f32[2,4]", "f32[]", "i8[]"}, to_u8),
              HasSubstr("zero point i8[] must be u8"));
  EXPECT_THAT(
      infer_op("DequantizeLinear", {"f32[2,4]", "f32[]"}, attrs({{"to", std::string("f32")}})),
      HasSubstr("must be an 8-, 16- or 32-bit integer"));
  EXPECT_EQ(infer_op("ConvInteger", {"u8[1,2,5,5]", "i8[4,2,3,3]"},
                     attrs({{"to", std::string("i32")}, {"strides", std::vector<int64_t>{2, 2}}})),
            "i32[1,4,2,2]");
  EXPECT_THAT(
      infer_op("MatMulInteger", {"f32[2,3]", "u8[3,4]"}, attrs({{"to", std::string("i32")}})),
      HasSubstr("must be i8 or u8"));
}

}  // namespace
}  // namespace kiln::testing
