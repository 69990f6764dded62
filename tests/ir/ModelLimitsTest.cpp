// ModelLimitsTest.cpp: check_model_limits accepts what Kiln compiles and names the value or node
// of each size, rank, zero-dim, output and attribute limit it enforces (ir/ModelLimits.h).
#include <gtest/gtest.h>

#include "TestGraphs.h"
#include "ir/ModelLimits.h"
#include "ir/Parser.h"

namespace kiln {
namespace {

Graph parse_model_or_die(const std::string& text) {
  Result<Graph> graph = parse_graph(text, "limits.kir");
  EXPECT_TRUE(graph.is_ok()) << graph.error().to_string();
  return graph.is_ok() ? std::move(*graph) : Graph();
}

/// A one-Relu graph over an input of type `input_type`, with `attrs` on the node.
Graph relu_graph(const std::string& input_type, const std::string& op = "Relu",
                 const std::string& attrs = "") {
  return parse_model_or_die("graph @g {\n  input %x: " + input_type + "\n  %y: " + input_type +
                            " = " + op + " @node (%x)" + (attrs.empty() ? "" : " {" + attrs + "}") +
                            "\n  output %y\n}\n");
}

void expect_refused(const Graph& graph, const std::string& node, const std::string& message) {
  Status status = check_model_limits(graph);
  ASSERT_FALSE(status.is_ok()) << "expected: " << message;
  EXPECT_EQ(status.error().node, node) << status.error().to_string();
  EXPECT_NE(status.error().to_string().find(message), std::string::npos)
      << "got: " << status.error().to_string();
}

TEST(ModelLimits, AcceptsCompilableGraphs) {
  Graph graph;
  test::build_conv_relu(graph);
  Status status = check_model_limits(graph);
  EXPECT_TRUE(status.is_ok()) << status.error().to_string();
  // Exactly 2^31 - 1 bytes of u8 is the largest tensor; symbolic dims count as 1.
  EXPECT_TRUE(check_model_limits(relu_graph("u8[2147483647]")).is_ok());
  EXPECT_TRUE(check_model_limits(relu_graph("f32[batch,536870911]")).is_ok());
  EXPECT_TRUE(check_model_limits(relu_graph("f32[1,4]", "Clip", "max = inf, min = -inf")).is_ok());
}

TEST(ModelLimits, RefusesTensorsPastHalidesLimit) {
  expect_refused(relu_graph("u8[2147483648]"), "", "graph input %x u8[2147483648] needs");
  expect_refused(relu_graph("f32[batch,536870912]"), "", "2147483648 bytes");
  expect_refused(relu_graph("f32[2147483648,2147483648,1048576,7]"), "",
                 "needs more than 2^63 bytes");
  Graph graph = parse_model_or_die(
      "graph @g {\n  input %x: f32[1,4]\n  %y: f32[1,2147483652] = Pad @pad (%x) "
      "{pads = [0, 0, 0, 2147483648]}\n  output %y\n}\n");
  expect_refused(graph, "pad", "output %y f32[1,2147483652] needs 8589934608 bytes");
}

TEST(ModelLimits, RefusesHighRanksZeroDimInputsAndNoOutputs) {
  std::string rank17 = "f32[1";
  for (int i = 1; i < 17; ++i) rank17 += ",1";
  expect_refused(relu_graph(rank17 + "]"), "", "has rank 17; Kiln compiles tensors of rank 16");
  expect_refused(relu_graph("f32[0,3]"), "", "graph input %x has a zero dim");
  expect_refused(parse_model_or_die("graph @g {\n  input %x: f32[1]\n}\n"), "", "no outputs");
}

TEST(ModelLimits, RefusesNonFiniteFloatAttributes) {
  expect_refused(relu_graph("f32[1,4]", "LeakyRelu", "alpha = nan"), "node",
                 "attribute 'alpha' is not a finite number");
  expect_refused(relu_graph("f32[1,4]", "Elu", "alpha = inf"), "node",
                 "attribute 'alpha' is infinite");
  expect_refused(relu_graph("f32[1,4]", "Clip", "max = nan"), "node",
                 "attribute 'max' is not a finite number");
}

}  // namespace
}  // namespace kiln
