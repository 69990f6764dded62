// VerifierTest.cpp: verify_graph accepts well-formed graphs and names the node and the problem
// for each kind of malformed one (ir/Verifier.h).
#include <gtest/gtest.h>

#include "TestGraphs.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"

namespace kiln {
namespace {

using test::f32;

/// Verifies `graph` and expects an error naming `node` whose text contains `message`.
void expect_invalid(const Graph& graph, const std::string& node, const std::string& message) {
  Status status = verify_graph(graph);
  ASSERT_FALSE(status.is_ok()) << "expected: " << message;
  EXPECT_EQ(status.error().node, node) << status.error().to_string();
  EXPECT_NE(status.error().to_string().find(message), std::string::npos)
      << "got: " << status.error().to_string();
}

/// Parses IR text that must be syntactically fine, for verifier cases easier to write as text.
Graph parse_or_die(const std::string& text) {
  Result<Graph> graph = parse_graph(text, "verifier.kir");
  EXPECT_TRUE(graph.is_ok()) << graph.error().to_string();
  return graph.is_ok() ? std::move(*graph) : Graph();
}

TEST(Verifier, AcceptsWellFormedGraphs) {
  Graph graph;
  test::build_conv_relu(graph);
  Status status = verify_graph(graph);
  EXPECT_TRUE(status.is_ok()) << status.error().to_string();

  Graph text_graph = parse_or_die(
      "graph @g {\n"
      "  input %x: f32[n,4]\n"
      "  input %u: ?[*]\n"
      "  const %shape: i64[2] = [1, -1]\n"
      "  const %idx: i32[1] = [0]\n"
      "  %s: i64[2] = Shape @shape_of (%x)\n"
      "  %r: f32[1,?] = Reshape @reshape (%x, %shape)\n"
      "  %g: f32[*] = Gather @gather (%r, %idx)\n"
      "  %c: f32[*] = Concat @concat (%g, %u, %r) {axis = 0}\n"
      "  %k: i64[*] = Cast @cast (%c) {to = \"i64\"}\n"
      "  %y: f32[*] = Slice @slice (%c, %shape, %shape, _, _)\n"
      "  output %y\n"
      "  output %k\n"
      "  output %s\n"
      "}\n");
  status = verify_graph(text_graph);
  EXPECT_TRUE(status.is_ok()) << status.error().to_string();
}

TEST(Verifier, UnknownOp) {
  Graph graph = parse_or_die(
      "graph @g {\n  input %x: f32[1]\n  %y: f32[1] = Frobnicate @f (%x)\n  output %y\n}\n");
  expect_invalid(graph, "f", "unknown op 'Frobnicate'");
}

TEST(Verifier, Arity) {
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n"
                              "  %y: f32[1] = Add @add (%x)\n  output %y\n}\n"),
                 "add", "Add: takes 2 inputs, got 1");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n"
                              "  %y: f32[1] = Conv @conv (%x, %x, %x, %x)\n}\n"),
                 "conv", "takes 2 to 3 inputs, got 4");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n"
                              "  %y: f32[1], %z: f32[1] = Relu @relu (%x)\n}\n"),
                 "relu", "has 1 outputs, got 2");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n  Relu @relu (%x)\n}\n"), "relu",
                 "has 1 outputs, got 0");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n"
                              "  %y: f32[1] = Conv @conv (%x, _)\n}\n"),
                 "conv", "input 1 is required but omitted");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[1]\n"
                              "  %y: f32[1] = Concat @cat (%x, _, %x)\n}\n"),
                 "cat", "input 1 is required but omitted");
}

TEST(Verifier, NullOutput) {
  Graph graph = parse_or_die("graph @g {\n  input %x: f32[1]\n  _ = Relu @relu (%x)\n}\n");
  expect_invalid(graph, "relu", "has a null output");
}

TEST(Verifier, UseBeforeDefinitionNamesTheNode) {
  Graph graph;
  test::build_conv_relu(graph);
  // Move relu in front of conv: relu now reads conv's output before it exists.
  auto& nodes = graph.mutable_nodes();
  std::swap(nodes[0], nodes[1]);
  expect_invalid(graph, "relu1", "reads %y before node 'conv1' produces it");
}

