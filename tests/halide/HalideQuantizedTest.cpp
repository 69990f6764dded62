// HalideQuantizedTest.cpp: the Halide lowerings of the quantized ops (per-tensor and per-axis
// parameters, grouped and padded integer convolutions, batched integer matmuls with per-row and
// per-column zero points) and of the losses (every reduction, weights, ignore_index) against the
// reference interpreter. Integer outputs must match exactly (the tolerance of
// expect_matches_reference is far below one step).
#include "tests/backends/ReferenceTestUtil.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using kiln::testing::typed_tensor;

// Deterministic integers in [lo, hi] as a tensor of `dtype`.
Tensor integer_tensor(DType dtype, const std::vector<int64_t>& dims, int64_t lo, int64_t hi,
                      uint32_t seed) {
  const Tensor uniform = random_tensor(dims, seed, 0.0f, 1.0f);
  std::vector<int64_t> values;
  for (int64_t i = 0; i < uniform.element_count(); ++i)
    values.push_back(lo + int64_t(uniform.element_as_double(i) * double(hi - lo + 1)));
  return typed_tensor(dtype, dims, values);
}

TEST(HalideQuantized, QuantizeAndDequantizeMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* scale = b.constant("scale", make_float_tensor({}, {0.02f}));
  Value* scales = b.constant("scales", make_float_tensor({3}, {0.01f, 0.05f, 0.003f}));
  Value* zero = b.constant("zero", typed_tensor(DType::UInt8, {}, {128}));
  Value* zeros = b.constant("zeros", typed_tensor(DType::Int8, {3}, {-5, 0, 17}));
  Value* q = b.node("QuantizeLinear", "q", {x, scale, zero}, attrs({{"to", std::string("u8")}}));
  Value* q_axis = b.node("QuantizeLinear", "q_axis", {x, scales, zeros},
                         attrs({{"to", std::string("i8")}, {"axis", int64_t{1}}}));
  Value* q_default =
      b.node("QuantizeLinear", "q_default", {x, scale}, attrs({{"to", std::string("u8")}}));
  b.output(q);
  b.output(q_axis);
  b.output(q_default);
  b.output(b.node("DequantizeLinear", "dq", {q, scale, zero}, attrs({{"to", std::string("f32")}})));
  b.output(b.node("DequantizeLinear", "dq_axis", {q_axis, scales, zeros},
                  attrs({{"to", std::string("f32")}, {"axis", int64_t{-3}}})));
  // Values on rounding ties (x / scale = k + 0.5) round to even in both backends.
  std::vector<float> ties;
  for (int i = 0; i < 120; ++i) ties.push_back((float(i - 60) + 0.5f) * 0.02f);
  expect_matches_reference(graph, {{random_tensor({2, 3, 4, 5}, 11, -3.0f, 3.0f)},
                                   {make_float_tensor({2, 3, 4, 5}, ties)}});
}

TEST(HalideQuantized, DynamicQuantizeLinearMatchesReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({3, 7}));
  Value* y = graph.add_value("y");
  Value* scale = graph.add_value("scale");
  Value* zero = graph.add_value("zero");
  graph.add_node("dql", "DynamicQuantizeLinear", {x}, {y, scale, zero},
                 attrs({{"to", std::string("u8")}}));
  for (Value* v : {y, scale, zero}) b.output(v);
  expect_matches_reference(graph, {{random_tensor({3, 7}, 12, -1.0f, 4.0f)},
                                   {random_tensor({3, 7}, 13, 0.5f, 2.0f)},
                                   {make_float_tensor({3, 7}, std::vector<float>(21, 0.0f))}});
}

