// HalideElementwiseTest.cpp: the JIT against the reference for the per-element ops, broadcasting,
// BatchNormalization, Softmax, the reductions and ArgMax/ArgMin (one JIT compile per group of ops).
#include <cmath>

#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

// Every one-input math op and activation of LowerUnaryMath.cpp against the reference; inputs in
// (0.1, 0.9) keep Log, Sqrt, Asin, Acos and Atanh in their domains (Acosh reads 1 + x).
TEST(HalideElementwise, UnaryMathAndActivationsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* wide = b.input("wide", static_shape({2, 3, 4, 5}));
  for (const char* op : {"Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Sin", "Cos", "Tan", "Asin",
                         "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Atanh"})
    b.output(b.node(op, std::string(op) + "_x", {x}));
  Value* one = b.constant("one", make_float_tensor({}, {1.0f}));
  b.output(b.node("Acosh", "acosh", {b.node("Add", "one_plus", {x, one})}));
  for (const char* op :
       {"Abs", "Neg", "Sign", "Floor", "Ceil", "Round", "HardSwish", "Softplus", "Softsign", "Mish",
        "Selu", "Celu", "HardSigmoid", "ThresholdedRelu", "Shrink", "Gelu"})
    b.output(b.node(op, std::string(op) + "_wide", {wide}));
  b.output(b.node("Gelu", "gelu_tanh", {wide}, attrs({{"approximate", std::string("tanh")}})));
  b.output(b.node("Shrink", "shrink_biased", {wide}, attrs({{"lambd", 1.0}, {"bias", 0.5}})));
  b.output(b.node("Celu", "celu_half", {wide}, attrs({{"alpha", 0.5}})));
  expect_matches_reference(graph, {{random_tensor({2, 3, 4, 5}, 41, 0.1f, 0.9f),
                                    random_tensor({2, 3, 4, 5}, 42, -4.f, 4.f)}});
}

// The binary ops of LowerBinary.cpp against the reference, broadcasting, on floats and on
// integers (cast from scaled floats); comparisons give bool graph outputs and feed Where and Cast.
TEST(HalideElementwise, BinaryComparisonsAndWhereMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* row = b.input("row", static_shape({5}));
  Value* positive = b.input("positive", static_shape({3, 1, 1}));
  b.output(b.node("Pow", "pow", {positive, row}));
  b.output(b.node("Min", "min", {x, row}));
  b.output(b.node("Max", "max", {row, x}));
  b.output(b.node("Mod", "fmod", {x, positive}, attrs({{"fmod", int64_t{1}}})));
  Value* ten = b.constant("ten", make_float_tensor({}, {10.0f}));
  Value* xi =
      b.node("Cast", "xi", {b.node("Mul", "x10", {x, ten})}, attrs({{"to", std::string("i32")}}));
  Value* ri =
      b.node("Cast", "ri", {b.node("Mul", "r10", {row, ten})}, attrs({{"to", std::string("i32")}}));
  Value* three =
      b.constant("three", Tensor{DType::Int32, {}, TensorData::copy_of("\x03\0\0\0", 4)});
  Value* minus_three = b.constant(
      "minus_three", Tensor{DType::Int32, {}, TensorData::copy_of("\xfd\xff\xff\xff", 4)});
  b.output(b.node("Mod", "mod_int", {xi, three}));
  b.output(b.node("Mod", "mod_int_negative", {xi, minus_three}));
  b.output(b.node("Mod", "fmod_int", {xi, minus_three}, attrs({{"fmod", int64_t{1}}})));
  b.output(b.node("Pow", "pow_int", {ri, b.constant("two", make_float_tensor({}, {2.0f}))}));
  b.output(b.node("Max", "max_int", {xi, ri}));
  b.output(b.node("Min", "min_int", {xi, ri}));
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    b.output(b.node(op, std::string(op) + "_float", {x, row}));
    b.output(b.node(op, std::string(op) + "_int", {xi, ri}));
  }
  Value* less = b.node("Less", "less", {x, row});
  b.output(b.node("Where", "where", {less, x, b.constant("zero", make_float_tensor({}, {0.0f}))}));
  b.output(b.node("Cast", "less_as_float", {less}, attrs({{"to", std::string("f32")}})));
  b.output(b.node("Where", "where_int", {less, xi, ri}));
  Value* greater =
      b.node("Greater", "greater", {x, b.constant("half", make_float_tensor({}, {0.5f}))});
  b.output(b.node("And", "and", {less, greater}));
  b.output(b.node("Or", "or", {less, greater}));
  b.output(b.node("Xor", "xor", {less, greater}));
  b.output(b.node("Not", "not", {less}));
  b.output(b.node("Where", "where_not", {b.node("Not", "not2", {greater}), x, row}));
  expect_matches_reference(
      graph, {{random_tensor({2, 3, 4, 5}, 51, -2.f, 2.f), random_tensor({5}, 52, -2.f, 2.f),
               random_tensor({3, 1, 1}, 53, 0.5f, 1.5f)}});
}

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

TEST(HalideReductions, EveryKindAndArgExtremesMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 4, 3, 5}));
  Value* ties = b.input("ties", static_shape({2, 4, 3, 5}));
  for (const char* op : {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                         "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    const std::string name(op);
    b.output(b.node(op, name + "_hw", {x}, attrs({{"axes", std::vector<int64_t>{2, 3}}})));
    b.output(b.node(op, name + "_c", {x},
                    attrs({{"axes", std::vector<int64_t>{-3}}, {"keepdims", int64_t{0}}})));
    b.output(b.node(op, name + "_all", {x}));
  }
  for (const char* op : {"ArgMax", "ArgMin"})
    for (int64_t last : {0, 1}) {
      const std::string name = std::string(op) + (last ? "_last" : "_first");
      b.output(
          b.node(op, name, {ties}, attrs({{"axis", int64_t{1}}, {"select_last_index", last}})));
      b.output(b.node(
          op, name + "_flat", {ties},
          attrs({{"axis", int64_t{-1}}, {"keepdims", int64_t{0}}, {"select_last_index", last}})));
    }
  // Positive values keep ReduceLogSum finite and ReduceProd in range; `ties` holds small
  // integers, so extremes repeat and select_last_index matters.
  const Tensor spread = random_tensor({2, 4, 3, 5}, 6, 0.0f, 3.0f);
  const float* s = reinterpret_cast<const float*>(spread.data.data());
  std::vector<float> small_integers(s, s + spread.element_count());
  for (float& v : small_integers) v = std::floor(v);
  expect_matches_reference(graph, {{random_tensor({2, 4, 3, 5}, 5, 0.5f, 1.5f),
                                    make_float_tensor({2, 4, 3, 5}, small_integers)}});
}

}  // namespace
}  // namespace kiln::halide_test
