// InferShapesShapeOpsTest.cpp: shape rules of Shape, Gather, Slice, Concat and Cast, and the
// known dims they propagate, up to PyTorch's dynamic-batch Reshape chain.
#include <gmock/gmock.h>

#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

TEST(InferShapesShapeOpsTest, ShapeGivesI64AndKnownDims) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[batch,3,224,224]");
  Value* all = g.node("Shape", {x});
  Value* tail = g.node("Shape", {x}, attrs({{"start", int64_t{-2}}}));
  Value* clamped = g.node("Shape", {x}, attrs({{"start", int64_t{1}}, {"end", int64_t{99}}}));
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(all->type.to_string(), "i64[4]");
  EXPECT_EQ(known_dims_text(all), "[batch,3,224,224]");
  EXPECT_EQ(known_dims_text(tail), "[224,224]");
  EXPECT_EQ(clamped->type.to_string(), "i64[3]");
}

TEST(InferShapesShapeOpsTest, GatherShapesAndKnownDims) {
  EXPECT_EQ(infer_op("Gather", {"f32[5,4,3]", "i64[2,2]"}, attrs({{"axis", int64_t{1}}})),
            "f32[5,2,2,3]");
  EXPECT_EQ(infer_op("Gather", {"f32[5,4]", "i64[]"}), "f32[4]");
  EXPECT_THAT(infer_op("Gather", {"f32[5,4]", "f32[2]"}), HasSubstr("i32 or i64"));
  EXPECT_THAT(infer_op("Gather", {"f32[5,4]", "i64[2]"}, attrs({{"axis", int64_t{-3}}})),
              HasSubstr("Gather axis -3 is out of range for rank 2"));

  ShapeTestGraph g;
  Value* shape = g.node("Shape", {g.input("x", "f32[batch,3,7]")});
  Value* last = g.node("Gather", {shape, g.ints({-1}, true)});
  Value* pair = g.node("Gather", {shape, g.ints({0, 2})});
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(last->type.to_string(), "i64[]");
  EXPECT_EQ(known_dims_text(last), "[7]");
  EXPECT_EQ(known_dims_text(pair), "[batch,7]");

  ShapeTestGraph bad;
  Value* out = bad.node("Gather", {bad.input("x", "f32[3]"), bad.ints({3})});
  EXPECT_THAT(inferred(bad, out), HasSubstr("Gather index 3 is out of range for axis 0 of size 3"));
}

TEST(InferShapesShapeOpsTest, SliceWithConstantParams) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[batch,10,8]");
  Value* a = g.node("Slice", {x, g.ints({1, -3}), g.ints({100, -1}), g.ints({1, 2})});
  Value* b = g.node("Slice", {x, g.ints({-1}), g.ints({-100}), g.ints({1}), g.ints({-3})});
  Value* c = g.node("Slice", {x, g.ints({1}), g.ints({INT64_MAX}), g.ints({0})});
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(a->type.to_string(), "f32[batch,9,2]");
  EXPECT_EQ(b->type.to_string(), "f32[batch,4,8]");  // 9, 6, 3, 0
  EXPECT_EQ(c->type.to_string(), "f32[batch-1,10,8]");

  EXPECT_THAT(infer_op("Slice", {"f32[4]", "i64[1]", "i64[1]"}), HasSubstr("f32[?]"));
}

TEST(InferShapesShapeOpsTest, SliceOfAShapeKeepsKnownDims) {
  ShapeTestGraph g;
  Value* shape = g.node("Shape", {g.input("x", "f32[batch,3,7,9]")});
  Value* spatial = g.node("Slice", {shape, g.ints({2}), g.ints({4})});
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(known_dims_text(spatial), "[7,9]");

  ShapeTestGraph zero_step;
  Value* out =
      zero_step.node("Slice", {zero_step.input("x", "f32[4]"), zero_step.ints({0}),
                               zero_step.ints({4}), zero_step.ints({0}), zero_step.ints({0})});
  EXPECT_THAT(inferred(zero_step, out), HasSubstr("step must not be 0"));
}

