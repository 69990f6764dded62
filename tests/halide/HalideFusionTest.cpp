// HalideFusionTest.cpp: fusion must not change results. Every exported test model runs on the
// reference interpreter and on the Halide JIT, with and without the fusion pass; fused and
// unfused Halide agree within 1e-5 relative (to the output's largest magnitude) and both agree
// with the reference within the backend's usual 1e-4. Small hand-made graphs cover the fusion
// shapes the models lack (SiLU, LeakyRelu, Clip, Elu, average pool, MatMul + bias, pointwise
// chains, QDQ round trips).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/halide/HalideJit.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "passes/ChooseLayout.h"
#include "passes/FuseGroups.h"
#include "passes/FusionPlan.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"
#include "tests/backends/ReferenceTestUtil.h"
#include "tests/halide/HalideTestUtil.h"
#include "tests/sanitizers/Sanitized.h"

namespace kiln {
namespace {

using halide_test::random_tensor;

std::vector<std::string> pipeline_without_fusion() {
  std::vector<std::string> passes;
  for (const std::string& pass : default_pipeline())
    if (pass != "fuse") passes.push_back(pass);
  return passes;
}

// max |a - b| <= tolerance * max(max |b|, 1e-6): relative to the output's scale.
void expect_close(const Tensor& actual, const Tensor& expected, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(actual.element_count(), expected.element_count()) << what;
  double scale = 1e-6, worst = 0;
  for (int64_t i = 0; i < expected.element_count(); ++i)
    scale = std::max(scale, std::fabs(expected.element_as_double(i)));
  for (int64_t i = 0; i < expected.element_count(); ++i)
    worst = std::max(worst, std::fabs(actual.element_as_double(i) - expected.element_as_double(i)));
  EXPECT_LE(worst, tolerance * scale)
      << what << ": largest difference " << worst << " against output scale " << scale;
}

Tensor input_for(const Graph& graph, uint32_t seed) {
  std::vector<int64_t> dims;
  for (const Dim& d : *graph.inputs[0]->type.shape) dims.push_back(d.is_static() ? d.value : 1);
  return random_tensor(dims, seed);
}

// Runs `graph` unfused and fused on both backends and compares; fused Halide must match the
// reference within `reference_tolerance`.
void check_equivalence(Graph& graph, const std::string& name, double reference_tolerance = 1e-4) {
  ASSERT_EQ(graph.inputs.size(), 1u) << name;
  const std::vector<Tensor> inputs = {input_for(graph, 7)};
  auto reference = run_reference(graph, inputs);
  ASSERT_TRUE(reference.is_ok()) << name << ": " << reference.error().message;
  auto plain = run_halide_jit(graph, inputs);
  ASSERT_TRUE(plain.is_ok()) << name << ": " << plain.error().message;

  ASSERT_TRUE(fuse_groups(graph).is_ok());
  EXPECT_GT(read_fusion_plan(graph).totals.groups, 0) << name;
  auto reference_fused = run_reference(graph, inputs);
  ASSERT_TRUE(reference_fused.is_ok()) << name << ": " << reference_fused.error().message;
  auto fused = run_halide_jit(graph, inputs);
  ASSERT_TRUE(fused.is_ok()) << name << ": " << fused.error().message;
  for (size_t i = 0; i < reference->size(); ++i) {
    expect_close((*reference_fused)[i], (*reference)[i], 1e-5, name + " reference fused");
    expect_close((*fused)[i], (*plain)[i], 1e-5, name + " halide fused vs unfused");
    expect_close((*fused)[i], (*reference)[i], reference_tolerance,
                 name + " halide fused vs reference");
  }
}

class FusedModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FusedModelTest, OutputsUnchangedByFusion) {
  // JIT-compiling the larger models twice takes minutes: the unit tier runs the two acceptance
  // models, and tests/e2e/test_fusion.py runs them all with KILN_FUSION_ALL_MODELS=1.
  const bool all_models = std::getenv("KILN_FUSION_ALL_MODELS") != nullptr;
  if (!all_models && GetParam() != "mnist_cnn" && GetParam() != "resnet18")
    GTEST_SKIP() << "set KILN_FUSION_ALL_MODELS=1 to run " << GetParam();
  // Instrumented, the reference backend alone takes minutes on ResNet-18 (181 s of the sanitized
  // Halide tests' 870): the sanitized tier checks the MNIST CNN, and the Release build's
  // tests/e2e/test_fusion.py every model.
  if (test::kSanitized && GetParam() != "mnist_cnn")
    GTEST_SKIP() << "instrumented: the Release build's e2e.test_fusion runs " << GetParam();
  std::string path = std::string(KILN_TEST_MODELS_DIR) + "/" + GetParam() + ".onnx";
  if (!std::filesystem::exists(path))  // tests may run from a side build
    path = std::string(KILN_SOURCE_DIR) + "/build/test-models/" + GetParam() + ".onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "not exported: " << path;
  auto graph = import_onnx_file(path);
  ASSERT_TRUE(graph.is_ok()) << graph.error().message;
  ASSERT_TRUE(run_passes(*graph, pipeline_without_fusion()).is_ok());
  check_equivalence(*graph, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Models, FusedModelTest,
                         ::testing::Values("mnist_cnn", "alexnet", "resnet18", "mobilenet_v2",
                                           "squeezenet1_0", "shufflenet_v2"));

using halide_test::attrs;
using halide_test::GraphBuilder;

// Conv (odd sizes: tails in every tiled loop) + activation + pool, built for one test.
struct ConvCase {
  int64_t channels, width;
  std::string activation;  // "Relu", "LeakyRelu", "Clip", "Sigmoid", "SiLU"
  std::string pool;        // "MaxPool", "AveragePool" or ""
  int64_t pool_pad = 0;
};

void build_conv_case(Graph& graph, const ConvCase& c) {
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, c.width, c.width + 2}));
  Value* w = b.constant("w", random_tensor({c.channels, 3, 3, 3}, 11));
  Value* bias = b.constant("b", random_tensor({c.channels}, 12));
  Value* y = b.node("Conv", "conv", {x, w, bias},
                    attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                           {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  if (c.activation == "SiLU") {
    Value* s = b.node("Sigmoid", "sig", {y});
    y = b.node("Mul", "silu", {y, s});
  } else if (c.activation == "Clip") {
    y = b.node("Clip", "act", {y}, attrs({{"min", 0.0}, {"max", 6.0}}));
  } else {
    y = b.node(c.activation, "act", {y});
  }
  if (!c.pool.empty())
    y = b.node(c.pool, "pool", {y},
               attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                      {"strides", std::vector<int64_t>{2, 2}},
                      {"pads", std::vector<int64_t>(4, c.pool_pad)}}));
  b.output(y);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
}

