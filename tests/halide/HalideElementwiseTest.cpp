// HalideElementwiseTest.cpp: the JIT against the reference for the per-element ops (activations,
// the unary math ops, integer Abs/Neg/Sign), broadcasting,
// BatchNormalization, Softmax and ReduceMean (one JIT compile per group of ops).
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

TEST(HalideElementwise, ActivationsArithmeticAndCastMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* row = b.input("row", static_shape({5}));
  Value* per_channel = b.constant("per_channel", random_tensor({3, 1, 1}, 7));
  Value* scalar = b.constant("scalar", make_float_tensor({}, {0.75f}));
  Value* divisor = b.constant("divisor", random_tensor({4, 1}, 8, 0.5f, 1.5f));
  b.output(b.node("Relu", "relu", {x}));
  b.output(b.node("LeakyRelu", "leaky", {x}, attrs({{"alpha", 0.2}})));
  b.output(b.node("Sigmoid", "sigmoid", {x}));
  b.output(b.node("Tanh", "tanh", {x}));
  b.output(b.node("Clip", "clip", {x}, attrs({{"min", -0.5}, {"max", 0.25}})));
  b.output(b.node("Clip", "clip_low", {x}, attrs({{"min", 0.0}})));
  b.output(b.node("Add", "add", {x, per_channel}));
  b.output(b.node("Sub", "sub", {x, row}));
  b.output(b.node("Mul", "mul", {scalar, x}));
  b.output(b.node("Div", "div", {x, divisor}));
  Value* scaled = b.node("Mul", "scaled", {x, b.constant("ten", make_float_tensor({}, {10.0f}))});
  b.output(b.node("Cast", "to_int", {scaled}, attrs({{"to", std::string("i32")}})));
  b.output(b.node("Identity", "identity", {x}));
  b.output(b.node("Dropout", "dropout", {b.node("Relu", "relu2", {x})}));
  expect_matches_reference(graph, {{random_tensor({2, 3, 4, 5}, 1), random_tensor({5}, 2)}});
}

TEST(HalideElementwise, UnaryMathAndActivationsMatchReference) {
  // Inputs inside every op's domain: (-0.9, 0.9) for Asin/Acos/Atanh, (1.1, 4) for Acosh,
  // (0.1, 4) for Log/Sqrt, and (-3, 3) with halves for Round.
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* unit = b.input("unit", static_shape({2, 3, 4, 5}));
  Value* above_one = b.input("above_one", static_shape({2, 3, 4, 5}));
  Value* positive = b.input("positive", static_shape({2, 3, 4, 5}));
  Value* halves = b.input("halves", static_shape({8}));
  for (const char* op :
       {"Abs", "Neg", "Sign", "Exp", "Floor", "Ceil", "Erf", "Sin", "Cos", "Tan", "Atan", "Sinh",
        "Cosh", "Asinh", "Softplus", "Softsign", "Mish", "HardSwish", "Reciprocal"})
    b.output(b.node(op, std::string("x_") + op, {x}));
  for (const char* op : {"Asin", "Acos", "Atanh"})
    b.output(b.node(op, std::string("u_") + op, {unit}));
  b.output(b.node("Acosh", "acosh", {above_one}));
  for (const char* op : {"Log", "Sqrt"}) b.output(b.node(op, std::string("p_") + op, {positive}));
  b.output(b.node("Round", "round", {halves}));
  b.output(b.node("Round", "round_x", {x}));
  b.output(b.node("HardSigmoid", "hard_sigmoid", {x}, attrs({{"alpha", 0.3}, {"beta", 0.4}})));
  b.output(b.node("Selu", "selu", {x}));
  b.output(b.node("Celu", "celu", {x}, attrs({{"alpha", 2.0}})));
  b.output(b.node("ThresholdedRelu", "thresholded", {x}, attrs({{"alpha", 0.5}})));
  b.output(b.node("Shrink", "shrink", {x}, attrs({{"bias", 0.25}, {"lambd", 0.75}})));
  b.output(b.node("Gelu", "gelu", {x}));
  b.output(b.node("Gelu", "gelu_tanh", {x}, attrs({{"approximate", std::string("tanh")}})));
  expect_matches_reference(
      graph,
      {{random_tensor({2, 3, 4, 5}, 1, -3.0f, 3.0f), random_tensor({2, 3, 4, 5}, 2, -0.9f, 0.9f),
        random_tensor({2, 3, 4, 5}, 3, 1.1f, 4.0f), random_tensor({2, 3, 4, 5}, 4, 0.1f, 4.0f),
        make_float_tensor({8}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.49f, -0.51f})}});
}

TEST(HalideElementwise, IntegerAbsNegSignMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({7}), DType::Int32);
  for (const char* op : {"Abs", "Neg", "Sign"}) b.output(b.node(op, op, {x}));
  const std::vector<int32_t> data = {-5, -1, 0, 1, 9, -2147483647, 2147483647};
  Tensor values{DType::Int32, {7}, TensorData::copy_of(data.data(), data.size() * sizeof(int32_t))};
  expect_matches_reference(graph, {{values}});
}

TEST(HalideElementwise, BatchNormSoftmaxReduceMeanMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 4, 3, 5}));
  Value* scale = b.constant("scale", random_tensor({4}, 11));
  Value* bias = b.constant("bias", random_tensor({4}, 12));
  Value* mean = b.constant("mean", random_tensor({4}, 13));
  Value* var = b.constant("var", random_tensor({4}, 14, 0.5f, 2.0f));
  b.output(
      b.node("BatchNormalization", "bn", {x, scale, bias, mean, var}, attrs({{"epsilon", 1e-3}})));
  b.output(b.node("Softmax", "softmax_last", {x}));
  b.output(b.node("Softmax", "softmax_channels", {x}, attrs({{"axis", int64_t{1}}})));
  b.output(b.node("ReduceMean", "mean_hw", {x}, attrs({{"axes", std::vector<int64_t>{2, 3}}})));
  b.output(b.node("ReduceMean", "mean_c_flat", {x},
                  attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}})));
  b.output(b.node("ReduceMean", "mean_all", {x}, attrs({{"keepdims", int64_t{0}}})));
  expect_matches_reference(graph, {{random_tensor({2, 4, 3, 5}, 3, -3.0f, 3.0f)}});
}

}  // namespace
}  // namespace kiln::halide_test