TEST(InferShapesShapeOpsTest, ConcatChecksAndSums) {
  EXPECT_EQ(infer_op("Concat", {"f32[batch,3,4]", "f32[batch,5,4]"}, attrs({{"axis", int64_t{1}}})),
            "f32[batch,8,4]");
  EXPECT_EQ(infer_op("Concat", {"f32[a,3]", "f32[b,3]"}, attrs({{"axis", int64_t{0}}})),
            "f32[a+b,3]");
  EXPECT_THAT(infer_op("Concat", {"f32[1,2,4]", "f32[1,3,5]"}, attrs({{"axis", int64_t{1}}})),
              HasSubstr("Concat input 1 f32[1,3,5] differs from input 0 f32[1,2,4] in dim 2"));
  EXPECT_THAT(infer_op("Concat", {"f32[1,2]", "f32[1,2,3]"}, attrs({{"axis", int64_t{0}}})),
              HasSubstr("different rank"));
  EXPECT_THAT(infer_op("Concat", {"f32[1,2]", "f32[1,2]"}), HasSubstr("needs an axis"));
}

TEST(InferShapesShapeOpsTest, CastChangesDtype) {
  EXPECT_EQ(infer_op("Cast", {"f32[batch,3]"}, attrs({{"to", std::string("i64")}})),
            "i64[batch,3]");
  EXPECT_THAT(infer_op("Cast", {"f32[3]"}, attrs({{"to", std::string("float")}})),
              HasSubstr("Cast 'to' must be a dtype name"));
}

TEST(InferShapesShapeOpsTest, ArithmeticOnKnownDims) {
  ShapeTestGraph g;
  Value* shape = g.node("Shape", {g.input("x", "f32[batch,3,8]")});
  Value* doubled = g.node("Mul", {shape, g.ints({2, 1, 1})});
  Value* plus = g.node("Add", {shape, g.ints({0, 1, 0})});
  Value* halved = g.node("Div", {doubled, g.ints({2})});
  Value* minus = g.node("Sub", {shape, shape});
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(known_dims_text(doubled), "[batch*2,3,8]");
  EXPECT_EQ(known_dims_text(plus), "[batch,4,8]");
  EXPECT_EQ(known_dims_text(halved), "[batch,1,4]");
  EXPECT_EQ(known_dims_text(minus), "[0,0,0]");
}

// PyTorch's dynamic-batch flatten: x.view(x.size(0), -1) exports as
// Shape -> Gather(0) -> Unsqueeze -> Concat(with [-1]) -> Reshape.
TEST(InferShapesShapeOpsTest, PyTorchDynamicBatchChainFolds) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[batch,2,58,28,28]");
  Value* shape = g.node("Shape", {x});
  Value* batch = g.node("Gather", {shape, g.ints({0}, true)}, attrs({{"axis", int64_t{0}}}));
  Value* batch_1d = g.node("Unsqueeze", {batch}, attrs({{"axes", Ints{0}}}));
  Value* h = g.node("Gather", {shape, g.ints({3}, true)});
  Value* h_1d = g.node("Unsqueeze", {h}, attrs({{"axes", Ints{0}}}));
  Value* target =
      g.node("Concat", {batch_1d, g.ints({-1}), h_1d, g.ints({28})}, attrs({{"axis", int64_t{0}}}));
  Value* out = g.node("Reshape", {x, target});
  ASSERT_EQ(inferred(g, out), "f32[batch,116,28,28]");
  EXPECT_EQ(known_dims_text(target), "[batch,-1,28,28]");
  EXPECT_EQ(batch->type.to_string(), "i64[]");
  EXPECT_EQ(known_dims_text(batch_1d), "[batch]");
}

TEST(InferShapesShapeOpsTest, ChainWithCastAndArithmetic) {
  // Channel shuffle style: [batch, 4, 6] -> [batch, 2, 2, 6] via computed dims.
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[batch,4,6]");
  Value* shape = g.node("Cast", {g.node("Shape", {x})}, attrs({{"to", std::string("i32")}}));
  Value* half = g.node("Div", {g.node("Slice", {shape, g.ints({1}), g.ints({2})}),
                               g.node("Cast", {g.ints({2})}, attrs({{"to", std::string("i32")}}))});
  Value* head = g.node("Slice", {shape, g.ints({0}), g.ints({1})});
  Value* tail = g.node("Slice", {shape, g.ints({2}), g.ints({3})});
  Value* target = g.node("Concat", {head, half, half, tail}, attrs({{"axis", int64_t{0}}}));
  Value* target64 = g.node("Cast", {target}, attrs({{"to", std::string("i64")}}));
  Value* out = g.node("Reshape", {x, target64});
  EXPECT_EQ(inferred(g, out), "f32[batch,2,2,6]");
}

}  // namespace
}  // namespace kiln::testing