TEST(FusionHalideTest, ConvActivationPoolGroupsMatch) {
  const ConvCase cases[] = {
      {8, 28, "Relu", "MaxPool"},       {6, 13, "LeakyRelu", "AveragePool", 1},
      {3, 17, "Clip", "MaxPool", 1},    {16, 9, "SiLU", "MaxPool"},
      {5, 7, "Sigmoid", "AveragePool"}, {12, 20, "Relu", ""}};
  for (const ConvCase& c : cases) {
    Graph graph;
    build_conv_case(graph, c);
    const std::string name = c.activation + "+" + c.pool + " c=" + std::to_string(c.channels) +
                             " w=" + std::to_string(c.width);
    check_equivalence(graph, name);
    const FusionPlan plan = read_fusion_plan(graph);
    ASSERT_EQ(plan.groups.size(), 1u) << name;
    EXPECT_EQ(plan.groups[0].schedule, c.pool.empty() ? "conv_epilogue" : "conv_pool") << name;
  }
}

// Elu fuses into a conv epilogue (alone or after BatchNormalization) by its Ops.def traits; the
// fused stage computes what the unfused nodes and the reference do, within 1e-5.
TEST(FusionHalideTest, ConvEluAndConvBatchNormEluMatch) {
  for (bool batch_norm : {false, true}) {
    Graph graph;
    GraphBuilder b(graph);
    const int64_t channels = 6;
    Value* x = b.input("x", static_shape({2, 3, 11, 13}));
    Value* y = b.node("Conv", "conv",
                      {x, b.constant("w", random_tensor({channels, 3, 3, 3}, 21)),
                       b.constant("b", random_tensor({channels}, 22))},
                      attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                             {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
    if (batch_norm)
      y = b.node("BatchNormalization", "bn",
                 {y, b.constant("scale", random_tensor({channels}, 23)),
                  b.constant("shift", random_tensor({channels}, 24)),
                  b.constant("mean", random_tensor({channels}, 25)),
                  b.constant("var", random_tensor({channels}, 26, 0.5f, 1.5f))});
    b.output(b.node("Elu", "elu", {y}, attrs({{"alpha", 0.7}})));
    ASSERT_TRUE(infer_shapes(graph).is_ok());
    const std::string name = batch_norm ? "Conv+BN+Elu" : "Conv+Elu";
    check_equivalence(graph, name, 1e-5);
    const FusionPlan plan = read_fusion_plan(graph);
    ASSERT_EQ(plan.groups.size(), 1u) << name;
    EXPECT_EQ(plan.groups[0].schedule, "conv_epilogue") << name;
    EXPECT_EQ(plan.groups[0].ops,
              batch_norm ? (std::vector<std::string>{"Conv", "BatchNormalization", "Elu"})
                         : (std::vector<std::string>{"Conv", "Elu"}))
        << name;
  }
}

// The activations of LowerUnaryMath.cpp are Elementwise rows too: a Conv followed by HardSwish
// (or Mish, or PRelu with a per-channel slope, or a binary op of LowerBinary.cpp with a
// per-channel operand) is one conv_epilogue kernel that computes what the reference does.
TEST(FusionHalideTest, ConvHardSwishAndConvMishFuse) {
  for (const char* activation : {"HardSwish", "Mish", "PRelu", "Max", "Min", "Pow", "Mod"}) {
    Graph graph;
    GraphBuilder b(graph);
    Value* x = b.input("x", static_shape({1, 3, 9, 10}));
    Value* y = b.node("Conv", "conv",
                      {x, b.constant("w", random_tensor({4, 3, 3, 3}, 27)),
                       b.constant("b", random_tensor({4}, 28))},
                      attrs({{"kernel_shape", std::vector<int64_t>{3, 3}}}));
    const std::string op = activation;
    const bool binary = op == "PRelu" || op == "Max" || op == "Min" || op == "Pow" || op == "Mod";
    Attributes act_attrs;
    if (op == "Mod") act_attrs.set("fmod", int64_t{1});
    if (op == "Pow")  // whole per-channel exponents keep negative bases real
      b.output(b.node(activation, "act",
                      {y, b.constant("exponent", make_float_tensor({4, 1, 1}, {2, 3, 1, 2}))}));
    else if (binary)  // a per-channel operand, as exporters write PRelu's slope
      b.output(b.node(activation, "act",
                      {y, b.constant("slope", random_tensor({4, 1, 1}, 29, 0.5f, 1.5f))},
                      act_attrs));
    else
      b.output(b.node(activation, "act", {y}));
    ASSERT_TRUE(infer_shapes(graph).is_ok());
    const std::string name = std::string("Conv+") + activation;
    check_equivalence(graph, name, 1e-5);
    const FusionPlan plan = read_fusion_plan(graph);
    ASSERT_EQ(plan.groups.size(), 1u) << name;
    EXPECT_EQ(plan.groups[0].schedule, "conv_epilogue") << name;
    EXPECT_EQ(plan.groups[0].ops, (std::vector<std::string>{"Conv", activation})) << name;
  }
}

// ConvTranspose is a convolution row (kConvolution): its bias, activation and a residual fuse
// into one conv_epilogue kernel like Conv's, in both the phase-split channel form and the plain.
TEST(FusionHalideTest, ConvTransposeEpiloguesFuse) {
  for (int64_t channels : {16, 3}) {
    Graph graph;
    GraphBuilder b(graph);
    Value* x = b.input("x", static_shape({1, 8, 6, 7}));
    Value* y = b.node("ConvTranspose", "up",
                      {x, b.constant("w", random_tensor({8, channels, 3, 3}, 61)),
                       b.constant("b", random_tensor({channels}, 62))},
                      attrs({{"strides", std::vector<int64_t>{2, 2}},
                             {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                             {"output_padding", std::vector<int64_t>{1, 1}}}));
    y = b.node("Add", "skip",
               {y, b.constant("skip_value", random_tensor({1, channels, 12, 14}, 63))});
    b.output(b.node("Relu", "act", {y}));
    ASSERT_TRUE(infer_shapes(graph).is_ok());
    const std::string name = "ConvTranspose c=" + std::to_string(channels);
    check_equivalence(graph, name, 1e-5);
    const FusionPlan plan = read_fusion_plan(graph);
    ASSERT_EQ(plan.groups.size(), 1u) << name;
    EXPECT_EQ(plan.groups[0].schedule, "conv_epilogue") << name;
    EXPECT_EQ(plan.groups[0].ops, (std::vector<std::string>{"ConvTranspose", "Add", "Relu"}))
        << name;
  }
}

// A QDQ model's fake quantization (QuantizeLinear + DequantizeLinear between float convs) joins
// the conv epilogue, channels-last storage included, and computes what the reference does.
TEST(FusionHalideTest, ConvQuantizeDequantizeRoundTripsFuse) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 8, 9, 10}));
  Value* scale = b.constant("scale", make_float_tensor({}, {0.05f}));
  Value* zero = b.constant("zero", kiln::testing::typed_tensor(DType::UInt8, {}, {100}));
  Value* y = x;
  for (int layer = 0; layer < 2; ++layer) {
    const std::string n = std::to_string(layer);
    y = b.node("Conv", "conv" + n,
               {y, b.constant("w" + n, random_tensor({8, 8, 3, 3}, 30 + layer)),
                b.constant("b" + n, random_tensor({8}, 32 + layer))},
               attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                      {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
    y = b.node("Relu", "relu" + n, {y});
    y = b.node("QuantizeLinear", "q" + n, {y, scale, zero}, attrs({{"to", std::string("u8")}}));
    y = b.node("DequantizeLinear", "dq" + n, {y, scale, zero}, attrs({{"to", std::string("f32")}}));
  }
  b.output(y);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  ASSERT_TRUE(choose_layout(graph).is_ok());
  check_equivalence(graph, "conv qdq");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 2u);
  for (const auto& group : plan.groups)
    EXPECT_EQ(group.ops,
              (std::vector<std::string>{"Conv", "Relu", "QuantizeLinear", "DequantizeLinear"}));
}

