// OpTableRows.cpp: the rows of the op table (OpTable.h), one per ir/Ops.def op. Inputs are
// deterministic (fixed seeds); value ranges keep each op inside its domain (Log of positives,
// Acosh of values >= 1) and integer-valued where equality matters (comparisons).
#include <limits>

#include "tests/backends/ReferenceTestUtil.h"
#include "tests/halide/HalideTestUtil.h"
#include "tests/halide/OpTable.h"

namespace kiln::halide_test {
namespace {

using kiln::testing::typed_tensor;
using Ints = std::vector<int64_t>;

Operand in(Tensor t) {
  return {Operand::kInput, std::move(t)};
}
Operand k(Tensor t) {
  return {Operand::kConstant, std::move(t)};
}

Tensor f32(const Dims& dims, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  return random_tensor(dims, seed, lo, hi);
}
Tensor i64(const Dims& dims, const Ints& values) {
  return make_int64_tensor(dims, values);
}
Tensor scalar(float v) {
  return make_float_tensor({}, {v});
}
// Deterministic integers in [lo, hi] as a tensor of `dtype`.
Tensor integers(DType dtype, const Dims& dims, int64_t lo, int64_t hi, uint32_t seed) {
  const Tensor uniform = random_tensor(dims, seed, 0.0f, 1.0f);
  Ints values;
  for (int64_t i = 0; i < uniform.element_count(); ++i)
    values.push_back(lo + int64_t(uniform.element_as_double(i) * double(hi - lo + 1)));
  return typed_tensor(dtype, dims, values);
}
Tensor u8(const Dims& dims, const Ints& values) {
  return typed_tensor(DType::UInt8, dims, values);
}

const Dims kImage = {2, 3, 4, 5};

// A one-input elementwise case on kImage, values in [lo, hi].
std::vector<OpCase> unary(float lo, float hi, Attributes a = {}) {
  return {{{in(f32(kImage, 1, lo, hi))}, std::move(a), {kImage}}};
}
// A broadcast case: a 4-D input and a per-channel operand (a conv epilogue's shape).
std::vector<OpCase> binary(float lo, float hi, Attributes a = {}) {
  return {{{in(f32(kImage, 2, -2, 2)), k(f32({3, 1, 1}, 3, lo, hi))}, a, {kImage}},
          {{in(f32({4, 1}, 4, -2, 2)), in(f32({2, 1, 5}, 5, lo, hi))}, a, {{2, 4, 5}}}};
}
// A comparison on integer-valued floats (so equal elements occur).
std::vector<OpCase> comparison() {
  return {
      {{in(integers(DType::Int32, {3, 4}, -2, 2, 6)), in(integers(DType::Int32, {4}, -2, 2, 7))},
       {},
       {{3, 4}}},
      {{in(f32({2, 3}, 8)), k(scalar(0.25f))}, {}, {{2, 3}}}};
}
std::vector<OpCase> logical() {
  return {{{in(integers(DType::Bool, {2, 3}, 0, 1, 9)), in(integers(DType::Bool, {3}, 0, 1, 10))},
           {},
           {{2, 3}}}};
}
std::vector<OpCase> reduction(float lo, float hi) {
  return {{{in(f32({2, 3, 4}, 11, lo, hi))}, attrs({{"axes", Ints{1}}}), {{2, 1, 4}}},
          {{in(f32({2, 3, 4}, 12, lo, hi))},
           attrs({{"axes", Ints{0, -1}}, {"keepdims", int64_t{0}}}),
           {{3}}},
          {{in(f32({2, 3}, 13, lo, hi))}, attrs({{"keepdims", int64_t{0}}}), {{}}}};
}
std::vector<OpCase> arg_reduction() {
  return {{{in(f32({3, 5}, 14))}, attrs({{"axis", int64_t{1}}, {"keepdims", int64_t{0}}}), {{3}}},
          {{in(integers(DType::Int32, {4, 3}, 0, 2, 15))},
           attrs({{"axis", int64_t{0}}, {"select_last_index", int64_t{1}}}),
           {{1, 3}}}};
}

Attributes conv_attrs() {
  return attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 1}}});
}
Attributes pool_attrs() {
  return attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}});
}
Attributes with(Attributes a, const std::string& name, AttributeValue value) {
  a.set(name, std::move(value));
  return a;
}

