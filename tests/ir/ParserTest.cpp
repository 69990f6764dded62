// ParserTest.cpp: reading IR text back (ir/Parser.h): round trips, parsed structure, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "TestGraphs.h"
#include "ir/Parser.h"
#include "ir/Printer.h"

namespace kiln {
namespace {

/// Parses `text`, failing the test on error; the printed result must equal `text` exactly.
void expect_round_trip(const std::string& text) {
  Result<Graph> graph = parse_graph(text, "test.kir");
  ASSERT_TRUE(graph.is_ok()) << graph.error().to_string() << "\n" << text;
  EXPECT_EQ(graph_to_string(*graph, PrintOptions{0}), text);
}

TEST(ParserRoundTrip, ConvRelu) {
  Graph graph;
  test::build_conv_relu(graph);
  expect_round_trip(graph_to_string(graph));
}

TEST(ParserRoundTrip, SymbolicDimsUnknownsAndMultipleOutputs) {
  expect_round_trip(
      "graph @g {\n"
      "  input %x: f32[batch,3,?,\"w idth\"]\n"
      "  input %s: ?[*]\n"
      "  input %scalar: i64[]\n"
      "  %a: f32[batch,?], %b: ?[*] = Split @n (%x, _, %s)\n"
      "  %c: f32[*] = Identity @\"node/with space\" (%a)\n"
      "  _, %d: f32[1] = TwoOut @t (%c)\n"
      "  Sink @sink (%d, %scalar)\n"
      "  output %b\n"
      "  output %c\n"
      "}\n");
}

TEST(ParserRoundTrip, QuotedNamesAndEscapes) {
  expect_round_trip(
      "graph @\"my graph\" {\n"
      "  input %input:0: f32[\"N 1\"]\n"
      "  %\"a\\\"b\\\\c\": f32[\"?\"] = \"Weird Op\" @\"\" (%input:0) "
      "{\"odd name\" = \"line\\nbreak\\ttab\\x01\\x7f\"}\n"
      "  output %\"a\\\"b\\\\c\"\n"
      "}\n");
}

TEST(ParserRoundTrip, AllAttributeKinds) {
  expect_round_trip(
      "graph @g {\n"
      "  input %x: f32[1]\n"
      "  %y: f32[1] = Custom @n (%x) {a_float = 1.0, big = -inf, empty = [], eps = 1e-05, "
      "floats = [0.5, 2.0, nan], ints = [1, -2, 9223372036854775807], precise = 0.1, "
      "str = \"NOTSET\", strings = [\"a\", \"b c\"], tiny = 5e-324, z_int = -3}\n"
      "  output %y\n"
      "}\n");
}

TEST(ParserRoundTrip, ConstantsOfEveryDtype) {
  expect_round_trip(
      "graph @g {\n"
      "  const %f32: f32[2,2] = [0.1, -2.0, 3.4028235e+38, 1e-45]\n"
      "  const %f64: f64[2] = [0.1, 1e+300]\n"
      "  const %f16: f16[4] = [1.0, -2.0, 5.9604645e-08, 65504.0]\n"
      "  const %i8: i8[2] = [-128, 127]\n"
      "  const %i16: i16[1] = [-300]\n"
      "  const %i32: i32[1] = [70000]\n"
      "  const %i64: i64[] = [-9223372036854775808]\n"
      "  const %u8: u8[1] = [255]\n"
      "  const %u16: u16[2] = [0, 65535]\n"
      "  const %u32: u32[1] = [4294967295]\n"
      "  const %u64: u64[2] = [0, 18446744073709551615]\n"
      "  const %bool: bool[2] = [1, 0]\n"
      "  const %none: f32[0,4] = []\n"
      "  const %special: f32[3] = [inf, -inf, nan]\n"
      "  output %f32\n"
      "}\n");
}

TEST(ParserRoundTrip, PrintedGraphsReadBack) {
  // Every graph the printer tests build must survive print -> parse -> print.
  Graph graph;
  graph.name = "built";
  Value* x = graph.add_value("x", TensorType{DType::Float16, std::nullopt});
  graph.inputs.push_back(x);
  graph.add_constant("half", test::make_tensor<uint16_t>(DType::Float16, {2}, {0x7bff, 0x8001}));
  Value* y = graph.add_value("y", TensorType{DType::Float16, Shape{Dim::symbolic("_")}});
  Attributes attrs;
  attrs.set("alpha", static_cast<double>(0.2f));
  attrs.set("axes", std::vector<int64_t>{});
  graph.add_node("n", "LeakyRelu", {x}, {y}, attrs);
  graph.outputs.push_back(y);
  std::string first = graph_to_string(graph, PrintOptions{0});
  expect_round_trip(first);
}

TEST(Parser, BuildsTheGraphItPrints) {
  Result<Graph> parsed = parse_graph(
      "// a comment line\n"
      "graph @g {  # another comment\n"
      "  input %x: f32[batch,2]\n"
      "  const %w: f32[2,2] = [1, 2.5, -0.0, 1e-3]\n"
      "  const %h: f16[1] = [0.1]\n"
      "  %y: f32[batch,2] = MatMul @mm (%x, %w)\n"
      "  %z: f32[batch,2] = Conv @c (%y, %w, _) {pads = [0, 0], alpha = 2}\n"
      "  output %z\n"
      "}\n");
  ASSERT_TRUE(parsed.is_ok()) << parsed.error().to_string();
  Graph& graph = *parsed;
  EXPECT_EQ(graph.name, "g");
  ASSERT_EQ(graph.inputs.size(), 1u);
  EXPECT_EQ(graph.inputs[0]->type.to_string(), "f32[batch,2]");
  ASSERT_EQ(graph.constants().size(), 2u);
  const Tensor& w = *graph.find_value("w")->constant;
  EXPECT_EQ(w.dims, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(w.data.size(), 16u);
  EXPECT_EQ(w.data.as<float>()[1], 2.5f);
  EXPECT_TRUE(std::signbit(w.data.as<float>()[2]));
  EXPECT_EQ(w.data.as<float>()[3], 1e-3f);
  EXPECT_EQ(graph.find_value("h")->constant->data.as<uint16_t>()[0], 0x2e66);  // f16 nearest 0.1
  ASSERT_EQ(graph.nodes().size(), 2u);
  const Node& conv = *graph.nodes()[1];
  EXPECT_EQ(conv.op, "Conv");
  EXPECT_EQ(conv.name, "c");
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(conv.inputs[0], graph.find_value("y"));
  EXPECT_EQ(conv.inputs[2], nullptr);
  EXPECT_EQ(conv.outputs[0]->producer, &conv);
  EXPECT_EQ(conv.attrs.get_ints("pads"), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(conv.attrs.get_int("alpha", 0), 2);
  ASSERT_EQ(graph.outputs.size(), 1u);
  EXPECT_EQ(graph.outputs[0], graph.find_value("z"));
  EXPECT_EQ(graph.find_value("x")->producer, nullptr);
}

TEST(Parser, FloatBitsSurviveRoundTrip) {
  Graph graph;
  graph.name = "g";
  std::vector<float> values = {0.1f, 1.0f / 3.0f, 1e-38f, 1.17549435e-38f, 16777217.0f, -0.0f};
  graph.add_constant("f", make_float_tensor({6}, values));
  Result<Graph> parsed = parse_graph(graph_to_string(graph));
  ASSERT_TRUE(parsed.is_ok()) << parsed.error().to_string();
  const Tensor& tensor = *parsed->find_value("f")->constant;
  ASSERT_EQ(tensor.data.size(), values.size() * 4);
  EXPECT_EQ(std::memcmp(tensor.data.data(), values.data(), values.size() * 4), 0);
}

TEST(Parser, ReadsFiles) {
  std::string path = std::string(KILN_BINARY_DIR) + "/parser_test_input.kir";
  {
    std::ofstream file(path);
    file << "graph @f {\n  input %x: f32[1]\n  output %x\n}\n";
  }
  Result<Graph> parsed = parse_graph_file(path);
  ASSERT_TRUE(parsed.is_ok()) << parsed.error().to_string();
  EXPECT_EQ(parsed->name, "f");
  std::remove(path.c_str());

  Result<Graph> missing = parse_graph_file(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.error().file, path);
}

struct ErrorCase {
  const char* text;
  const char* expected;  ///< substring of Error::to_string()
};

class ParserErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrors, ReportLineColumnAndReason) {
  Result<Graph> parsed = parse_graph(GetParam().text, "bad.kir");
  ASSERT_FALSE(parsed.is_ok()) << GetParam().text;
  EXPECT_NE(parsed.error().to_string().find(GetParam().expected), std::string::npos)
      << "got: " << parsed.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParserErrors,
    ::testing::Values(
        ErrorCase{"", "bad.kir:1:1: expected 'graph' at the start"},
        ErrorCase{"graph g {}", "bad.kir:1:7: expected the graph name"},
        ErrorCase{"graph @g {\n  input %x: f33[1]\n}", "bad.kir:2:13: expected a dtype"},
        ErrorCase{"graph @g {\n  input %x: f32[1\n}", "bad.kir:3:1: expected ','"},
        ErrorCase{"graph @g {\n  input %x: f32[-1]\n}",
                  "bad.kir:2:17: a dimension must not be negative"},
        ErrorCase{"graph @g {\n  input %x: f32[1]\n  input %x: f32[1]\n}",
                  "bad.kir:3:9: value %x is already defined"},
        ErrorCase{"graph @g {\n  output %y\n}", "bad.kir:2:10: use of undefined value %y"},
        ErrorCase{"graph @g {\n  %y: f32[1] = Relu @r (%x)\n}",
                  "bad.kir:2:25: node 'r': use of undefined value %x"},
        ErrorCase{"graph @g {\n  %y: f32[1] = Relu @r (%y)\n}", "node reads its own output %y"},
        ErrorCase{"graph @g {\n  const %c: f32[2] = elided\n}", "2:22: constant %c is elided"},
        ErrorCase{"graph @g {\n  const %c: f32[2] = [1]\n}",
                  "bad.kir:2:24: constant %c of type f32[2] needs 2 elements, found 1"},
        ErrorCase{"graph @g {\n  const %c: f32[n] = [1]\n}", "needs a known dtype and a static"},
        ErrorCase{"graph @g {\n  const %c: i8[1] = [300]\n}",
                  "bad.kir:2:22: element 300 does not fit in i8"},
        ErrorCase{"graph @g {\n  const %c: i32[1] = [1.5]\n}", "expected an integer element"},
        ErrorCase{"graph @g {\n  const %c: bool[1] = [2]\n}", "does not fit in bool"},
        ErrorCase{"graph @g {\n  const %c: f32[1] = [1e999]\n}", "number 1e999 is out of range"},
        ErrorCase{"graph @g {\n  const %c: i64[1] = [99999999999999999999]\n}",
                  "integer 99999999999999999999 is out of range"},
        ErrorCase{"graph @g {\n  input %x: f32[1]\n  %y: f32[1] = Relu @r (%x) {a = 1, a = 2}\n}",
                  "bad.kir:3:37: node 'r': attribute 'a' is repeated"},
        ErrorCase{"graph @g {\n  input %x: f32[1]\n  %y: f32[1] = Relu @r (%x) {a = [1, \"s\"]}\n}",
                  "a list mixes strings and numbers"},
        ErrorCase{"graph @g {\n  input %x: f32[\"unterminated]\n}", "2:17: unterminated string"},
        ErrorCase{"graph @g {\n  input %x: f32[\"bad\\q\"]\n}", "unknown escape sequence"},
        ErrorCase{"graph @g {\n  input %x: f32[1] $\n}", "2:20: unexpected character '$'"},
        ErrorCase{"graph @g {\n  input %x: f32[12abc]\n}", "malformed number '12abc'"},
        ErrorCase{"graph @g {\n  input %\n}", "expected a name after '%'"},
        ErrorCase{"graph @g {\n  input %x: f32[1]\n", "expected '}' to close the graph"},
        ErrorCase{"graph @g {\n}\ngraph @h {\n}", "bad.kir:3:1: unexpected 'graph' after the end"},
        ErrorCase{"graph @g {\n  output _\n}", "expected a value name"},
        ErrorCase{"graph @g {\n  banana\n}", "expected 'input', 'const', 'output' or a node"},
        ErrorCase{"graph @g {\n  input %x: f32[1]\n  %y: f32[1] = Relu (%x)\n}",
                  "3:21: expected the node name (@name)"}));

}  // namespace
}  // namespace kiln
