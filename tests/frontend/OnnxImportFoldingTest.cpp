// OnnxImportFoldingTest.cpp: values the importer needs as constants fold at import when the model
// computes them from constants and static shapes (ImportFolding.h): PyTorch's padding chain
// (ConstantOfShape -> Concat -> Reshape -> Slice -> Transpose -> Reshape -> Cast), and MATLAB's
// float arithmetic on a Shape whose batch element is symbolic but cut off by a Split. Elements
// that depend on the symbol, or values without an evaluator, stay errors naming the node.
#include <gtest/gtest.h>

#include "tests/frontend/OnnxImportTestUtil.h"

namespace kiln::testing {
namespace {

// Pad(x, pads) with pads computed as PyTorch 2 exports F.pad(x, [1, 2]) on a 3-D input: the
// ONNX order [begins..., ends...] made from torch's (last dim first) pairs.
onnx::ModelProto torch_padding_model() {
  onnx::ModelProto model = model_with_input(17);
  add_initializer(model, int64_tensor("count", {1}, {4}));
  add_initializer(model, int64_tensor("torch_pads", {2}, {1, 2}));
  add_initializer(model, int64_tensor("pairs", {2}, {-1, 2}));
  add_initializer(model, int64_tensor("zero", {1}, {0}));
  add_initializer(model, int64_tensor("minus_one", {1}, {-1}));
  add_initializer(model, int64_tensor("to_start", {1}, {-9223372036854775807}));
  add_initializer(model, raw_float_tensor("fill", {}, {0}));
  onnx::NodeProto* zeros = add_node(model, "ConstantOfShape", {"count"}, {"zeros"});
  onnx::TensorProto* zero_value =
      add_attribute(zeros, "value", onnx::AttributeProto::TENSOR)->mutable_t();
  *zero_value = int64_tensor("", {1}, {0});
  set_int(add_node(model, "Concat", {"torch_pads", "zeros"}, {"all"}), "axis", 0);
  add_node(model, "Reshape", {"all", "pairs"}, {"pairs2d"});
  add_node(model, "Slice", {"pairs2d", "minus_one", "to_start", "zero", "minus_one"}, {"reversed"});
  set_ints(add_node(model, "Transpose", {"reversed"}, {"transposed"}), "perm", {1, 0});
  add_node(model, "Reshape", {"transposed", "minus_one"}, {"flat"});
  set_int(add_node(model, "Cast", {"flat"}, {"pads"}), "to", onnx::TensorProto::INT64);
  add_node(model, "Pad", {"x", "pads", "fill"}, {"y"}, "pad");
  return model;
}

TEST(OnnxImportFolding, TorchPaddingChainFoldsWithAnEvaluator) {
  const onnx::ModelProto model = torch_padding_model();
  Result<Graph> graph = import_model_folding(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(only_node(*graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 0, 1, 0, 0, 2}));
  // Folding infers types on the way; the imported graph keeps only the model's own.
  EXPECT_FALSE(graph->find_value("reversed")->type.is_known());

  // Without an evaluator only shape arithmetic folds, so the chain is an error naming the Pad.
  expect_node_error(model, "pad", "must be a constant");
}

// pads = Concat(0 x 6, h + 1, w + 1) from Shape(x) cast to float, where x is [N,3,h,w]
// with a symbolic batch N that the Split drops.
onnx::ModelProto shape_arithmetic_model(bool keep_batch) {
  onnx::ModelProto model = make_model(14);
  add_input(model, "x", {std::string("N"), int64_t{3}, int64_t{5}, int64_t{7}});
  add_output(model, "y");
  add_initializer(model, raw_float_tensor("one", {}, {1}));
  add_initializer(model, raw_float_tensor("zeros", {6}, {0, 0, 0, 0, 0, 0}));
  add_initializer(model, int64_tensor("sizes", {2}, {2, 2}));
  add_node(model, "Shape", {"x"}, {"shape"});
  set_int(add_node(model, "Cast", {"shape"}, {"shape_f"}), "to", onnx::TensorProto::FLOAT);
  add_node(model, "Add", {"shape_f", "one"}, {"grown"});
  add_node(model, "Split", {"grown", "sizes"}, {"batch_channels", "spatial"});
  set_int(
      add_node(model, "Concat", {"zeros", keep_batch ? "batch_channels" : "spatial"}, {"pads_f"}),
      "axis", 0);
  set_int(add_node(model, "Cast", {"pads_f"}, {"pads"}), "to", onnx::TensorProto::INT64);
  add_node(model, "Pad", {"x", "pads"}, {"y"}, "pad");
  return model;
}

TEST(OnnxImportFolding, SymbolicBatchElementsStayUnknownUntilCutOff) {
  Result<Graph> graph = import_model_folding(shape_arithmetic_model(false));
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(only_node(*graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 6, 8}));

  Result<Graph> batch = import_model_folding(shape_arithmetic_model(true));
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().node, "pad");
  EXPECT_NE(batch.error().message.find("must be a constant"), std::string::npos);
}

}  // namespace
}  // namespace kiln::testing
