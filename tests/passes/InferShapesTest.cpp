// InferShapesTest.cpp: the shape-inference pass as a whole: a small CNN end to end, error
// reporting (node names, untyped graph inputs), and the dim arithmetic it relies on.
#include <gmock/gmock.h>

#include "ir/ShapeRules.h"
#include "ir/shape_rules/DimArithmetic.h"
#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

TEST(InferShapesPassTest, SmallCnnEndToEnd) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[batch,3,32,32]");
  Value* conv = g.node("Conv", {x, g.floats({16, 3, 3, 3}), g.floats({16})},
                       attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* bn = g.node("BatchNormalization",
                     {conv, g.floats({16}), g.floats({16}), g.floats({16}), g.floats({16})});
  Value* relu = g.node("Relu", {bn});
  Value* pool =
      g.node("MaxPool", {relu}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  Value* gap = g.node("GlobalAveragePool", {pool});
  Value* flat = g.node("Flatten", {gap});
  Value* fc =
      g.node("Gemm", {flat, g.floats({10, 16}), g.floats({10})}, attrs({{"transB", int64_t{1}}}));
  Value* prob = g.node("Softmax", {fc});
  g.graph.outputs.push_back(prob);
  ASSERT_TRUE(g.infer().is_ok());
  EXPECT_EQ(pool->type.to_string(), "f32[batch,16,16,16]");
  EXPECT_EQ(flat->type.to_string(), "f32[batch,16]");
  EXPECT_EQ(prob->type.to_string(), "f32[batch,10]");
  EXPECT_FALSE(prob->known_dims.has_value());
}

TEST(InferShapesPassTest, ErrorsNameTheNode) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[1,4,8,8]");
  Value* out = g.graph.add_value("y");
  g.graph.add_node("stem/conv1", "Conv", {x, g.floats({8, 3, 3, 3})}, {out});
  Status status = g.infer();
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.error().node, "stem/conv1");
  EXPECT_THAT(status.error().message,
              HasSubstr("Conv weight expects 3 input channels per group but input has 4"));
}

TEST(InferShapesPassTest, UntypedGraphInputIsAnError) {
  ShapeTestGraph g;
  Value* x = g.graph.add_value("x");
  g.graph.inputs.push_back(x);
  g.node("Relu", {x});
  Status status = g.infer();
  ASSERT_FALSE(status.is_ok());
  EXPECT_THAT(status.error().message, HasSubstr("graph input 'x' has no known type"));
}

TEST(InferShapesPassTest, ArityAndUnknownOpErrors) {
  ShapeTestGraph g;
  Value* x = g.input("x", "f32[2]");
  g.node("Add", {x});
  EXPECT_THAT(g.infer().error().message, HasSubstr("Add takes 2 inputs but has 1"));

  ShapeContext ctx;
  ctx.op = "NoSuchOp";
  EXPECT_THAT(infer_output_types(ctx).error().message,
              HasSubstr("no shape rule for op 'NoSuchOp'"));
}

TEST(InferShapesPassTest, ContextGivesIntegerConstantsKnownDims) {
  ShapeTestGraph g;
  Value* c = g.ints({2, -1});
  Value* out = g.node("Reshape", {g.input("x", "f32[4,3]"), c});
  ShapeContext ctx = make_shape_context(*out->producer);
  ASSERT_NE(ctx.input_known_dims[1], nullptr);
  EXPECT_EQ((*ctx.input_known_dims[1])[1].value, -1);
  ShapeContext copy = ctx;  // known dims stay valid in copies
  EXPECT_EQ((*copy.input_known_dims[1])[0], Dim::known(2));
}

TEST(DimArithmeticTest, IdentitiesAndExpressions) {
  Dim batch = Dim::symbolic("batch");
  EXPECT_EQ(multiply_dims(batch, Dim::known(1)), batch);
  EXPECT_EQ(add_dims(batch, Dim::known(0)), batch);
  EXPECT_EQ(multiply_dims(batch, Dim::known(4)).symbol, "batch*4");
  EXPECT_EQ(multiply_dims(Dim::known(4), batch).symbol, "batch*4");
  EXPECT_EQ(divide_dims(Dim::symbolic("batch*8"), Dim::known(2)).symbol, "batch*4");
  EXPECT_EQ(divide_dims(Dim::symbolic("batch*4"), batch), Dim::known(4));
  EXPECT_EQ(subtract_dims(batch, batch), Dim::known(0));
  EXPECT_EQ(add_dims(batch, batch).symbol, "batch*2");
  EXPECT_EQ(subtract_dims(Dim::symbolic("h"), Dim::symbolic("a+b")).symbol, "h-(a+b)");
  EXPECT_EQ(divide_dims(Dim::symbolic("h-3"), Dim::known(2)).symbol, "(h-3)/2");
  EXPECT_EQ(multiply_dims(Dim::symbolic("h+1"), Dim::known(2)).symbol, "(h+1)*2");
  EXPECT_EQ(product_of_dims({batch, Dim::known(2), Dim::symbolic("c*3")}).symbol, "batch*c*6");
  EXPECT_EQ(divide_dims(Dim::known(7), Dim::known(2)), Dim::known(3));
}

TEST(DimArithmeticTest, Broadcasting) {
  Dim a = Dim::symbolic("a");
  EXPECT_EQ(*broadcast_dims(a, Dim::known(1)), a);
  EXPECT_EQ(*broadcast_dims(a, Dim::known(5)), Dim::known(5));
  EXPECT_FALSE(broadcast_dims(Dim::known(2), Dim::known(3)).has_value());
  EXPECT_EQ(broadcast_dims(a, Dim::symbolic("b"))->symbol, "max(a,b)");
}

}  // namespace
}  // namespace kiln::testing
