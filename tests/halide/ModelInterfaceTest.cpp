// ModelInterfaceTest.cpp: the C-facing model interface: C names, symbols, escaping of names
// that reach generated C code.
#include <gtest/gtest.h>

#include "backends/halide/ModelInterface.h"

namespace kiln {
namespace {

TEST(ModelInterfaceTest, NamesBecomeUniqueCIdentifiersAndSymbolsComeFromInputs) {
  Graph graph;
  Value* x =
      graph.add_value("input.1", {DType::Float32, Shape{Dim::symbolic("batch"), Dim::known(3)}});
  Value* y = graph.add_value("input/1", {DType::Float32, Shape{Dim::symbolic("batch")}});
  Value* out = graph.add_value("9out", {DType::Float32, Shape{Dim::symbolic("batch")}});
  graph.inputs = {x, y};
  graph.outputs = {out};
  auto model = describe_model_interface(graph, "net");
  ASSERT_TRUE(model.is_ok()) << model.error().to_string();
  EXPECT_EQ(model->inputs[0].c_name, "input_1");
  EXPECT_EQ(model->inputs[1].c_name, "input_1_1");
  EXPECT_EQ(model->outputs[0].c_name, "t_9out");
  ASSERT_EQ(model->symbols.size(), 1u);
  EXPECT_EQ(model->inputs[0].dims, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(model->inputs[0].dim_symbols, (std::vector<int>{0, -1}));
}

TEST(ModelInterfaceTest, OutputSymbolNotDeterminedByInputsIsAnError) {
  Graph graph;
  Value* x = graph.add_value("x", {DType::Float32, Shape{Dim::known(2)}});
  Value* y = graph.add_value("y", {DType::Float32, Shape{Dim::symbolic("n")}});
  graph.inputs = {x};
  graph.outputs = {y};
  auto model = describe_model_interface(graph, "net");
  ASSERT_FALSE(model.is_ok());
  EXPECT_NE(model.error().message.find("'n'"), std::string::npos);
  EXPECT_FALSE(describe_model_interface(graph, "not an identifier").is_ok());
}

TEST(ModelInterfaceTest, HostileNamesAreEscapedForGeneratedC) {
  EXPECT_EQ(c_string_literal("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(c_string_literal("new\nline"), "\"new\\012line\"");
  EXPECT_EQ(comment_safe("x*/y"), "x* /y");
  EXPECT_TRUE(is_c_identifier("resnet_18"));
  EXPECT_FALSE(is_c_identifier("18resnet"));
}

}  // namespace
}  // namespace kiln
