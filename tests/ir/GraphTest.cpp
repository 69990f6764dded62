// GraphTest.cpp: the IR data types and Graph editing helpers of ir/IR.cpp, checked by building
// graphs by hand and verifying them after each edit.
#include <gtest/gtest.h>

#include "TestGraphs.h"
#include "ir/Error.h"
#include "ir/OpSchema.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

namespace kiln {
namespace {

using test::f32;

TEST(IRTypes, DTypeTable) {
  EXPECT_EQ(dtype_size(DType::Float16), 2u);
  EXPECT_EQ(dtype_size(DType::Int64), 8u);
  EXPECT_EQ(dtype_size(DType::Unknown), 0u);
  for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::Int8, DType::Int16,
                      DType::Int32, DType::Int64, DType::UInt8, DType::Bool, DType::UInt16,
                      DType::UInt32, DType::UInt64, DType::Unknown})
    EXPECT_EQ(parse_dtype_name(dtype_name(dtype)), dtype);
  EXPECT_EQ(dtype_size(DType::UInt16), 2u);
  EXPECT_EQ(dtype_size(DType::UInt32), 4u);
  EXPECT_EQ(dtype_size(DType::UInt64), 8u);
  EXPECT_TRUE(is_unsigned(DType::UInt64));
  EXPECT_FALSE(is_unsigned(DType::Int64));
  EXPECT_EQ(parse_dtype_name("float"), std::nullopt);
  EXPECT_TRUE(is_floating(DType::Float16));
  EXPECT_FALSE(is_floating(DType::Int32));
}

TEST(IRTypes, ShapesAndTypes) {
  Shape shape{Dim::symbolic("batch"), Dim::known(3), Dim::unknown()};
  EXPECT_EQ(shape_to_string(shape), "[batch,3,?]");
  EXPECT_FALSE(is_static(shape));
  EXPECT_EQ(static_element_count(shape), std::nullopt);
  EXPECT_EQ(static_element_count(static_shape({2, 3, 4})), 24);
  EXPECT_EQ((TensorType{DType::Float32, std::nullopt}).to_string(), "f32[*]");
  EXPECT_TRUE((TensorType{DType::Int64, Shape{}}).is_known());
  EXPECT_FALSE((TensorType{DType::Unknown, Shape{}}).is_known());
}

TEST(IRTypes, TensorElements) {
  Tensor floats = make_float_tensor({2}, {1.5f, -2.0f});
  EXPECT_EQ(floats.element_count(), 2);
  EXPECT_EQ(floats.element_as_double(0), 1.5);
  EXPECT_EQ(floats.element_as_int(1), -2);
  Tensor half = test::make_tensor<uint16_t>(DType::Float16, {2}, {0x3c00, 0x0001});
  EXPECT_EQ(half.element_as_double(0), 1.0);
  EXPECT_EQ(half.element_as_double(1), 5.9604644775390625e-08);
  TensorData shared = floats.data;  // copies share the bytes
  EXPECT_EQ(shared.data(), floats.data.data());
}

TEST(IRTypes, AttributeGettersConvert) {
  Attributes attrs;
  attrs.set("i", int64_t{3});
  attrs.set("f", 0.5);
  attrs.set("ints", std::vector<int64_t>{1, 2});
  attrs.set("empty", std::vector<int64_t>{});
  EXPECT_EQ(attrs.get_int("i", 0), 3);
  EXPECT_EQ(attrs.get_float("i", 0), 3.0);
  EXPECT_EQ(attrs.get_float("missing", 7.0), 7.0);
  EXPECT_EQ(attrs.get_ints("i"), (std::vector<int64_t>{3}));
  EXPECT_EQ(attrs.get_floats("ints"), (std::vector<double>{1.0, 2.0}));
  EXPECT_TRUE(attrs.get_floats("empty", {9.0}).empty());
  EXPECT_EQ(attrs.get_string("f", "fallback"), "fallback");
}

