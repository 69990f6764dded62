// GraphPassesPassTest.cpp: each graph pass on small hand-written graphs: what it rewrites, what
// it must leave alone, and (through the reference interpreter) that outputs do not change.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "backends/reference/ReferenceEvaluator.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"

namespace kiln {
namespace {

Graph parse_valid_graph(const std::string& text) {
  Result<Graph> graph = parse_graph(text);
  EXPECT_TRUE(graph.is_ok()) << (graph ? "" : graph.error().to_string());
  return std::move(graph.value());
}

void run(Graph& graph, const std::vector<std::string>& passes) {
  ReferenceEvaluator evaluator;
  PassContext context{&evaluator};
  Status status = run_passes(graph, passes, context, PassRunOptions{.verify_each = true});
  ASSERT_TRUE(status.is_ok()) << status.error().to_string();
}

int count_ops(const Graph& graph, const std::string& op) {
  int count = 0;
  for (const auto& node : graph.nodes()) count += node->op == op;
  return count;
}

std::vector<float> values_of(const Tensor& tensor) {
  std::vector<float> out;
  for (int64_t i = 0; i < tensor.element_count(); ++i)
    out.push_back(float(tensor.element_as_double(i)));
  return out;
}

/// Runs `text` on `input` before and after `passes` and expects the same outputs.
void expect_same_outputs(const std::string& text, const Tensor& input,
                         const std::vector<std::string>& passes, const std::string& gone_op) {
  Graph before = parse_valid_graph(text);
  Graph after = parse_valid_graph(text);
  run(after, passes);
  if (!gone_op.empty()) {
    EXPECT_EQ(count_ops(after, gone_op), 0);
  }
  auto expected = run_reference(before, {input});
  auto actual = run_reference(after, {input});
  ASSERT_TRUE(expected.is_ok()) << expected.error().to_string();
  ASSERT_TRUE(actual.is_ok()) << actual.error().to_string();
  ASSERT_EQ(expected->size(), actual->size());
  for (size_t i = 0; i < expected->size(); ++i) {
    std::vector<float> e = values_of((*expected)[i]), a = values_of((*actual)[i]);
    ASSERT_EQ(e.size(), a.size());
    for (size_t j = 0; j < e.size(); ++j) EXPECT_NEAR(a[j], e[j], 1e-5 * (1 + std::fabs(e[j])));
  }
}

const char* kConvBatchNorm = R"(
graph @g {
  input %x: f32[1,1,3,3]
  const %w: f32[2,1,2,2] = [1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 0.25, 2.0]
  const %b: f32[2] = [0.5, -0.5]
  const %gamma: f32[2] = [2.0, 0.5]
  const %beta: f32[2] = [0.1, -0.2]
  const %mean: f32[2] = [1.0, -1.0]
  const %var: f32[2] = [4.0, 0.25]
  %c: ?[*] = Conv @conv (%x, %w, %b) {kernel_shape = [2, 2]}
  %y: ?[*] = BatchNormalization @bn (%c, %gamma, %beta, %mean, %var) {epsilon = 0.001}
  output %y
}
)";

Tensor ramp(const std::vector<int64_t>& dims) {
  std::vector<float> values;
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  for (int64_t i = 0; i < count; ++i) values.push_back(0.25f * float(i) - 1.0f);
  return make_float_tensor(dims, values);
}

TEST(FoldBatchNormPassTest, FoldsIntoConvKeepingOutputName) {
  expect_same_outputs(kConvBatchNorm, ramp({1, 1, 3, 3}), {"infer-shapes", "fold-batch-norm"},
                      "BatchNormalization");
  Graph graph = parse_valid_graph(kConvBatchNorm);
  run(graph, {"infer-shapes", "fold-batch-norm"});
  EXPECT_EQ(graph.outputs[0]->name, "y");
  EXPECT_EQ(graph.outputs[0]->producer->op, "Conv");
}

TEST(FoldBatchNormPassTest, LeavesConvWithAnotherUser) {
  std::string text = kConvBatchNorm;
  text.replace(text.find("  output %y"), 11,
               "  %r: ?[*] = Relu @relu (%c)\n  output %y\n  output %r");
  Graph graph = parse_valid_graph(text);
  run(graph, {"infer-shapes", "fold-batch-norm"});
  EXPECT_EQ(count_ops(graph, "BatchNormalization"), 1);
}

TEST(FoldBatchNormPassTest, FoldsIntoGemmBothLayouts) {
  for (const char* trans : {"0", "1"}) {
    std::string weight = std::string(trans) == "1" ? "f32[2,3]" : "f32[3,2]";
    std::string text = R"(
graph @g {
  input %x: f32[2,3]
  const %w: )" + weight +
                       R"( = [1.0, -2.0, 3.0, 0.5, 0.25, -1.0]
  const %c: f32[2] = [0.5, -0.5]
  const %gamma: f32[2] = [2.0, 0.5]
  const %beta: f32[2] = [0.1, -0.2]
  const %mean: f32[2] = [1.0, -1.0]
  const %var: f32[2] = [4.0, 0.25]
  %g: ?[*] = Gemm @fc (%x, %w, %c) {alpha = 0.5, beta = 2.0, transB = )" +
                       trans + R"(}
  %y: ?[*] = BatchNormalization @bn (%g, %gamma, %beta, %mean, %var)
  output %y
}
)";
    expect_same_outputs(text, ramp({2, 3}), {"infer-shapes", "fold-batch-norm"},
                        "BatchNormalization");
  }
}

