// FusionGroupsTest.cpp: the groups the fusion pass forms, read back through FusionPlan: the
// acceptance shapes (the seed MNIST CNN's conv+ReLU+pool chains, ResNet-18 in at most 22
// kernels with no lone Relu or Add), the rules on small graphs, and the not-fused reasons.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "frontend/onnx/OnnxImporter.h"
#include "ir/Parser.h"
#include "passes/FuseGroups.h"
#include "passes/FusionPlan.h"
#include "passes/InferShapes.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"

namespace kiln {
namespace {

using Ops = std::vector<std::string>;

std::string model_path(const std::string& name) {
  std::string path = std::string(KILN_TEST_MODELS_DIR) + "/" + name + ".onnx";
  if (!std::filesystem::exists(path))
    path = std::string(KILN_SOURCE_DIR) + "/build/test-models/" + name + ".onnx";
  return path;
}

// The model after the default pipeline (which ends with fusion).
Result<Graph> compiled_model(const std::string& name) {
  auto graph = import_onnx_file(model_path(name));
  if (!graph) return graph.error();
  KILN_RETURN_IF_ERROR(run_passes(*graph, default_pipeline()));
  return graph;
}

Graph parse_and_fuse(const std::string& text) {
  auto graph = parse_graph(text);
  EXPECT_TRUE(graph.is_ok()) << graph.error().message;
  EXPECT_TRUE(infer_shapes(*graph).is_ok());
  EXPECT_TRUE(fuse_groups(*graph).is_ok());
  return std::move(*graph);
}

TEST(FusionGroupsTest, MnistConvReluPoolChainsAreSingleGroups) {
  if (!std::filesystem::exists(model_path("mnist_cnn"))) GTEST_SKIP() << "models not exported";
  auto graph = compiled_model("mnist_cnn");
  ASSERT_TRUE(graph.is_ok()) << graph.error().message;
  const FusionPlan plan = read_fusion_plan(*graph);
  ASSERT_GE(plan.groups.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(plan.groups[i].ops, (Ops{"Conv", "Relu", "MaxPool"}));
    EXPECT_EQ(plan.groups[i].schedule, "conv_pool");
    EXPECT_GT(plan.groups[i].bytes_saved, 0);
    EXPECT_GT(plan.groups[i].macs, 0);
  }
  EXPECT_EQ(plan.groups[0].output_shape[1], Dim::known(32));
  EXPECT_EQ(plan.groups[1].output_shape[1], Dim::known(64));
  EXPECT_LT(plan.totals.kernels_after, plan.totals.kernels_before);
}

TEST(FusionGroupsTest, ResNet18HasAtMost22KernelsAndNoLoneReluOrAdd) {
  if (!std::filesystem::exists(model_path("resnet18"))) GTEST_SKIP() << "models not exported";
  auto graph = compiled_model("resnet18");
  ASSERT_TRUE(graph.is_ok()) << graph.error().message;
  const FusionPlan plan = read_fusion_plan(*graph);
  EXPECT_LE(plan.totals.kernels_after, 22);
  for (const auto& node : graph->nodes())
    if (node->op == "Relu" || node->op == "Add")
      EXPECT_TRUE(node->attrs.has("fusion_group")) << "lone " << node->op << " " << node->name;
  int residual_groups = 0, heads = 0;
  for (const FusionGroup& g : plan.groups) {
    if (g.ops == Ops{"Conv", "Add", "Relu"}) ++residual_groups;
    if (g.schedule == "head") ++heads;
  }
  EXPECT_EQ(residual_groups, 8);
  EXPECT_EQ(heads, 1);
}

TEST(FusionGroupsTest, SharedIntermediateBlocksFusionWithReason) {
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = [1.0, 0.0, 0.0, 1.0]
  %c: ?[*] = Conv @conv (%x, %w) {kernel_shape = [1, 1]}
  %r: ?[*] = Relu @relu (%c)
  %s: ?[*] = Sigmoid @sig (%c)
  %y: ?[*] = Add @add (%r, %s)
  output %y
})");
  const FusionPlan plan = read_fusion_plan(graph);
  // The conv output is read twice: conv stays alone; relu, sigmoid and add are left over.
  for (const FusionGroup& g : plan.groups) EXPECT_NE(g.ops.front(), "Conv");
  ASSERT_FALSE(plan.not_fused.empty());
  EXPECT_NE(plan.not_fused[0].reason.find("read by 2 nodes"), std::string::npos)
      << plan.not_fused[0].reason;
}