TEST(IRTypes, OpSchemaComesFromOpsDef) {
  const OpSchema* conv = find_op_schema("Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->min_inputs, 2);
  EXPECT_EQ(conv->max_inputs, 3);
  EXPECT_EQ(find_op_schema("Concat")->max_inputs, -1);
  EXPECT_EQ(find_op_schema("NotAnOp"), nullptr);
  EXPECT_FALSE(all_op_schemas().empty());
}

TEST(IRTypes, ErrorFormatting) {
  EXPECT_EQ((Error{"m.onnx", "conv1", "bad"}).to_string(), "m.onnx: node 'conv1': bad");
  EXPECT_EQ(make_error("only").to_string(), "only");
  Result<int> result = make_error("nope");
  EXPECT_FALSE(result.is_ok());
  EXPECT_FALSE(result.status().is_ok());
}

TEST(GraphEditing, BuildLookUpAndUsers) {
  Graph graph;
  test::build_conv_relu(graph);
  ASSERT_TRUE(verify_graph(graph).is_ok());
  Value* y = graph.find_value("y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->producer, graph.find_node("conv1"));
  EXPECT_EQ(graph.find_value("nope"), nullptr);
  EXPECT_EQ(graph.find_node("nope"), nullptr);
  ASSERT_EQ(graph.users(y).size(), 1u);
  EXPECT_EQ(graph.users(y)[0]->name, "relu1");
  std::vector<Value*> constants = graph.constants();
  ASSERT_EQ(constants.size(), 2u);
  EXPECT_EQ(constants[0]->name, "w");  // creation order
  EXPECT_EQ(constants[0]->type.to_string(), "f32[2,3,1,1]");
  EXPECT_EQ(graph.unique_value_name("w"), "w_1");
  EXPECT_EQ(graph.unique_value_name("fresh"), "fresh");
  EXPECT_EQ(graph.unique_node_name("conv1"), "conv1_1");
}

TEST(GraphEditing, InsertNodeAndReplaceUses) {
  Graph graph;
  test::build_conv_relu(graph);
  Value* y = graph.find_value("y");
  Value* scaled = graph.add_value(graph.unique_value_name("y"), y->type);
  Value* two = graph.add_constant("two", make_float_tensor({}, {2.0f}));
  graph.replace_all_uses(y, scaled);
  graph.insert_node(1, "scale", "Mul", {y, two}, {scaled});
  Status status = verify_graph(graph);
  ASSERT_TRUE(status.is_ok()) << status.error().to_string();
  EXPECT_EQ(graph.nodes()[1]->name, "scale");
  EXPECT_EQ(graph.find_node("relu1")->inputs[0], scaled);
  EXPECT_NE(graph_to_string(graph).find("%y_1: f32[batch,2,8,8] = Mul @scale (%y, %two)\n"
                                        "  %z: f32[batch,2,8,8] = Relu @relu1 (%y_1)\n"),
            std::string::npos)
      << graph_to_string(graph);
}

TEST(GraphEditing, RemoveNodeAndValue) {
  Graph graph;
  test::build_conv_relu(graph);
  Node* relu = graph.find_node("relu1");
  Value* z = graph.find_value("z");
  Value* y = graph.find_value("y");
  graph.replace_all_uses(z, y);  // graph output now y
  graph.remove_node(relu);
  EXPECT_EQ(z->producer, nullptr);
  graph.remove_value(z);
  EXPECT_EQ(graph.find_value("z"), nullptr);
  EXPECT_EQ(graph.outputs[0], y);
  Status status = verify_graph(graph);
  EXPECT_TRUE(status.is_ok()) << status.error().to_string();
  EXPECT_EQ(graph.nodes().size(), 1u);
}

TEST(GraphEditing, DeadValueFromRemovedNodeIsHarmless) {
  Graph graph;
  test::build_conv_relu(graph);
  graph.replace_all_uses(graph.find_value("z"), graph.find_value("y"));
  graph.remove_node(graph.find_node("relu1"));  // %z stays, unused and undefined
  EXPECT_TRUE(verify_graph(graph).is_ok());
}

}  // namespace
}  // namespace kiln
