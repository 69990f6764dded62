// OnnxIndexQuantFormsTest.cpp: the ONNX forms of the indexing, loss and quantized ops import into
// their IR forms (folded K/depth/axis inputs, Scatter as ScatterElements, OneHot's values first,
// the quantized ops' output dtype in `to`), and forms Kiln cannot compile are errors naming the
// node.
#include <gtest/gtest.h>

#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

const Node* find_node(const Graph& graph, const std::string& op) {
  for (const auto& node : graph.nodes())
    if (node->op == op) return node.get();
  return nullptr;
}

/// A one-element tensor of an 8-bit ONNX type (int32_data holds the value).
onnx::TensorProto byte_scalar(const std::string& name, int32_t type, int32_t value) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(type);
  tensor.add_int32_data(value);
  return tensor;
}

TEST(OnnxIndexQuantForms, TopKAttributeAndInputForms) {
  onnx::ModelProto old_form = model_with_input(9);
  onnx::NodeProto* topk = add_node(old_form, "TopK", {"x"}, {"y", "i"}, "topk");
  set_int(topk, "k", 2);
  set_int(topk, "axis", 1);
  Graph old_graph = import_ok(old_form);
  const Node* node = find_node(old_graph, "TopK");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_int("k", 0), 2);
  EXPECT_EQ(node->outputs.size(), 2u);

  onnx::ModelProto new_form = model_with_input(11);
  add_initializer(new_form, int64_tensor("k", {1}, {3}));
  set_int(add_node(new_form, "TopK", {"x", "k"}, {"y", "i"}, "topk"), "largest", 0);
  Graph new_graph = import_ok(new_form);
  node = find_node(new_graph, "TopK");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_int("k", 0), 3);
  EXPECT_EQ(node->attrs.get_int("largest", 1), 0);
  EXPECT_EQ(node->inputs.size(), 1u);

  // largest does not exist before opset 11; K must be known to compile.
  onnx::ModelProto early_largest = model_with_input(10);
  add_initializer(early_largest, int64_tensor("k", {1}, {3}));
  set_int(add_node(early_largest, "TopK", {"x", "k"}, {"y", "i"}, "topk"), "largest", 0);
  expect_node_error(early_largest, "topk", "unsupported attribute 'largest'");
  onnx::ModelProto runtime_k = model_with_input(11);
  add_input(runtime_k, "k", {int64_t{1}}, onnx::TensorProto::INT64);
  add_node(runtime_k, "TopK", {"x", "k"}, {"y", "i"}, "topk");
  expect_node_error(runtime_k, "topk", "must be a constant");
}

TEST(OnnxIndexQuantForms, ScatterOneHotCumSum) {
  onnx::ModelProto scatter = model_with_input(9);
  add_input(scatter, "idx", {int64_t{1}, int64_t{3}, int64_t{4}}, onnx::TensorProto::INT64);
  add_input(scatter, "upd", {int64_t{1}, int64_t{3}, int64_t{4}});
  set_int(add_node(scatter, "Scatter", {"x", "idx", "upd"}, {"y"}, "scatter"), "axis", 0);
  Graph scatter_graph = import_ok(scatter);
  const Node* node = find_node(scatter_graph, "ScatterElements");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_int("axis", -1), 0);

  onnx::ModelProto one_hot = model_with_input(11);
  add_initializer(one_hot, raw_float_tensor("depth", {}, {5}));
  add_initializer(one_hot, raw_float_tensor("values", {2}, {0, 1}));
  add_node(one_hot, "OneHot", {"x", "depth", "values"}, {"y"}, "onehot");
  Graph one_hot_graph = import_ok(one_hot);
  node = find_node(one_hot_graph, "OneHot");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_int("depth", 0), 5);
  ASSERT_EQ(node->inputs.size(), 2u);
  EXPECT_EQ(node->inputs[0]->name, "values");
  EXPECT_EQ(node->inputs[1]->name, "x");
  onnx::ModelProto runtime_depth = model_with_input(11);
  add_input(runtime_depth, "depth", {});
  add_initializer(runtime_depth, raw_float_tensor("values", {2}, {0, 1}));
  add_node(runtime_depth, "OneHot", {"x", "depth", "values"}, {"y"}, "onehot");
  expect_node_error(runtime_depth, "onehot", "must be a constant");

  onnx::ModelProto cum_sum = model_with_input(14);
  add_initializer(cum_sum, int64_tensor("axis", {}, {-1}));
  set_int(add_node(cum_sum, "CumSum", {"x", "axis"}, {"y"}, "cumsum"), "reverse", 1);
  Graph cum_sum_graph = import_ok(cum_sum);
  node = find_node(cum_sum_graph, "CumSum");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_int("axis", 0), -1);
  EXPECT_EQ(node->attrs.get_int("reverse", 0), 1);
  onnx::ModelProto no_axis = model_with_input(14);
  add_node(no_axis, "CumSum", {"x"}, {"y"}, "cumsum");
  expect_node_error(no_axis, "cumsum", "needs its 'axis' input");
}

