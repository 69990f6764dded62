// OnnxOpsetFormsTest.cpp: older and newer ONNX forms of the same op import into the one IR form
// of ir/Ops.def (attributes <-> constant inputs, pre-13 Softmax, dropped training outputs), and
// forms Kiln cannot express are clear errors naming the node.
#include <gtest/gtest.h>

#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

const Node& only_node(const Graph& graph, const std::string& op) {
  const Node* found = nullptr;
  for (const auto& node : graph.nodes())
    if (node->op == op) {
      EXPECT_EQ(found, nullptr) << "two " << op << " nodes";
      found = node.get();
    }
  EXPECT_NE(found, nullptr) << "no " << op << " node";
  static const Node kEmpty;
  return found ? *found : kEmpty;
}

TEST(OnnxOpsetForms, ClipAttributesAndInputs) {
  onnx::ModelProto old_form = model_with_input(7);
  onnx::NodeProto* clip = add_node(old_form, "Clip", {"x"}, {"y"}, "clip");
  set_float(clip, "min", -1.f);
  set_float(clip, "max", 6.f);
  Graph old_graph = import_ok(old_form);
  EXPECT_EQ(only_node(old_graph, "Clip").attrs.get_float("min", 0), -1.0);
  EXPECT_EQ(only_node(old_graph, "Clip").attrs.get_float("max", 0), 6.0);

  onnx::ModelProto new_form = model_with_input(13);
  add_initializer(new_form, raw_float_tensor("hi", {}, {6}));
  add_node(new_form, "Clip", {"x", "", "hi"}, {"y"}, "clip");
  Graph new_graph = import_ok(new_form);
  const Node& node = only_node(new_graph, "Clip");
  EXPECT_FALSE(node.attrs.has("min"));
  EXPECT_EQ(node.attrs.get_float("max", 0), 6.0);
  ASSERT_EQ(node.inputs.size(), 1u);

  onnx::ModelProto dynamic = model_with_input(13);
  add_input(dynamic, "lo", {});
  add_node(dynamic, "Clip", {"x", "lo"}, {"y"}, "clip");
  expect_node_error(dynamic, "clip", "must be a constant");
}

TEST(OnnxOpsetForms, SoftmaxBefore13) {
  onnx::ModelProto last_axis = model_with_input(11);
  set_int(add_node(last_axis, "Softmax", {"x"}, {"y"}, "sm"), "axis", 2);
  Graph simple = import_ok(last_axis);
  EXPECT_EQ(simple.nodes().size(), 1u);
  EXPECT_EQ(only_node(simple, "Softmax").attrs.get_int("axis", 0), 2);

  onnx::ModelProto default_axis = model_with_input(11);  // axis 1 of a rank-3 input
  add_node(default_axis, "Softmax", {"x"}, {"y"}, "sm");
  Graph coerced = import_ok(default_axis);
  ASSERT_EQ(coerced.nodes().size(), 4u);
  EXPECT_EQ(only_node(coerced, "Flatten").attrs.get_int("axis", 0), 1);
  EXPECT_EQ(only_node(coerced, "Softmax").attrs.get_int("axis", 0), -1);
  const Node& reshape = only_node(coerced, "Reshape");
  EXPECT_EQ(reshape.outputs[0]->name, "y");
  EXPECT_EQ(reshape.inputs[1]->producer->op, "Shape");
  EXPECT_EQ(reshape.inputs[1]->producer->inputs[0]->name, "x");

  onnx::ModelProto opset13 = model_with_input(13);
  add_node(opset13, "Softmax", {"x"}, {"y"}, "sm");
  Graph modern = import_ok(opset13);
  EXPECT_EQ(modern.nodes().size(), 1u);
  EXPECT_FALSE(only_node(modern, "Softmax").attrs.has("axis"));
}

TEST(OnnxOpsetForms, SqueezeAndUnsqueezeAxes) {
  onnx::ModelProto old_form = model_with_input(11);
  set_ints(add_node(old_form, "Unsqueeze", {"x"}, {"u"}, "unsq"), "axes", {0});
  set_ints(add_node(old_form, "Squeeze", {"u"}, {"y"}, "sq"), "axes", {0});
  Graph old_graph = import_ok(old_form);
  EXPECT_EQ(only_node(old_graph, "Unsqueeze").attrs.get_ints("axes"), std::vector<int64_t>{0});
  EXPECT_EQ(only_node(old_graph, "Squeeze").attrs.get_ints("axes"), std::vector<int64_t>{0});

  onnx::ModelProto new_form = model_with_input(13);
  add_initializer(new_form, int64_tensor("axes", {1}, {0}));
  add_node(new_form, "Unsqueeze", {"x", "axes"}, {"u"}, "unsq");
  add_node(new_form, "Squeeze", {"u", "axes"}, {"s"}, "sq");
  add_node(new_form, "Squeeze", {"s"}, {"y"}, "sq_all");
  Graph new_graph = import_ok(new_form);
  EXPECT_EQ(only_node(new_graph, "Unsqueeze").attrs.get_ints("axes"), std::vector<int64_t>{0});
  EXPECT_EQ(only_node(new_graph, "Unsqueeze").inputs.size(), 1u);
  EXPECT_FALSE(new_graph.find_node("sq_all")->attrs.has("axes"));

  onnx::ModelProto missing = model_with_input(13);
  add_node(missing, "Unsqueeze", {"x"}, {"y"}, "unsq");
  expect_node_error(missing, "unsq", "axes");
}