TEST(FusionHalideTest, MatMulBiasActivationAndChainsMatch) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({3, 10}));
  Value* y = b.node("MatMul", "mm", {x, b.constant("w", random_tensor({10, 7}, 3))});
  y = b.node("Add", "bias", {y, b.constant("b", random_tensor({7}, 4))});
  y = b.node("Sigmoid", "act", {y});
  Value* z = b.node("Relu", "r2", {y});  // y is read twice: the chain below starts afresh
  Value* t = b.node("Tanh", "t", {y});
  Value* sum = b.node("Add", "sum", {z, t});
  b.output(b.node("Mul", "scaled", {sum, b.constant("k", random_tensor({7}, 5))}));
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  check_equivalence(graph, "matmul chain");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_GE(plan.groups.size(), 2u);
  EXPECT_EQ(plan.groups[0].schedule, "gemm_epilogue");
  EXPECT_EQ(plan.groups[0].ops, (std::vector<std::string>{"MatMul", "Add", "Sigmoid"}));
}

// A Clip whose bounds are graph inputs (known only at run time) is still an activation by its
// Ops.def traits: it fuses into the conv epilogue, reading its bounds there.
TEST(FusionHalideTest, ConvClipWithRunTimeBoundsMatches) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 9, 11}));
  Value* lo = b.input("lo", static_shape({}));
  Value* hi = b.input("hi", static_shape({}));
  Value* y = b.node("Conv", "conv",
                    {x, b.constant("w", random_tensor({5, 3, 3, 3}, 31)),
                     b.constant("b", random_tensor({5}, 32))},
                    attrs({{"kernel_shape", std::vector<int64_t>{3, 3}}}));
  b.output(b.node("Clip", "clip", {y, lo, hi}));
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  const std::vector<Tensor> inputs = {random_tensor({2, 3, 9, 11}, 33),
                                      make_float_tensor({}, {-0.25f}),
                                      make_float_tensor({}, {0.5f})};
  auto reference = run_reference(graph, inputs);
  ASSERT_TRUE(reference.is_ok()) << reference.error().message;
  ASSERT_TRUE(fuse_groups(graph).is_ok());
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].ops, (std::vector<std::string>{"Conv", "Clip"}));
  auto fused = run_halide_jit(graph, inputs);
  ASSERT_TRUE(fused.is_ok()) << fused.error().message;
  expect_close((*fused)[0], (*reference)[0], 1e-5, "conv + clip with run-time bounds");
}

}  // namespace
}  // namespace kiln
