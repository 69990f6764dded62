// PrinterTest.cpp: golden IR text for hand-built graphs (ir/Printer.h).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "TestGraphs.h"
#include "ir/Printer.h"

namespace kiln {
namespace {

using test::f32;
using test::make_tensor;

TEST(Printer, ConvReluGolden) {
  Graph graph;
  test::build_conv_relu(graph);
  EXPECT_EQ(graph_to_string(graph),
            "graph @conv_relu {\n"
            "  input %x: f32[batch,3,8,8]\n"
            "  const %w: f32[2,3,1,1] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\n"
            "  const %b: f32[2] = [0.5, -0.25]\n"
            "  %y: f32[batch,2,8,8] = Conv @conv1 (%x, %w, %b) {group = 1, kernel_shape = [1, 1]}\n"
            "  %z: f32[batch,2,8,8] = Relu @relu1 (%y)\n"
            "  output %z\n"
            "}\n");
}

TEST(Printer, ElidesLargeConstantsOnlyWhenAsked) {
  Graph graph;
  graph.name = "g";
  graph.add_constant("big", make_float_tensor({17}, std::vector<float>(17, 1.0f)));
  graph.add_constant("small", make_float_tensor({16}, std::vector<float>(16, 0.0f)));
  std::string text = graph_to_string(graph);
  EXPECT_NE(text.find("const %big: f32[17] = elided\n"), std::string::npos) << text;
  EXPECT_NE(text.find("const %small: f32[16] = [0.0, 0.0"), std::string::npos) << text;
  std::string full = graph_to_string(graph, PrintOptions{0});
  EXPECT_EQ(full.find("elided"), std::string::npos) << full;
}

TEST(Printer, UnknownTypesOmittedInputsAndMultipleOutputs) {
  Graph graph;
  graph.name = "g";
  Value* x = graph.add_value("x", TensorType{DType::Float32, std::nullopt});
  graph.inputs.push_back(x);
  Value* a = graph.add_value("a", TensorType{DType::Unknown, Shape{Dim::unknown(), Dim::known(2)}});
  Value* b = graph.add_value("b", TensorType{});
  graph.add_node("n", "Split", {x, nullptr}, {a, b});
  graph.outputs = {a, b};
  EXPECT_EQ(graph_to_string(graph),
            "graph @g {\n"
            "  input %x: f32[*]\n"
            "  %a: ?[?,2], %b: ?[*] = Split @n (%x, _)\n"
            "  output %a\n"
            "  output %b\n"
            "}\n");
}

TEST(Printer, QuotesNamesThatAreNotBare) {
  Graph graph;
  graph.name = "my graph";
  Value* x = graph.add_value("input:0", TensorType{DType::Float32, Shape{Dim::symbolic("N 1")}});
  graph.inputs.push_back(x);
  Value* y = graph.add_value("a\"b\\c", TensorType{DType::Float32, Shape{Dim::symbolic("n")}});
  Attributes attrs;
  attrs.set("odd name", std::string("line\nbreak\ttab\x01"));
  graph.add_node("", "Weird Op", {x}, {y}, attrs);
  graph.outputs.push_back(y);
  EXPECT_EQ(graph_to_string(graph),
            "graph @\"my graph\" {\n"
            "  input %input:0: f32[\"N 1\"]\n"
            "  %\"a\\\"b\\\\c\": f32[n] = \"Weird Op\" @\"\" (%input:0) "
            "{\"odd name\" = \"line\\nbreak\\ttab\\x01\"}\n"
            "  output %\"a\\\"b\\\\c\"\n"
            "}\n");
}

TEST(Printer, AttributeKindsSortedAndFloatsMarked) {
  Graph graph;
  graph.name = "g";
  Value* x = graph.add_value("x", f32({1}));
  graph.inputs.push_back(x);
  Value* y = graph.add_value("y", f32({1}));
  Attributes attrs;
  attrs.set("z_int", int64_t{-3});
  attrs.set("a_float", 1.0);
  attrs.set("eps", static_cast<double>(1e-5f));
  attrs.set("precise", 0.1);  // not an exact f32: prints with double digits
  attrs.set("ints", std::vector<int64_t>{1, 2});
  attrs.set("floats", std::vector<double>{0.5, 2.0});
  attrs.set("strings", std::vector<std::string>{"a", "b c"});
  attrs.set("empty", std::vector<int64_t>{});
  attrs.set("str", std::string("NOTSET"));
  attrs.set("big", std::numeric_limits<double>::infinity());
  graph.add_node("n", "Custom", {x}, {y}, attrs);
  std::string text = graph_to_string(graph);
  EXPECT_NE(text.find("{a_float = 1.0, big = inf, empty = [], eps = 1e-05, floats = [0.5, 2.0], "
                      "ints = [1, 2], precise = 0.1, str = \"NOTSET\", strings = [\"a\", \"b c\"], "
                      "z_int = -3}"),
            std::string::npos)
      << text;
}

TEST(Printer, ConstantsOfEveryDtype) {
  Graph graph;
  graph.name = "g";
  graph.add_constant("f32", make_float_tensor({3}, {0.1f, -2.0f, 3.4028235e38f}));
  graph.add_constant("f64", make_tensor<double>(DType::Float64, {2}, {0.1, 1e300}));
  graph.add_constant("f16", make_tensor<uint16_t>(DType::Float16, {3}, {0x3c00, 0xc000, 0x0001}));
  graph.add_constant("i8", make_tensor<int8_t>(DType::Int8, {2}, {-128, 127}));
  graph.add_constant("i16", make_tensor<int16_t>(DType::Int16, {1}, {-300}));
  graph.add_constant("i32", make_tensor<int32_t>(DType::Int32, {1}, {70000}));
  graph.add_constant("i64", make_int64_tensor({}, {-9007199254740993}));
  graph.add_constant("u8", make_tensor<uint8_t>(DType::UInt8, {1}, {255}));
  graph.add_constant("u16", make_tensor<uint16_t>(DType::UInt16, {1}, {65535}));
  graph.add_constant("u32", make_tensor<uint32_t>(DType::UInt32, {1}, {4294967295u}));
  graph.add_constant("u64", make_tensor<uint64_t>(DType::UInt64, {1}, {18446744073709551615ull}));
  graph.add_constant("bool", make_tensor<uint8_t>(DType::Bool, {2}, {1, 0}));
  graph.add_constant("none", make_float_tensor({0, 4}, {}));
  EXPECT_EQ(graph_to_string(graph),
            "graph @g {\n"
            "  const %f32: f32[3] = [0.1, -2.0, 3.4028235e+38]\n"
            "  const %f64: f64[2] = [0.1, 1e+300]\n"
            "  const %f16: f16[3] = [1.0, -2.0, 5.9604645e-08]\n"
            "  const %i8: i8[2] = [-128, 127]\n"
            "  const %i16: i16[1] = [-300]\n"
            "  const %i32: i32[1] = [70000]\n"
            "  const %i64: i64[] = [-9007199254740993]\n"
            "  const %u8: u8[1] = [255]\n"
            "  const %u16: u16[1] = [65535]\n"
            "  const %u32: u32[1] = [4294967295]\n"
            "  const %u64: u64[1] = [18446744073709551615]\n"
            "  const %bool: bool[2] = [1, 0]\n"
            "  const %none: f32[0,4] = []\n"
            "}\n");
}

TEST(Printer, NonFiniteFloats) {
  Graph graph;
  graph.name = "g";
  graph.add_constant(
      "c", make_float_tensor({3}, {std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(), std::nanf("")}));
  EXPECT_NE(graph_to_string(graph).find("= [inf, -inf, nan]"), std::string::npos)
      << graph_to_string(graph);
}

TEST(Printer, IsDeterministic) {
  Graph first, second;
  test::build_conv_relu(first);
  test::build_conv_relu(second);
  EXPECT_EQ(graph_to_string(first), graph_to_string(second));
}

TEST(Printer, MalformedConstantDoesNotCrash) {
  Graph graph;
  graph.name = "g";
  Tensor bad{DType::Float32, {4}, TensorData::copy_of("ab", 2)};
  graph.add_constant("bad", bad);
  EXPECT_NE(graph_to_string(graph, PrintOptions{0}).find("= elided"), std::string::npos);
}

}  // namespace
}  // namespace kiln