TEST(OnnxOpsetForms, PadForms) {
  onnx::ModelProto old_form = model_with_input(7);
  onnx::NodeProto* pad = add_node(old_form, "Pad", {"x"}, {"y"}, "pad");
  set_ints(pad, "pads", {0, 1, 1, 0, 1, 1});
  set_float(pad, "value", 2.f);
  Graph old_graph = import_ok(old_form);
  EXPECT_EQ(only_node(old_graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 1, 1, 0, 1, 1}));
  EXPECT_EQ(only_node(old_graph, "Pad").attrs.get_float("value", 0), 2.0);
  EXPECT_FALSE(only_node(old_graph, "Pad").attrs.has("mode"));

  onnx::ModelProto new_form = model_with_input(13);
  add_initializer(new_form, int64_tensor("pads", {6}, {0, 0, 1, 0, 0, 1}));
  add_initializer(new_form, raw_float_tensor("value", {}, {-1}));
  add_node(new_form, "Pad", {"x", "pads", "value"}, {"y"}, "pad");
  Graph new_graph = import_ok(new_form);
  EXPECT_EQ(only_node(new_graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(only_node(new_graph, "Pad").attrs.get_float("value", 0), -1.0);
  EXPECT_EQ(only_node(new_graph, "Pad").inputs.size(), 1u);

  onnx::ModelProto with_axes = model_with_input(18);
  add_initializer(with_axes, int64_tensor("pads", {2}, {1, 2}));
  add_initializer(with_axes, int64_tensor("axes", {1}, {-1}));
  add_node(with_axes, "Pad", {"x", "pads", "", "axes"}, {"y"}, "pad");
  Graph axes_graph = import_ok(with_axes);
  EXPECT_EQ(only_node(axes_graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 0, 1, 0, 0, 2}));

  onnx::ModelProto reflect = model_with_input(13);
  add_initializer(reflect, int64_tensor("pads", {6}, {0, 0, 1, 0, 0, 1}));
  set_string(add_node(reflect, "Pad", {"x", "pads"}, {"y"}, "pad"), "mode", "reflect");
  expect_node_error(reflect, "pad", "mode 'reflect' is not supported");
}

TEST(OnnxOpsetForms, SliceAttributesBecomeConstantInputs) {
  onnx::ModelProto old_form = model_with_input(9);
  onnx::NodeProto* slice = add_node(old_form, "Slice", {"x"}, {"y"}, "slice");
  set_ints(slice, "starts", {1});
  set_ints(slice, "ends", {3});
  set_ints(slice, "axes", {2});
  Graph old_graph = import_ok(old_form);
  const Node& node = only_node(old_graph, "Slice");
  ASSERT_EQ(node.inputs.size(), 4u);
  EXPECT_EQ(node.inputs[1]->constant->element_as_int(0), 1);
  EXPECT_EQ(node.inputs[2]->constant->element_as_int(0), 3);
  EXPECT_EQ(node.inputs[3]->constant->element_as_int(0), 2);
  EXPECT_TRUE(node.attrs.all().empty());

  onnx::ModelProto new_form = model_with_input(13);
  add_input(new_form, "starts", {int64_t{1}}, onnx::TensorProto::INT64);
  add_initializer(new_form, int64_tensor("ends", {1}, {3}));
  add_initializer(new_form, int64_tensor("steps", {1}, {2}));
  add_node(new_form, "Slice", {"x", "starts", "ends", "", "steps"}, {"y"}, "slice");
  Graph new_graph = import_ok(new_form);
  const Node& modern = only_node(new_graph, "Slice");
  ASSERT_EQ(modern.inputs.size(), 5u);
  EXPECT_EQ(modern.inputs[3], nullptr);
  EXPECT_EQ(modern.inputs[4]->name, "steps");
}