TEST(FusionGroupsTest, SiluAndGraphOutputs) {
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = [1.0, 0.0, 0.0, 1.0]
  %c: ?[*] = Conv @conv (%x, %w) {kernel_shape = [1, 1]}
  %s: ?[*] = Sigmoid @sig (%c)
  %m: ?[*] = Mul @silu (%c, %s)
  %p: ?[*] = MaxPool @pool (%m) {kernel_shape = [2, 2], strides = [2, 2]}
  %r: ?[*] = Relu @relu (%p)
  output %p
  output %r
})");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].ops, (Ops{"Conv", "Sigmoid", "Mul", "MaxPool"}));
  EXPECT_EQ(plan.groups[0].schedule, "conv_pool");
  // %p is a graph output, so the Relu after it cannot join.
  ASSERT_EQ(plan.not_fused.size(), 1u);
  EXPECT_EQ(plan.not_fused[0].node, "relu");
  EXPECT_EQ(plan.totals.kernels_before, 5);
  EXPECT_EQ(plan.totals.kernels_after, 2);
}

// A QDQ model's QuantizeLinear + DequantizeLinear leaves f32 and comes back: the pair joins the
// conv epilogue (never stored as u8); a lone QuantizeLinear, which does not come back, does not.
TEST(FusionGroupsTest, QuantizeDequantizeRoundTripJoinsTheConvEpilogue) {
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = [1.0, 0.0, 0.0, 1.0]
  const %s: f32[] = [0.1]
  const %z: u8[] = [128]
  %c: ?[*] = Conv @conv (%x, %w) {kernel_shape = [1, 1]}
  %r: ?[*] = Relu @relu (%c)
  %q: ?[*] = QuantizeLinear @q (%r, %s, %z) {to = "u8"}
  %d: ?[*] = DequantizeLinear @dq (%q, %s, %z) {to = "f32"}
  %c2: ?[*] = Conv @conv2 (%d, %w) {kernel_shape = [1, 1]}
  %q2: ?[*] = QuantizeLinear @q2 (%c2, %s, %z) {to = "u8"}
  output %q2
})");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].ops, (Ops{"Conv", "Relu", "QuantizeLinear", "DequantizeLinear"}));
  EXPECT_EQ(plan.groups[0].schedule, "conv_epilogue");
}

// Elu is an activation by its Ops.def traits (Elementwise, FirstInput), like Relu: it joins a
// conv epilogue alone or after a BatchNormalization.
TEST(FusionGroupsTest, ConvEluAndConvBatchNormEluAreConvEpilogues) {
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = [1.0, 0.5, -0.5, 1.0]
  const %scale: f32[2] = [1.5, 0.5]
  const %shift: f32[2] = [0.1, -0.2]
  const %mean: f32[2] = [0.0, 0.25]
  const %var: f32[2] = [1.0, 2.0]
  %c1: ?[*] = Conv @conv1 (%x, %w) {kernel_shape = [1, 1]}
  %e1: ?[*] = Elu @elu1 (%c1) {alpha = 0.5}
  %c2: ?[*] = Conv @conv2 (%e1, %w) {kernel_shape = [1, 1]}
  %bn: ?[*] = BatchNormalization @bn (%c2, %scale, %shift, %mean, %var)
  %e2: ?[*] = Elu @elu2 (%bn)
  output %e2
})");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 2u);
  EXPECT_EQ(plan.groups[0].ops, (Ops{"Conv", "Elu"}));
  EXPECT_EQ(plan.groups[0].schedule, "conv_epilogue");
  EXPECT_EQ(plan.groups[1].ops, (Ops{"Conv", "BatchNormalization", "Elu"}));
  EXPECT_EQ(plan.groups[1].schedule, "conv_epilogue");
  EXPECT_TRUE(plan.not_fused.empty());
  EXPECT_EQ(plan.totals.kernels_after, 2);
}

// An elementwise chain takes Elu too, and Elu is a fusable pointwise op.
TEST(FusionGroupsTest, EluJoinsElementwiseChains) {
  EXPECT_TRUE(is_fusable_pointwise("Elu"));
  EXPECT_FALSE(is_fusable_pointwise("Cast"));
  EXPECT_FALSE(is_fusable_pointwise("Identity"));
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[2,3]
  %a: ?[*] = Elu @a (%x)
  %b: ?[*] = Tanh @b (%a)
  output %b
})");
  const FusionPlan plan = read_fusion_plan(graph);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].ops, (Ops{"Elu", "Tanh"}));
  EXPECT_EQ(plan.groups[0].schedule, "elementwise");
}

TEST(FusionGroupsTest, ClearFusionRemovesEveryAttribute) {
  Graph graph = parse_and_fuse(R"(graph @g {
  input %x: f32[2,3]
  %a: ?[*] = Relu @a (%x)
  %b: ?[*] = Tanh @b (%a)
  output %b
})");
  EXPECT_EQ(read_fusion_plan(graph).groups.size(), 1u);
  clear_fusion(graph);
  EXPECT_TRUE(read_fusion_plan(graph).groups.empty());
  EXPECT_EQ(read_fusion_plan(graph).totals.kernels_after, 2);
}

}  // namespace
}  // namespace kiln