TEST(HalideQuantized, IntegerConvolutionsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 4, 7, 6}), DType::UInt8);
  Value* w = b.constant("w", integer_tensor(DType::Int8, {6, 2, 3, 3}, -100, 100, 14));
  Value* x_zero = b.constant("x_zero", typed_tensor(DType::UInt8, {}, {120}));
  Value* w_zeros = b.constant("w_zeros", typed_tensor(DType::Int8, {6}, {0, 1, -2, 3, 0, 5}));
  Value* x_scale = b.constant("x_scale", make_float_tensor({}, {0.05f}));
  Value* w_scales =
      b.constant("w_scales", make_float_tensor({6}, {0.01f, 0.02f, 0.005f, 0.03f, 0.01f, 0.008f}));
  Value* y_scale = b.constant("y_scale", make_float_tensor({}, {0.4f}));
  Value* y_zero = b.constant("y_zero", typed_tensor(DType::Int8, {}, {-7}));
  Value* bias = b.constant("bias", typed_tensor(DType::Int32, {6}, {100, -2000, 0, 5, 77, -1}));
  const Attributes conv = attrs({{"group", int64_t{2}},
                                 {"pads", std::vector<int64_t>{1, 0, 1, 2}},
                                 {"strides", std::vector<int64_t>{2, 1}},
                                 {"dilations", std::vector<int64_t>{1, 2}}});
  Attributes integer = conv, requantized = conv;
  integer.set("to", std::string("i32"));
  requantized.set("to", std::string("i8"));
  b.output(b.node("ConvInteger", "conv_integer", {x, w, x_zero, w_zeros}, integer));
  b.output(b.node("QLinearConv", "qlinear_conv",
                  {x, x_scale, x_zero, w, w_scales, w_zeros, y_scale, y_zero, bias}, requantized));
  expect_matches_reference(graph, {{integer_tensor(DType::UInt8, {1, 4, 7, 6}, 0, 255, 15)}});
}

TEST(HalideQuantized, IntegerMatMulsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* a = b.input("a", static_shape({2, 3, 5}), DType::Int8);
  Value* m = b.input("m", static_shape({5, 4}), DType::Int8);
  Value* row_zeros = b.constant("row_zeros", typed_tensor(DType::Int8, {3}, {1, -2, 0}));
  Value* column_zeros = b.constant("column_zeros", typed_tensor(DType::Int8, {4}, {3, 0, -1, 9}));
  Value* scale = b.constant("scale", make_float_tensor({}, {0.03f}));
  Value* zero = b.constant("zero", typed_tensor(DType::Int8, {}, {2}));
  Value* y_zero = b.constant("y_zero", typed_tensor(DType::UInt8, {}, {128}));
  b.output(b.node("MatMulInteger", "matmul_integer", {a, m, row_zeros, column_zeros},
                  attrs({{"to", std::string("i32")}})));
  b.output(b.node("QLinearMatMul", "qlinear_matmul",
                  {a, scale, zero, m, scale, zero, scale, y_zero},
                  attrs({{"to", std::string("u8")}})));
  expect_matches_reference(graph, {{integer_tensor(DType::Int8, {2, 3, 5}, -128, 127, 16),
                                    integer_tensor(DType::Int8, {5, 4}, -128, 127, 17)}});
}

TEST(HalideLosses, NegativeLogLikelihoodAndSoftmaxCrossEntropyMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* scores = b.input("scores", static_shape({3, 5, 2, 2}));
  Value* target = b.input("target", static_shape({3, 2, 2}), DType::Int64);
  Value* weights = b.constant("weights", make_float_tensor({5}, {0.5f, 1.0f, 2.0f, 0.1f, 1.5f}));
  int count = 0;
  for (const char* reduction : {"none", "sum", "mean"})
    for (bool weighted : {false, true})
      for (bool ignore : {false, true}) {
        Attributes a = attrs({{"reduction", std::string(reduction)}});
        if (ignore) a.set("ignore_index", int64_t{2});
        std::vector<Value*> inputs = {scores, target};
        if (weighted) inputs.push_back(weights);
        const std::string name = "loss" + std::to_string(count++);
        b.output(b.node("NegativeLogLikelihoodLoss", "nll_" + name, inputs, a));
        Value* loss = graph.add_value("sce_" + name);
        Value* log_prob = graph.add_value("sce_" + name + "_log_prob");
        graph.add_node("sce_" + name + "_node", "SoftmaxCrossEntropyLoss", inputs, {loss, log_prob},
                       a);
        b.output(loss);
        b.output(log_prob);
      }
  expect_matches_reference(
      graph, {{random_tensor({3, 5, 2, 2}, 18, -3.0f, 0.0f),
               typed_tensor(DType::Int64, {3, 2, 2}, {0, 2, 4, 1, 2, 2, 3, 0, 1, 4, 2, 3})}});
}

}  // namespace
}  // namespace kiln::halide_test