TEST(OnnxOpsetForms, ReduceMeanAxes) {
  onnx::ModelProto old_form = model_with_input(13);
  onnx::NodeProto* reduce = add_node(old_form, "ReduceMean", {"x"}, {"y"}, "mean");
  set_ints(reduce, "axes", {1, 2});
  set_int(reduce, "keepdims", 0);
  Graph old_graph = import_ok(old_form);
  EXPECT_EQ(only_node(old_graph, "ReduceMean").attrs.get_ints("axes"),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(only_node(old_graph, "ReduceMean").attrs.get_int("keepdims", 1), 0);

  onnx::ModelProto new_form = model_with_input(18);
  add_initializer(new_form, int64_tensor("axes", {2}, {-1, 1}));
  add_node(new_form, "ReduceMean", {"x", "axes"}, {"y"}, "mean");
  Graph new_graph = import_ok(new_form);
  EXPECT_EQ(only_node(new_graph, "ReduceMean").attrs.get_ints("axes"),
            (std::vector<int64_t>{-1, 1}));
  EXPECT_EQ(only_node(new_graph, "ReduceMean").inputs.size(), 1u);

  onnx::ModelProto noop = model_with_input(18);
  set_int(add_node(noop, "ReduceMean", {"x"}, {"y"}, "mean"), "noop_with_empty_axes", 1);
  Graph noop_graph = import_ok(noop);
  EXPECT_EQ(noop_graph.nodes()[0]->op, "Identity");
}

TEST(OnnxOpsetForms, DropoutBatchNormMaxPoolOutputs) {
  onnx::ModelProto dropout = model_with_input(13);
  add_initializer(dropout, raw_float_tensor("ratio", {}, {0.5f}));
  add_node(dropout, "Dropout", {"x", "ratio"}, {"y", "mask"}, "drop");
  Graph dropout_graph = import_ok(dropout);  // mask unused: fine
  EXPECT_EQ(only_node(dropout_graph, "Dropout").inputs.size(), 1u);
  EXPECT_EQ(only_node(dropout_graph, "Dropout").outputs.size(), 1u);

  onnx::ModelProto used_mask = model_with_input(13);
  add_node(used_mask, "Dropout", {"x"}, {"d", "mask"}, "drop");
  add_node(used_mask, "Cast", {"mask"}, {"y"}, "cast");
  set_int(used_mask.mutable_graph()->mutable_node(1), "to", onnx::TensorProto::FLOAT);
  expect_node_error(used_mask, "drop", "mask");

  // A training flag known only at run time could ask for random masking: rejected.
  onnx::ModelProto runtime_training = model_with_input(13);
  add_input(runtime_training, "training", {}, onnx::TensorProto::BOOL);
  add_initializer(runtime_training, raw_float_tensor("ratio", {}, {0.5f}));
  add_node(runtime_training, "Dropout", {"x", "ratio", "training"}, {"y"}, "drop");
  expect_node_error(runtime_training, "drop", "training_mode");

  onnx::ModelProto maxpool = model_with_input(13);
  set_ints(add_node(maxpool, "MaxPool", {"x"}, {"y", "indices"}, "pool"), "kernel_shape", {2});
  add_output(maxpool, "indices");
  expect_node_error(maxpool, "pool", "Indices output is not supported");

  onnx::ModelProto batchnorm = model_with_input(7);
  for (const char* name : {"s", "b", "m", "v"})
    add_initializer(batchnorm, raw_float_tensor(name, {3}, {1, 1, 1}));
  set_int(add_node(batchnorm, "BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"}, "bn"),
          "spatial", 0);
  expect_node_error(batchnorm, "bn", "spatial=0");
}

TEST(OnnxOpsetForms, CastTargetsBecomeDtypeNames) {
  onnx::ModelProto model = model_with_input(13);
  set_int(add_node(model, "Cast", {"x"}, {"y"}, "cast"), "to", onnx::TensorProto::INT64);
  Graph graph = import_ok(model);
  EXPECT_EQ(only_node(graph, "Cast").attrs.get_string("to", ""), "i64");

  onnx::ModelProto to_string = model_with_input(13);
  set_int(add_node(to_string, "Cast", {"x"}, {"y"}, "cast"), "to", onnx::TensorProto::STRING);
  expect_node_error(to_string, "cast", "STRING");
}

TEST(OnnxOpsetForms, WrongAttributeTypesAndUnknownAttributes) {
  onnx::ModelProto wrong_type = model_with_input(13);
  set_float(add_node(wrong_type, "Flatten", {"x"}, {"y"}, "flat"), "axis", 1.f);
  expect_node_error(wrong_type, "flat", "must be an int");

  onnx::ModelProto unknown = model_with_input(13);
  set_int(add_node(unknown, "Relu", {"x"}, {"y"}, "relu"), "bogus", 1);
  expect_node_error(unknown, "relu", "unsupported attribute 'bogus'");

  onnx::ModelProto undefined_input = model_with_input(13);
  add_node(undefined_input, "Add", {"x", "nowhere"}, {"y"}, "add");
  expect_node_error(undefined_input, "add", "'nowhere' is not defined");
}

}  // namespace
}  // namespace kiln::testing