TEST(RemoveIdentityPassTest, RemovesIdentityAndDropoutKeepingOutputNames) {
  const char* text = R"(
graph @g {
  input %x: f32[1,4]
  %a: ?[*] = Relu @relu (%x)
  %b: ?[*] = Dropout @drop (%a)
  %c: ?[*] = Identity @id (%b)
  output %c
}
)";
  expect_same_outputs(text, ramp({1, 4}), {"remove-identity"}, "Identity");
  Graph graph = parse_valid_graph(text);
  run(graph, {"remove-identity"});
  EXPECT_EQ(count_ops(graph, "Dropout"), 0);
  EXPECT_EQ(graph.outputs[0]->name, "c");
  EXPECT_EQ(graph.nodes().size(), 1u);
}

TEST(RemoveIdentityPassTest, KeepsIdentityBetweenInputAndOutput) {
  Graph graph = parse_valid_graph(R"(
graph @g {
  input %x: f32[1,4]
  %y: ?[*] = Identity @id (%x)
  output %y
}
)");
  run(graph, {"remove-identity"});
  EXPECT_EQ(count_ops(graph, "Identity"), 1);
}

TEST(EliminateDeadCodePassTest, RemovesUnusedNodesAndConstants) {
  Graph graph = parse_valid_graph(R"(
graph @g {
  input %x: f32[1,2]
  const %unused: f32[2] = [1.0, 2.0]
  const %k: f32[2] = [1.0, 2.0]
  %dead: ?[*] = Add @dead (%x, %unused)
  %y: ?[*] = Mul @live (%x, %k)
  output %y
}
)");
  run(graph, {"eliminate-dead-code"});
  EXPECT_EQ(graph.nodes().size(), 1u);
  EXPECT_EQ(graph.find_value("unused"), nullptr);
  EXPECT_EQ(graph.find_value("dead"), nullptr);
  EXPECT_NE(graph.find_value("k"), nullptr);
  EXPECT_EQ(graph.inputs.size(), 1u);
}

TEST(EliminateCommonSubexpressionsPassTest, MergesIdenticalChains) {
  const char* text = R"(
graph @g {
  input %x: f32[1,4]
  %a1: ?[*] = Relu @a1 (%x)
  %a2: ?[*] = Relu @a2 (%x)
  %b1: ?[*] = LeakyRelu @b1 (%a1) {alpha = 0.5}
  %b2: ?[*] = LeakyRelu @b2 (%a2) {alpha = 0.5}
  %b3: ?[*] = LeakyRelu @b3 (%a2) {alpha = 0.25}
  %s: ?[*] = Add @s (%b1, %b2)
  %y: ?[*] = Add @t (%s, %b3)
  output %y
}
)";
  expect_same_outputs(text, ramp({1, 4}), {"eliminate-common-subexpressions"}, "");
  Graph graph = parse_valid_graph(text);
  run(graph, {"eliminate-common-subexpressions"});
  EXPECT_EQ(count_ops(graph, "Relu"), 1);
  EXPECT_EQ(count_ops(graph, "LeakyRelu"), 2);  // different alpha stays separate
}