// MaxPool 2x2/2 indices into a [1, 2, 6, 4] tensor: each window's top-left element.
Tensor unpool_indices() {
  Ints values;
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 2; ++j) values.push_back(c * 24 + 2 * i * 4 + 2 * j);
  return i64({1, 2, 3, 2}, values);
}

Attributes to(const char* dtype) {
  return attrs({{"to", std::string(dtype)}});
}

// The rows: every op of ir/Ops.def, by name.
std::map<std::string, std::vector<OpCase>> build_op_table() {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor specials = make_float_tensor({2, 4}, {1, -inf, nan, 0, inf, -2.5f, nan, 3});
  std::map<std::string, std::vector<OpCase>> t;
  // Windows.
  t["Conv"] = {{{in(f32({1, 3, 7, 6}, 20)), k(f32({4, 3, 3, 3}, 21)), k(f32({4}, 22))},
                conv_attrs(),
                {{1, 4, 4, 6}}},
               {{in(f32({1, 4, 5, 5}, 23)), k(f32({4, 2, 3, 3}, 24))},
                attrs({{"group", int64_t{2}}, {"dilations", Ints{2, 1}}}),
                {{1, 4, 1, 3}}}};
  t["MaxPool"] = {
      {{in(f32({1, 2, 7, 6}, 25))}, pool_attrs(), {{1, 2, 4, 3}}},
      {{in(f32({1, 2, 5, 5}, 26))},
       attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}),
       {{1, 2, 3, 3}}}};
  t["AveragePool"] = {{{in(f32({1, 2, 7, 6}, 27))}, pool_attrs(), {{1, 2, 4, 3}}},
                      {{in(f32({1, 2, 7, 6}, 28))},
                       with(pool_attrs(), "count_include_pad", int64_t{1}),
                       {{1, 2, 4, 3}}}};
  t["GlobalAveragePool"] = {{{in(f32(kImage, 29))}, {}, {{2, 3, 1, 1}}}};
  t["GlobalMaxPool"] = {{{in(f32(kImage, 30))}, {}, {{2, 3, 1, 1}}}};
  t["LpPool"] = {{{in(f32({1, 2, 6, 5}, 31))},
                  attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"p", int64_t{3}}}),
                  {{1, 2, 3, 2}}}};
  t["MaxPoolIndices"] = {{{in(f32({1, 2, 6, 5}, 32))},
                          attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}),
                          {{1, 2, 3, 2}}},
                         {{in(f32({1, 2, 6, 5}, 33))},
                          attrs({{"kernel_shape", Ints{3, 2}}, {"storage_order", int64_t{1}}}),
                          {{1, 2, 4, 4}}}};
  t["MaxUnpool"] = {{{in(f32({1, 2, 3, 2}, 34)), k(unpool_indices())},
                     attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}),
                     {{1, 2, 6, 4}}}};
  t["Resize"] = {
      {{in(f32({1, 2, 4, 5}, 35))},
       attrs({{"mode", std::string("linear")}, {"scales", std::vector<double>{1, 1, 2, 1.5}}}),
       {{1, 2, 8, 7}}},
      {{in(f32({1, 2, 4, 5}, 36))},
       attrs({{"mode", std::string("nearest")},
              {"coordinate_transformation_mode", std::string("asymmetric")},
              {"nearest_mode", std::string("floor")},
              {"scales", std::vector<double>{1, 1, 0.5, 2}}}),
       {{1, 2, 2, 10}}},
      {{in(f32({1, 2, 4, 5}, 37))},
       attrs({{"mode", std::string("cubic")}, {"sizes", Ints{1, 2, 3, 7}}}),
       {{1, 2, 3, 7}}}};
  t["ConvTranspose"] = {{{in(f32({1, 4, 3, 5}, 38)), k(f32({4, 2, 3, 3}, 39)), k(f32({4}, 40))},
                         attrs({{"group", int64_t{2}},
                                {"strides", Ints{2, 2}},
                                {"pads", Ints{1, 1, 1, 1}},
                                {"output_padding", Ints{1, 0}}}),
                         {{1, 4, 6, 9}}}};
  // Activations and unary math (Elementwise).
  t["Relu"] = unary(-2, 2);
  t["LeakyRelu"] = unary(-2, 2, attrs({{"alpha", 0.2}}));
  t["Elu"] = unary(-2, 2, attrs({{"alpha", 0.7}}));
  t["Sigmoid"] = unary(-4, 4);
  t["Tanh"] = unary(-3, 3);
  t["Clip"] = unary(-2, 2, attrs({{"min", -0.5}, {"max", 0.25}}));
  t["Clip"].push_back({{in(f32({3, 4}, 41)), k(scalar(-0.3f)), k(scalar(0.6f))}, {}, {{3, 4}}});
  t["Abs"] = unary(-2, 2);
  t["Neg"] = unary(-2, 2);
  t["Sign"] = unary(-2, 2);
  t["Sign"].push_back({{in(integers(DType::Int32, {2, 3}, -3, 3, 42))}, {}, {{2, 3}}});
  t["Exp"] = unary(-3, 3);
  t["Log"] = unary(0.1f, 5);
  t["Sqrt"] = unary(0, 5);
  t["Reciprocal"] = unary(0.2f, 3);
  t["Floor"] = unary(-3, 3);
  t["Ceil"] = unary(-3, 3);
  t["Round"] = unary(-3, 3);
  t["Round"].push_back(
      {{in(make_float_tensor({6}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}))}, {}, {{6}}});
  t["Erf"] = unary(-2, 2);
  t["Sin"] = unary(-3, 3);
  t["Cos"] = unary(-3, 3);
  t["Tan"] = unary(-1.2f, 1.2f);
  t["Asin"] = unary(-0.95f, 0.95f);
  t["Acos"] = unary(-0.95f, 0.95f);
  t["Atan"] = unary(-3, 3);
  t["Sinh"] = unary(-3, 3);
  t["Cosh"] = unary(-3, 3);
  t["Asinh"] = unary(-3, 3);
  t["Acosh"] = unary(1, 4);
  t["Atanh"] = unary(-0.95f, 0.95f);
  t["Selu"] = unary(-2, 2, attrs({{"alpha", 1.5}, {"gamma", 1.1}}));
  t["Celu"] = unary(-2, 2, attrs({{"alpha", 0.5}}));
  t["HardSigmoid"] = unary(-4, 4, attrs({{"alpha", 0.3}, {"beta", 0.4}}));
  t["HardSwish"] = unary(-4, 4);
  t["Softplus"] = unary(-3, 3);
  t["Softsign"] = unary(-3, 3);
  t["ThresholdedRelu"] = unary(-2, 2, attrs({{"alpha", 0.5}}));
  t["Shrink"] = unary(-2, 2, attrs({{"lambd", 0.7}, {"bias", 0.2}}));
  t["Mish"] = unary(-3, 3);
  t["Gelu"] = unary(-3, 3);
  t["Gelu"].push_back(unary(-3, 3, attrs({{"approximate", std::string("tanh")}}))[0]);
  t["Dropout"] = unary(-2, 2);
  t["Identity"] = unary(-2, 2);
  t["IsNaN"] = {{{in(specials)}, {}, {{2, 4}}}};
  t["IsInf"] = {{{in(specials)}, {}, {{2, 4}}},
                {{in(specials)}, attrs({{"detect_positive", int64_t{0}}}), {{2, 4}}}};
  t["Not"] = {{{in(integers(DType::Bool, {2, 3}, 0, 1, 43))}, {}, {{2, 3}}}};
  t["Cast"] = {{{in(f32({2, 3}, 44, -50, 50))}, to("i32"), {{2, 3}}},
               {{in(integers(DType::Int64, {2, 3}, -9, 9, 45))}, to("f32"), {{2, 3}}}};
  t["BatchNormalization"] = {{{in(f32(kImage, 46)), k(f32({3}, 47)), k(f32({3}, 48)),
                               k(f32({3}, 49)), k(f32({3}, 50, 0.5f, 2))},
                              attrs({{"epsilon", 1e-3}}),
                              {kImage}}};
  t["QuantizeLinear"] = {
      {{in(f32({2, 3, 4}, 51)), k(scalar(0.02f)), k(u8({}, {128}))}, to("u8"), {{2, 3, 4}}},
      {{in(f32({2, 3, 4}, 52)), k(make_float_tensor({3}, {0.01f, 0.05f, 0.003f})),
        k(typed_tensor(DType::Int8, {3}, {-5, 0, 17}))},
       with(to("i8"), "axis", int64_t{1}),
       {{2, 3, 4}}}};
  t["DequantizeLinear"] = {
      {{in(integers(DType::UInt8, {2, 3, 4}, 0, 255, 53)), k(scalar(0.02f)), k(u8({}, {128}))},
       to("f32"),
       {{2, 3, 4}}}};
  // Axis-wise ops (Reduction) and matrix products.
  t["Softmax"] = {{{in(f32({2, 3, 4}, 54))}, attrs({{"axis", int64_t{1}}}), {{2, 3, 4}}}};
  t["LogSoftmax"] = {{{in(f32({2, 3, 4}, 55))}, {}, {{2, 3, 4}}}};
  t["Hardmax"] = {{{in(f32({2, 3, 4}, 56))}, attrs({{"axis", int64_t{1}}}), {{2, 3, 4}}}};
  t["Gemm"] = {{{in(f32({3, 4}, 57)), k(f32({5, 4}, 58)), k(f32({5}, 59))},
                attrs({{"transB", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}}),
                {{3, 5}}}};
  t["MatMul"] = {{{in(f32({2, 3, 4}, 60)), k(f32({4, 5}, 61))}, {}, {{2, 3, 5}}}};
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL1",
                         "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"})
    t[op] = reduction(-2, 2);
  t["ReduceProd"] = reduction(0.5f, 1.5f);
  t["ReduceLogSum"] = reduction(0.1f, 2);
  t["ArgMax"] = arg_reduction();
  t["ArgMin"] = arg_reduction();
  t["CumSum"] = {
      {{in(f32({3, 4}, 62))}, attrs({{"axis", int64_t{1}}, {"exclusive", int64_t{1}}}), {{3, 4}}},
      {{in(f32({3, 4}, 63))}, attrs({{"axis", int64_t{0}}, {"reverse", int64_t{1}}}), {{3, 4}}}};
  t["TopK"] = {{{in(f32({3, 8}, 64))}, attrs({{"k", int64_t{3}}}), {{3, 3}, {3, 3}}},
               {{in(f32({5, 2}, 65))},
                attrs({{"k", int64_t{2}}, {"axis", int64_t{0}}, {"largest", int64_t{0}}}),
                {{2, 2}, {2, 2}}}};
  t["Einsum"] = {{{in(f32({2, 3, 4}, 66)), in(f32({2, 4, 5}, 67))},
                  attrs({{"equation", std::string("bij,bjk->bik")}}),
                  {{2, 3, 5}}},
                 {{in(f32({3, 3}, 68))}, attrs({{"equation", std::string("ii->i")}}), {{3}}}};
  t["InstanceNormalization"] = {
      {{in(f32(kImage, 69)), k(f32({3}, 70)), k(f32({3}, 71))}, {}, {kImage}}};
  t["LayerNormalization"] = {
      {{in(f32({2, 3, 4}, 72)), k(f32({4}, 73)), k(f32({4}, 74))},
       {},
       {{2, 3, 4}, {2, 3, 1}, {2, 3, 1}}},
      {{in(f32({2, 3, 4}, 75)), k(f32({3, 4}, 76))}, attrs({{"axis", int64_t{1}}}), {{2, 3, 4}}}};
  t["LpNormalization"] = {
      {{in(f32({2, 3, 4}, 77))}, attrs({{"axis", int64_t{1}}, {"p", int64_t{1}}}), {{2, 3, 4}}},
      {{in(f32({2, 3, 4}, 78))}, {}, {{2, 3, 4}}}};
  t["LRN"] = {{{in(f32({1, 5, 3, 4}, 79))}, attrs({{"size", int64_t{3}}}), {{1, 5, 3, 4}}},
              {{in(f32({1, 5, 3, 4}, 80))}, attrs({{"size", int64_t{4}}}), {{1, 5, 3, 4}}}};
  t["MeanVarianceNormalization"] = {{{in(f32(kImage, 81))}, {}, {kImage}}};
  t["DynamicQuantizeLinear"] = {{{in(f32({3, 7}, 82, -1, 4))}, to("u8"), {{3, 7}, {}, {}}}};
  t["QLinearConv"] = {
      {{in(integers(DType::UInt8, {1, 2, 5, 5}, 0, 255, 83)), k(scalar(0.05f)), k(u8({}, {120})),
        k(integers(DType::UInt8, {3, 2, 3, 3}, 0, 255, 84)),
        k(make_float_tensor({3}, {0.01f, 0.02f, 0.005f})), k(u8({}, {128})), k(scalar(0.4f)),
        k(u8({}, {100})), k(typed_tensor(DType::Int32, {3}, {100, -2000, 5}))},
       with(to("u8"), "pads", Ints{1, 1, 1, 1}),
       {{1, 3, 5, 5}}}};
  t["QLinearMatMul"] = {{{in(integers(DType::UInt8, {2, 3, 4}, 0, 255, 85)), k(scalar(0.03f)),
                          k(u8({}, {120})), k(integers(DType::UInt8, {4, 5}, 0, 255, 86)),
                          k(scalar(0.004f)), k(u8({}, {130})), k(scalar(0.05f)), k(u8({}, {125}))},
                         to("u8"),
                         {{2, 3, 5}}}};
  t["ConvInteger"] = {
      {{in(integers(DType::UInt8, {1, 2, 5, 5}, 0, 255, 87)),
        k(integers(DType::UInt8, {3, 2, 3, 3}, 0, 255, 88)), k(u8({}, {120})), k(u8({}, {128}))},
       to("i32"),
       {{1, 3, 3, 3}}}};
  t["MatMulInteger"] = {
      {{in(integers(DType::UInt8, {2, 3, 4}, 0, 255, 89)),
        k(integers(DType::UInt8, {4, 5}, 0, 255, 90)), k(u8({}, {120})), k(u8({}, {130}))},
       to("i32"),
       {{2, 3, 5}}}};
  t["NegativeLogLikelihoodLoss"] = {
      {{in(f32({3, 5}, 91)), k(i64({3}, {0, 4, 2}))}, {}, {{}}},
      {{in(f32({3, 5, 2}, 92)), k(i64({3, 2}, {0, 4, 2, 1, 3, 3})), k(f32({5}, 93, 0.5f, 2))},
       attrs({{"reduction", std::string("none")}, {"ignore_index", int64_t{3}}}),
       {{3, 2}}}};
  t["SoftmaxCrossEntropyLoss"] = {
      {{in(f32({3, 5}, 94)), k(i64({3}, {0, 4, 2}))}, {}, {{}, {3, 5}}}};
  // Broadcast ops.
  t["Add"] = binary(-2, 2);
  t["Sub"] = binary(-2, 2);
  t["Mul"] = binary(-2, 2);
  t["Div"] = binary(0.5f, 2);
  t["PRelu"] = binary(-1, 1);
  t["Pow"] = {
      {{in(f32(kImage, 95, 0.2f, 2)), k(make_float_tensor({3, 1, 1}, {2, 3, -1}))}, {}, {kImage}},
      {{in(f32({2, 3}, 96, 0.2f, 2)), in(f32({3}, 97))}, {}, {{2, 3}}}};
  t["Mod"] = {{{in(f32(kImage, 98, -5, 5)), k(f32({3, 1, 1}, 99, 0.5f, 2))},
               attrs({{"fmod", int64_t{1}}}),
               {kImage}},
              {{in(integers(DType::Int32, {2, 3}, -9, 9, 100)),
                k(typed_tensor(DType::Int32, {3}, {4, -3, 5}))},
               {},
               {{2, 3}}}};
  t["Min"] = binary(-2, 2);
  t["Max"] = binary(-2, 2);
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    t[op] = comparison();
  for (const char* op : {"And", "Or", "Xor"}) t[op] = logical();
  t["Where"] = {
      {{in(integers(DType::Bool, {3, 1}, 0, 1, 101)), in(f32({3, 4}, 102)), in(f32({4}, 103))},
       {},
       {{3, 4}}}};
  t["BitShift"] = {
      {{in(integers(DType::UInt8, {2, 6}, 0, 40, 104)), k(u8({6}, {0, 1, 2, 3, 1, 2}))},
       attrs({{"direction", std::string("LEFT")}}),
       {{2, 6}}},
      {{in(integers(DType::UInt8, {2, 6}, 0, 255, 105)), k(u8({}, {3}))},
       attrs({{"direction", std::string("RIGHT")}}),
       {{2, 6}}}};
  // Views and index remaps.
  t["Flatten"] = {{{in(f32(kImage, 106))}, attrs({{"axis", int64_t{2}}}), {{6, 20}}}};
  t["Reshape"] = {{{in(f32({2, 3, 4}, 107)), k(i64({3}, {0, -1, 2}))}, {}, {{2, 6, 2}}}};
  t["Transpose"] = {{{in(f32(kImage, 108))}, attrs({{"perm", Ints{0, 2, 3, 1}}}), {{2, 4, 5, 3}}}};
  t["Concat"] = {{{in(f32({2, 3, 4}, 109)), in(f32({2, 1, 4}, 110)), in(f32({2, 3, 4}, 111))},
                  attrs({{"axis", int64_t{1}}}),
                  {{2, 7, 4}}}};
  t["Squeeze"] = {{{in(f32({1, 3, 1, 2}, 112))}, attrs({{"axes", Ints{0, 2}}}), {{3, 2}}}};
  t["Unsqueeze"] = {{{in(f32({3, 2}, 113))}, attrs({{"axes", Ints{0, 3}}}), {{1, 3, 2, 1}}}};
  t["Shape"] = {
      {{in(f32(kImage, 114))}, attrs({{"start", int64_t{1}}, {"end", int64_t{3}}}), {{2}}}};
  t["Size"] = {{{in(f32({2, 3, 4}, 115))}, {}, {{}}}};
  t["Gather"] = {{{in(f32({4, 5}, 116)), k(i64({2, 3}, {0, -1, 2, 3, 1, -4}))}, {}, {{2, 3, 5}}},
                 {{in(f32({4, 5}, 117)), k(i64({}, {2}))}, attrs({{"axis", int64_t{1}}}), {{4}}}};
  t["Slice"] = {{{in(f32({5, 6, 4}, 118)), k(i64({2}, {4, 1})), k(i64({2}, {0, 6})),
                  k(i64({2}, {0, 1})), k(i64({2}, {-2, 2}))},
                 {},
                 {{2, 3, 4}}}};
  t["Pad"] = {
      {{in(f32({2, 3, 4}, 119))},
       attrs({{"pads", Ints{0, 1, 2, 1, 0, 1}}, {"mode", std::string("reflect")}}),
       {{3, 4, 7}}},
      {{in(f32({2, 3}, 120))}, attrs({{"pads", Ints{1, 0, 0, 2}}, {"value", 1.5}}), {{3, 5}}},
      {{in(f32({2, 3}, 121)), k(scalar(-0.5f))}, attrs({{"pads", Ints{0, 1, 1, 0}}}), {{3, 4}}},
      {{in(f32({2, 3}, 122))},
       attrs({{"pads", Ints{1, 2, 1, 2}}, {"mode", std::string("wrap")}}),
       {{4, 7}}},
      {{in(f32({2, 3}, 123))},
       attrs({{"pads", Ints{1, 2, 0, 1}}, {"mode", std::string("edge")}}),
       {{3, 6}}}};
  t["Trilu"] = {
      {{in(f32({2, 4, 5}, 124))}, attrs({{"k", int64_t{1}}}), {{2, 4, 5}}},
      {{in(f32({4, 5}, 125)), k(i64({}, {-1}))}, attrs({{"upper", int64_t{0}}}), {{4, 5}}}};
  t["DepthToSpace"] = {
      {{in(f32({1, 8, 2, 3}, 126))}, attrs({{"blocksize", int64_t{2}}}), {{1, 2, 4, 6}}},
      {{in(f32({1, 8, 2, 3}, 127))},
       attrs({{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}}),
       {{1, 2, 4, 6}}}};
  t["SpaceToDepth"] = {
      {{in(f32({1, 2, 4, 6}, 128))}, attrs({{"blocksize", int64_t{2}}}), {{1, 8, 2, 3}}}};
  t["Split"] = {{{in(f32({2, 7}, 129))},
                 attrs({{"axis", int64_t{1}}, {"split", Ints{3, 4}}}),
                 {{2, 3}, {2, 4}}},
                {{in(f32({2, 7}, 130))},
                 attrs({{"axis", int64_t{-1}}, {"num_outputs", int64_t{3}}}),
                 {{2, 3}, {2, 3}, {2, 1}}}};
  t["Expand"] = {{{in(f32({3, 1}, 131)), k(i64({3}, {2, 1, 4}))}, {}, {{2, 3, 4}}}};
  t["Tile"] = {{{in(f32({2, 3}, 132)), k(i64({2}, {2, 2}))}, {}, {{4, 6}}}};
  t["Range"] = {{{k(scalar(0.5f)), k(scalar(3.0f)), k(scalar(0.75f))}, {}, {{4}}}};
  t["EyeLike"] = {{{in(f32({4, 6}, 133))}, attrs({{"k", int64_t{-1}}}), {{4, 6}}}};
  t["GatherElements"] = {{{in(f32({3, 4}, 134)), k(i64({3, 2}, {0, 3, -1, 2, 1, 1}))},
                          attrs({{"axis", int64_t{1}}}),
                          {{3, 2}}}};
  t["GatherND"] = {{{in(f32({2, 3, 4}, 135)), k(i64({2, 1, 2}, {1, 2, 0, -1}))}, {}, {{2, 1, 4}}},
                   {{in(f32({2, 3, 4}, 136)), k(i64({2, 1}, {1, 2}))},
                    attrs({{"batch_dims", int64_t{1}}}),
                    {{2, 4}}}};
  t["ScatterElements"] = {
      {{in(f32({3, 4}, 137)), k(i64({2, 4}, {0, 2, 1, 0, 2, 1, 0, 1})), in(f32({2, 4}, 138))},
       {},
       {{3, 4}}},
      {{in(f32({3, 4}, 139)), k(i64({2, 2}, {1, 1, 3, 0})), in(f32({2, 2}, 140))},
       attrs({{"axis", int64_t{1}}, {"reduction", std::string("add")}}),
       {{3, 4}}}};
  t["ScatterND"] = {
      {{in(f32({4, 3}, 141)), k(i64({2, 1}, {3, 1})), in(f32({2, 3}, 142))}, {}, {{4, 3}}},
      {{in(f32({4, 3}, 143)), k(i64({2, 2}, {3, 1, 3, 1})), in(f32({2}, 144))},
       attrs({{"reduction", std::string("mul")}}),
       {{4, 3}}}};
  t["OneHot"] = {{{k(make_float_tensor({2}, {-1.0f, 2.5f})), in(i64({4}, {1, 4, -2, 0}))},
                  attrs({{"depth", int64_t{5}}}),
                  {{4, 5}}},
                 {{k(make_float_tensor({2}, {0.0f, 1.0f})), in(i64({2, 2}, {1, 0, 2, 3}))},
                  attrs({{"depth", int64_t{3}}, {"axis", int64_t{0}}}),
                  {{3, 2, 2}}}};
  t["ReverseSequence"] = {{{in(f32({5, 3, 2}, 145)), k(i64({3}, {5, 2, 3}))},
                           attrs({{"batch_axis", int64_t{1}}, {"time_axis", int64_t{0}}}),
                           {{5, 3, 2}}}};
  return t;
}

}  // namespace

const std::map<std::string, std::vector<OpCase>>& op_table() {
  static const auto* table = new std::map<std::string, std::vector<OpCase>>(build_op_table());
  return *table;
}

}  // namespace kiln::halide_test