TEST(Verifier, Cycle) {
  Graph graph;
  graph.name = "g";
  Value* x = graph.add_value("x", f32({1}));
  graph.inputs.push_back(x);
  Value* a = graph.add_value("a", f32({1}));
  Value* b = graph.add_value("b", f32({1}));
  graph.add_node("first", "Add", {x, b}, {a});
  graph.add_node("second", "Relu", {a}, {b});
  expect_invalid(graph, "first", "reads %b before node 'second' produces it");
}

TEST(Verifier, UndefinedValues) {
  Graph graph;
  graph.name = "g";
  Value* dangling = graph.add_value("dangling", f32({1}));
  Value* y = graph.add_value("y", f32({1}));
  graph.add_node("relu", "Relu", {dangling}, {y});
  expect_invalid(graph, "relu", "reads %dangling, which is never defined");

  Graph outputs;
  outputs.outputs.push_back(outputs.add_value("nothing", f32({1})));
  expect_invalid(outputs, "", "graph output %nothing is never defined");

  Graph null_output;
  null_output.outputs.push_back(nullptr);
  expect_invalid(null_output, "", "a graph output is null");
}

TEST(Verifier, ValueDefinedTwice) {
  Graph graph;
  Value* x = graph.add_value("x", f32({1}));
  graph.inputs = {x, x};
  expect_invalid(graph, "", "graph input %x is listed twice");

  Graph twice;
  Value* in = twice.add_value("in", f32({1}));
  twice.inputs.push_back(in);
  Value* y = twice.add_value("y", f32({1}));
  twice.add_node("one", "Relu", {in}, {y});
  twice.add_node("two", "Relu", {in}, {y});  // steals y's producer pointer
  expect_invalid(twice, "one", "output %y does not name this node as its producer");

  Graph input_output;
  Value* v = input_output.add_value("v", f32({1}));
  input_output.inputs.push_back(v);
  input_output.add_node("relu", "Relu", {v}, {v});
  expect_invalid(input_output, "", "graph input %v is also produced by node 'relu'");

  Graph constant_input;
  Value* c = constant_input.add_constant("c", make_float_tensor({1}, {1.0f}));
  constant_input.inputs.push_back(c);
  expect_invalid(constant_input, "", "graph input %c is also a constant");
}

TEST(Verifier, ProducerPointersAgree) {
  Graph graph;
  test::build_conv_relu(graph);
  graph.find_value("x")->producer = graph.find_node("relu1");
  expect_invalid(graph, "relu1", "value %x names this node as producer but is not its output");
}

TEST(Verifier, NamesUniqueAndNonEmpty) {
  Graph values;
  values.add_value("same", f32({1}));
  values.add_value("same", f32({1}));
  expect_invalid(values, "", "value name %same is used more than once");

  Graph nodes;
  test::build_conv_relu(nodes);
  nodes.find_node("relu1")->name = "conv1";
  expect_invalid(nodes, "conv1", "node name is used more than once");

  Graph empty;
  test::build_conv_relu(empty);
  empty.find_node("relu1")->name = "";
  expect_invalid(empty, "", "a Relu node has an empty name");
}

TEST(Verifier, ConstantDataMatchesItsType) {
  Graph short_data;
  short_data.add_constant("c", Tensor{DType::Float32, {4}, TensorData::copy_of("abcd", 4)});
  expect_invalid(short_data, "", "constant %c holds 4 bytes but its type needs 16");

  Graph wrong_type;
  Value* c = wrong_type.add_constant("c", make_float_tensor({2}, {1, 2}));
  c->type = TensorType{DType::Float64, static_shape({2})};
  expect_invalid(wrong_type, "", "constant %c has type f64[2] but its data is f32[2]");

  Graph no_dtype;
  no_dtype.add_constant("c", Tensor{DType::Unknown, {1}, {}});
  expect_invalid(no_dtype, "", "constant %c has no dtype");
}