TEST(FoldConstantsPassTest, FoldsShapeArithmeticWithoutEvaluator) {
  Graph graph = parse_valid_graph(R"(
graph @g {
  input %x: f32[2,3,4]
  const %idx: i64[] = [0]
  const %minus: i64[1] = [-1]
  %s: ?[*] = Shape @shape (%x)
  %n: ?[*] = Gather @take (%s, %idx)
  %n1: ?[*] = Unsqueeze @unsq (%n) {axes = [0]}
  %target: ?[*] = Concat @cat (%n1, %minus) {axis = 0}
  %y: ?[*] = Reshape @reshape (%x, %target)
  output %y
}
)");
  // Without an evaluator only values whose known_dims infer-shapes derived fold (the
  // Shape -> Gather -> Unsqueeze chain; Concat's rule does not track known_dims).
  std::string before = graph_to_string(graph);
  Status status = run_passes(graph, {"infer-shapes", "fold-constants"});
  ASSERT_TRUE(status.is_ok()) << status.error().to_string();
  ASSERT_EQ(graph.nodes().size(), 2u) << graph_to_string(graph);
  ASSERT_TRUE(graph.find_value("n1")->is_constant());
  EXPECT_EQ(graph.find_value("n1")->constant->element_as_int(0), 2);
  EXPECT_EQ(graph.find_value("idx"), nullptr);

  // With one, the Concat of constants folds too.
  Graph evaluated = parse_valid_graph(before);
  run(evaluated, {"infer-shapes", "fold-constants"});
  ASSERT_EQ(evaluated.nodes().size(), 1u) << graph_to_string(evaluated);
  const Value* target = evaluated.nodes()[0]->input(1);
  ASSERT_TRUE(target->is_constant());
  EXPECT_EQ(target->constant->element_as_int(0), 2);
  EXPECT_EQ(target->constant->element_as_int(1), -1);
}

TEST(FoldConstantsPassTest, EvaluatesConstantNodesWithEvaluator) {
  const char* text = R"(
graph @g {
  input %x: f32[2]
  const %a: f32[2] = [1.0, 2.0]
  const %b: f32[2] = [3.0, 4.0]
  %c: ?[*] = Mul @mul (%a, %b)
  %y: ?[*] = Add @add (%x, %c)
  output %y
}
)";
  Graph without = parse_valid_graph(text);
  ASSERT_TRUE(run_passes(without, {"infer-shapes", "fold-constants"}).is_ok());
  EXPECT_EQ(count_ops(without, "Mul"), 1);
  expect_same_outputs(text, ramp({2}), {"infer-shapes", "fold-constants"}, "Mul");
  Graph graph = parse_valid_graph(text);
  run(graph, {"infer-shapes", "fold-constants"});
  EXPECT_EQ(values_of(*graph.find_value("c")->constant), (std::vector<float>{3.0f, 8.0f}));
}

TEST(AnnotationPassTest, MarksViewsAndLayouts) {
  Result<Graph> parsed =
      parse_graph_file(std::string(KILN_SOURCE_DIR) + "/tests/lit/Inputs/tiny_cnn.kir");
  ASSERT_TRUE(parsed.is_ok());
  Graph& graph = *parsed;
  run(graph, {"infer-shapes", "make-views", "choose-layout"});
  // Every 4-D activation inside the model is stored NHWC; the 2-D Flatten and Gemm are not.
  for (const auto& node : graph.nodes()) {
    EXPECT_EQ(node->attrs.has("view"), node->op == "Flatten") << node->name;
    const bool image = node->op == "Conv" || node->op == "Relu" || node->op == "MaxPool" ||
                       node->op == "GlobalAveragePool";
    EXPECT_EQ(node->attrs.get_string("layout", ""), image ? "NHWC" : "") << node->name;
  }
}

// choose-layout and make-views ask ir/Ops.def: windows, elementwise ops (Cast included) and the
// kLayoutAgnostic remaps are image ops; a Reduction (Softmax) is not; only View ops are views.
TEST(AnnotationPassTest, LayoutsAndViewsFollowOpTraits) {
  Graph graph = parse_valid_graph(R"(
graph @g {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = [1.0, 0.5, -0.5, 1.0]
  %c: ?[*] = Conv @conv (%x, %w) {kernel_shape = [1, 1]}
  %e: ?[*] = Elu @elu (%c)
  %u: ?[*] = Resize @up (%e) {scales = [1.0, 1.0, 2.0, 2.0]}
  %k: ?[*] = Cast @cast (%u) {to = "f32"}
  %s: ?[*] = Softmax @soft (%k) {axis = 1}
  %t: ?[*] = Transpose @move (%s) {perm = [0, 1, 3, 2]}
  %q: ?[*] = Unsqueeze @unsq (%t) {axes = [0]}
  %r: ?[*] = Squeeze @sq (%q) {axes = [0]}
  %y: ?[*] = Relu @relu (%r)
  output %y
}
)");
  run(graph, {"infer-shapes", "make-views", "choose-layout"});
  const std::set<std::string> nhwc = {"conv", "elu", "up", "cast", "move"};
  const std::set<std::string> views = {"unsq", "sq"};
  for (const auto& node : graph.nodes()) {
    EXPECT_EQ(node->attrs.get_string("layout", ""), nhwc.count(node->name) ? "NHWC" : "")
        << node->name;
    EXPECT_EQ(node->attrs.has("view"), views.count(node->name) != 0) << node->name;
  }
}

}  // namespace
}  // namespace kiln