TEST(OnnxIndexQuantForms, SoftmaxCrossEntropyLossKeepsItsOptionalOutput) {
  for (bool log_prob : {false, true}) {
    onnx::ModelProto model = model_with_input(13);
    add_input(model, "labels", {int64_t{2}, int64_t{4}}, onnx::TensorProto::INT64);
    std::vector<std::string> outputs = {"y"};
    if (log_prob) outputs.push_back("log_prob");
    add_node(model, "SoftmaxCrossEntropyLoss", {"x", "labels"}, outputs, "sce");
    Graph graph = import_ok(model);
    const Node* node = find_node(graph, "SoftmaxCrossEntropyLoss");
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->outputs.size(), log_prob ? 2u : 1u);
  }
}

TEST(OnnxIndexQuantForms, QuantizedOpsRecordTheirOutputDtype) {
  onnx::ModelProto defaults = model_with_input(13);
  add_initializer(defaults, raw_float_tensor("scale", {}, {0.5f}));
  add_node(defaults, "QuantizeLinear", {"x", "scale"}, {"q"}, "quantize");
  add_node(defaults, "DequantizeLinear", {"q", "scale"}, {"y"}, "dequantize");
  Graph graph = import_ok(defaults);
  ASSERT_NE(find_node(graph, "QuantizeLinear"), nullptr);
  EXPECT_EQ(find_node(graph, "QuantizeLinear")->attrs.get_string("to", ""), "u8");
  EXPECT_EQ(find_node(graph, "DequantizeLinear")->attrs.get_string("to", ""), "f32");

  onnx::ModelProto signed_zero = model_with_input(13);
  add_initializer(signed_zero, raw_float_tensor("scale", {}, {0.5f}));
  add_initializer(signed_zero, byte_scalar("zero", onnx::TensorProto::INT8, -3));
  add_node(signed_zero, "QuantizeLinear", {"x", "scale", "zero"}, {"y"}, "quantize");
  Graph signed_graph = import_ok(signed_zero);
  EXPECT_EQ(find_node(signed_graph, "QuantizeLinear")->attrs.get_string("to", ""), "i8");

  // A zero point computed by a Cast (DynamicQuantizeLinear's expansion) has the Cast's dtype.
  onnx::ModelProto cast_zero = model_with_input(13);
  add_initializer(cast_zero, raw_float_tensor("scale", {}, {0.5f}));
  add_initializer(cast_zero, raw_float_tensor("zero_f", {}, {3.0f}));
  set_int(add_node(cast_zero, "Cast", {"zero_f"}, {"zero"}, "cast"), "to",
          onnx::TensorProto::UINT8);
  add_node(cast_zero, "QuantizeLinear", {"x", "scale", "zero"}, {"y"}, "quantize");
  Graph cast_graph = import_ok(cast_zero);
  EXPECT_EQ(find_node(cast_graph, "QuantizeLinear")->attrs.get_string("to", ""), "u8");

  onnx::ModelProto integer = make_model(10);
  add_input(integer, "a", {int64_t{2}, int64_t{3}}, onnx::TensorProto::UINT8);
  add_input(integer, "b", {int64_t{3}, int64_t{4}}, onnx::TensorProto::UINT8);
  add_output(integer, "y");
  add_node(integer, "MatMulInteger", {"a", "b"}, {"y"}, "matmul");
  Graph integer_graph = import_ok(integer);
  EXPECT_EQ(find_node(integer_graph, "MatMulInteger")->attrs.get_string("to", ""), "i32");

  onnx::ModelProto dynamic = model_with_input(11);
  add_node(dynamic, "DynamicQuantizeLinear", {"x"}, {"y", "s", "z"}, "dq");
  Graph dynamic_graph = import_ok(dynamic);
  ASSERT_NE(find_node(dynamic_graph, "DynamicQuantizeLinear"), nullptr);
  EXPECT_EQ(find_node(dynamic_graph, "DynamicQuantizeLinear")->outputs.size(), 3u);

  // The zero point's dtype decides the output: an untyped one is an error naming the node.
  onnx::ModelProto untyped = model_with_input(13);
  add_initializer(untyped, raw_float_tensor("scale", {}, {0.5f}));
  add_node(untyped, "Identity", {"scale"}, {"zero_f"}, "id");
  add_node(untyped, "Relu", {"zero_f"}, {"zero"}, "relu");
  add_node(untyped, "QuantizeLinear", {"x", "scale", "zero"}, {"y"}, "quantize");
  expect_node_error(untyped, "quantize", "element type of its zero point");
}

}  // namespace
}  // namespace kiln::testing