TEST(Verifier, ElementwiseInputsShareADtype) {
  Graph graph = parse_or_die(
      "graph @g {\n  input %a: f32[2]\n  input %b: i64[2]\n"
      "  %c: f32[2] = Add @add (%a, %b)\n  output %c\n}\n");
  expect_invalid(graph, "add", "Add: %b is i64 but %a is f32 (these must share a dtype)");

  Graph output_mismatch = parse_or_die(
      "graph @g {\n  input %a: f32[2]\n  %c: f16[2] = Relu @relu (%a)\n  output %c\n}\n");
  expect_invalid(output_mismatch, "relu", "output %c is f16 but %a is f32");

  Graph concat = parse_or_die(
      "graph @g {\n  input %a: f32[2]\n  input %u: ?[*]\n  input %b: f64[2]\n"
      "  %c: ?[*] = Concat @cat (%a, %u, %b)\n  output %c\n}\n");
  expect_invalid(concat, "cat", "%b is f64 but %a is f32");
}

// Elu and Resize (then UpsampleNearest) had no dtype rule before Ops.def gave every op one.
TEST(Verifier, EveryOpHasADtypeRule) {
  expect_invalid(parse_or_die("graph @g {\n  input %a: f32[2]\n"
                              "  %c: f16[2] = Elu @elu (%a)\n  output %c\n}\n"),
                 "elu", "Elu: output %c is f16 but %a is f32");
  expect_invalid(parse_or_die("graph @g {\n  input %a: f32[1,2]\n"
                              "  %c: i64[2,4] = Resize @up (%a) {scales = [2.0, 2.0]}\n"
                              "  output %c\n}\n"),
                 "up", "output %c is i64 but %a is f32");
}

TEST(Verifier, FloatingPointOps) {
  Graph graph = parse_or_die(
      "graph @g {\n  input %a: i32[2,2]\n  input %b: i32[2,2]\n"
      "  %c: ?[*] = MatMul @mm (%a, %b)\n  output %c\n}\n");
  expect_invalid(graph, "mm", "MatMul: input %a must be floating-point, not i32");

  Graph conv = parse_or_die(
      "graph @g {\n  input %x: f32[1,1,2,2]\n  const %w: i8[1,1,1,1] = [1]\n"
      "  %y: ?[*] = Conv @conv (%x, %w)\n  output %y\n}\n");
  expect_invalid(conv, "conv", "input %w must be floating-point, not i8");
}

TEST(Verifier, IndexAndShapeDtypes) {
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[2]\n  input %s: f32[1]\n"
                              "  %y: f32[*] = Reshape @r (%x, %s)\n}\n"),
                 "r", "input %s must be i32 or i64, not f32");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[2]\n"
                              "  %y: i32[1] = Shape @s (%x)\n}\n"),
                 "s", "output %y must be i64, not i32");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[2]\n"
                              "  %y: f32[2] = Cast @c (%x) {to = \"i64\"}\n}\n"),
                 "c", "output %y is f32 but 'to' is i64");
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[2]\n"
                              "  %y: f32[2] = Cast @c (%x) {to = \"float\"}\n}\n"),
                 "c", "attribute 'to' is not a dtype name");
}

TEST(Verifier, UnsignedShiftsAndQuantizedOutputs) {
  expect_invalid(parse_or_die("graph @g {\n  input %a: i32[2]\n  input %b: i32[2]\n"
                              "  %c: i32[2] = BitShift @shift (%a, %b) {direction = \"LEFT\"}\n"
                              "  output %c\n}\n"),
                 "shift", "BitShift: input %a must be an unsigned integer, not i32");
  // The quantized ops' output dtype is their `to`, whatever their operands are.
  expect_invalid(parse_or_die("graph @g {\n  input %x: f32[2]\n  const %s: f32[] = [0.5]\n"
                              "  %q: i8[2] = QuantizeLinear @q (%x, %s) {to = \"u8\"}\n"
                              "  output %q\n}\n"),
                 "q", "output %q is i8 but 'to' is u8");
}

TEST(Verifier, ValuesFromAnotherGraph) {
  Graph other;
  Value* foreign = other.add_value("foreign", f32({1}));
  Graph graph;
  Value* y = graph.add_value("y", f32({1}));
  graph.add_node("relu", "Relu", {foreign}, {y});
  expect_invalid(graph, "relu", "reads a value that is not owned by the graph");
}

}  // namespace
}  // namespace kiln
