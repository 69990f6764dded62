// OnnxOpsetFormsTest.cpp: older and newer ONNX forms of the same op import into the one IR form
// of ir/Ops.def (attributes <-> constant inputs, pre-13 Softmax, dropped training outputs), and
// forms Kiln cannot express are clear errors naming the node.
#include <gtest/gtest.h>

#include "passes/InferShapes.h"
#include "tests/frontend/OnnxImportTestUtil.h"

namespace kiln::testing {
namespace {

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

  // A bound known only at run time stays an input of the IR node.
  onnx::ModelProto dynamic = model_with_input(13);
  add_input(dynamic, "lo", {});
  add_initializer(dynamic, raw_float_tensor("hi", {}, {6}));
  add_node(dynamic, "Clip", {"x", "lo", "hi"}, {"y"}, "clip");
  Graph dynamic_graph = import_ok(dynamic);
  const Node& bounded = only_node(dynamic_graph, "Clip");
  ASSERT_EQ(bounded.inputs.size(), 2u);
  EXPECT_EQ(bounded.inputs[1]->name, "lo");
  EXPECT_FALSE(bounded.attrs.has("min"));
  EXPECT_EQ(bounded.attrs.get_float("max", 0), 6.0);
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
  EXPECT_EQ(only_node(import_ok(reflect), "Pad").attrs.get_string("mode", ""), "reflect");

  onnx::ModelProto mirror = model_with_input(13);
  add_initializer(mirror, int64_tensor("pads", {6}, {0, 0, 1, 0, 0, 1}));
  set_string(add_node(mirror, "Pad", {"x", "pads"}, {"y"}, "pad"), "mode", "mirror");
  expect_node_error(mirror, "pad", "mode 'mirror' is unknown");
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

  // MaxPool's Indices output is its own IR op; storage_order only numbers the indices.
  onnx::ModelProto maxpool = model_with_input(13);
  onnx::NodeProto* pool = add_node(maxpool, "MaxPool", {"x"}, {"y", "indices"}, "pool");
  set_ints(pool, "kernel_shape", {2});
  set_int(pool, "storage_order", 1);
  add_output(maxpool, "indices");
  Graph pool_graph = import_ok(maxpool);
  EXPECT_FALSE(only_node(pool_graph, "MaxPool").attrs.has("storage_order"));
  EXPECT_EQ(only_node(pool_graph, "MaxPoolIndices").attrs.get_int("storage_order", 0), 1);
  EXPECT_EQ(only_node(pool_graph, "MaxPoolIndices").name, "pool/indices");

  onnx::ModelProto unpool = model_with_input(11);
  add_input(unpool, "i", {int64_t{2}, int64_t{3}, int64_t{4}}, onnx::TensorProto::INT64);
  add_input(unpool, "shape", {int64_t{3}}, onnx::TensorProto::INT64);
  set_ints(add_node(unpool, "MaxUnpool", {"x", "i", "shape"}, {"y"}, "unpool"), "kernel_shape",
           {2});
  expect_node_error(unpool, "unpool", "must be a constant");

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

void set_floats(onnx::NodeProto* node, const std::string& name, const std::vector<float>& values) {
  onnx::AttributeProto* attr = add_attribute(node, name, onnx::AttributeProto::FLOATS);
  for (float v : values) attr->add_floats(v);
}

TEST(OnnxOpsetForms, UpsampleAndResize10SampleAsymmetrically) {
  onnx::ModelProto upsample7 = model_with_input(7);
  onnx::NodeProto* up = add_node(upsample7, "Upsample", {"x"}, {"y"}, "up");
  set_floats(up, "scales", {1, 2, 2});
  set_string(up, "mode", "bilinear");
  Graph linear_graph = import_ok(upsample7);
  const Node& linear = only_node(linear_graph, "Resize");
  EXPECT_EQ(linear.attrs.get_string("mode", ""), "linear");
  EXPECT_EQ(linear.attrs.get_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(linear.attrs.get_floats("scales"), (std::vector<double>{1, 2, 2}));

  onnx::ModelProto upsample9 = model_with_input(9);
  add_initializer(upsample9, raw_float_tensor("s", {3}, {1, 1, 3}));
  add_node(upsample9, "Upsample", {"x", "s"}, {"y"}, "up");
  EXPECT_EQ(only_node(import_ok(upsample9), "Resize").attrs.get_string("nearest_mode", ""),
            "floor");

  // ONNX Runtime rounds Resize-10's nearest coordinates up when downsampling.
  onnx::ModelProto down10 = model_with_input(10);
  add_initializer(down10, raw_float_tensor("s", {3}, {1, 0.5f, 0.5f}));
  add_node(down10, "Resize", {"x", "s"}, {"y"}, "resize");
  EXPECT_EQ(only_node(import_ok(down10), "Resize").attrs.get_string("nearest_mode", ""), "ceil");

  onnx::ModelProto mixed10 = model_with_input(10);
  add_initializer(mixed10, raw_float_tensor("s", {3}, {1, 0.5f, 2}));
  add_node(mixed10, "Resize", {"x", "s"}, {"y"}, "resize");
  expect_node_error(mixed10, "resize", "enlarges some dims and shrinks others");

  onnx::ModelProto dynamic9 = model_with_input(9);
  add_input(dynamic9, "s", {int64_t{3}});
  add_node(dynamic9, "Upsample", {"x", "s"}, {"y"}, "up");
  expect_node_error(dynamic9, "up", "must be a constant");
}

TEST(OnnxOpsetForms, ResizeInputsBecomeAttributes) {
  // Opset 11: roi and scales are required inputs, empty when sizes are given; roi is read only
  // for tf_crop_and_resize, so it may be unknown elsewhere.
  onnx::ModelProto sizes11 = model_with_input(11);
  add_input(sizes11, "roi", {int64_t{0}});
  add_initializer(sizes11, raw_float_tensor("scales", {0}, {}));
  add_initializer(sizes11, int64_tensor("sizes", {3}, {2, 6, 8}));
  set_string(add_node(sizes11, "Resize", {"x", "roi", "scales", "sizes"}, {"y"}, "resize"), "mode",
             "cubic");
  Graph sized_graph = import_ok(sizes11);
  const Node& sized = only_node(sized_graph, "Resize");
  EXPECT_EQ(sized.attrs.get_ints("sizes"), (std::vector<int64_t>{2, 6, 8}));
  EXPECT_FALSE(sized.attrs.has("scales"));
  EXPECT_FALSE(sized.attrs.has("roi"));
  EXPECT_EQ(sized.inputs.size(), 1u);

  onnx::ModelProto crop13 = model_with_input(13);
  add_initializer(crop13, raw_float_tensor("roi", {6}, {0, 0, 0.25f, 1, 1, 0.75f}));
  add_initializer(crop13, raw_float_tensor("scales", {3}, {1, 1, 2}));
  onnx::NodeProto* crop = add_node(crop13, "Resize", {"x", "roi", "scales"}, {"y"}, "resize");
  set_string(crop, "coordinate_transformation_mode", "tf_crop_and_resize");
  set_float(crop, "extrapolation_value", 2.5f);
  Graph cropped_graph = import_ok(crop13);
  const Node& cropped = only_node(cropped_graph, "Resize");
  EXPECT_EQ(cropped.attrs.get_floats("roi"), (std::vector<double>{0, 0, 0.25, 1, 1, 0.75}));
  EXPECT_EQ(cropped.attrs.get_float("extrapolation_value", 0), 2.5);

  // Opset 18: axes, keep_aspect_ratio_policy and antialias carry over.
  onnx::ModelProto axes18 = model_with_input(18);
  add_initializer(axes18, int64_tensor("sizes", {2}, {8, 9}));
  onnx::NodeProto* resize18 = add_node(axes18, "Resize", {"x", "", "", "sizes"}, {"y"}, "resize");
  set_ints(resize18, "axes", {2, 1});
  set_string(resize18, "keep_aspect_ratio_policy", "not_larger");
  set_int(resize18, "antialias", 1);
  set_string(resize18, "mode", "linear");
  Graph axes_graph = import_ok(axes18);
  const Node& with_axes = only_node(axes_graph, "Resize");
  EXPECT_EQ(with_axes.attrs.get_ints("axes"), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(with_axes.attrs.get_int("antialias", 0), 1);
  ASSERT_TRUE(infer_shapes(axes_graph).is_ok());
  // Not larger than 8 wide or 9 high: the smaller ratio, 2 (8 / 4), scales both dims.
  EXPECT_EQ(with_axes.output(0)->type.shape, static_shape({2, 6, 8}));

  onnx::ModelProto neither = model_with_input(13);
  add_node(neither, "Resize", {"x"}, {"y"}, "resize");
  expect_node_error(neither, "resize", "exactly one of the scales and sizes");
}

TEST(OnnxOpsetForms, Opset19Forms) {
  // Resize's half_pixel_symmetric, Pad's wrap and AveragePool's dilations arrive in opset 19.
  onnx::ModelProto resize = model_with_input(19);
  add_initializer(resize, raw_float_tensor("scales", {3}, {1, 1, 0.7f}));
  set_string(add_node(resize, "Resize", {"x", "", "scales"}, {"y"}, "resize"),
             "coordinate_transformation_mode", "half_pixel_symmetric");
  Graph resize_graph = import_ok(resize);
  ASSERT_TRUE(infer_shapes(resize_graph).is_ok());
  EXPECT_EQ(only_node(resize_graph, "Resize").output(0)->type.shape, static_shape({2, 3, 2}));

  onnx::ModelProto wrap = model_with_input(19);
  add_initializer(wrap, int64_tensor("pads", {2}, {2, 1}));
  add_initializer(wrap, int64_tensor("axes", {1}, {2}));
  set_string(add_node(wrap, "Pad", {"x", "pads", "", "axes"}, {"y"}, "pad"), "mode", "wrap");
  Graph wrap_graph = import_ok(wrap);
  EXPECT_EQ(only_node(wrap_graph, "Pad").attrs.get_string("mode", ""), "wrap");
  EXPECT_EQ(only_node(wrap_graph, "Pad").attrs.get_ints("pads"),
            (std::vector<int64_t>{0, 0, 2, 0, 0, 1}));

  onnx::ModelProto pool = model_with_input(19);
  onnx::NodeProto* average = add_node(pool, "AveragePool", {"x"}, {"y"}, "pool");
  set_ints(average, "kernel_shape", {2});
  set_ints(average, "dilations", {2});
  Graph pool_graph = import_ok(pool);
  ASSERT_TRUE(infer_shapes(pool_graph).is_ok());
  EXPECT_EQ(only_node(pool_graph, "AveragePool").output(0)->type.shape, static_shape({2, 3, 2}));
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

TEST(OnnxOpsetForms, Opset6LegacyBroadcastIsRejected) {
  onnx::ModelProto plain = model_with_input(6);
  add_initializer(plain, raw_float_tensor("b", {2, 3, 4}, std::vector<float>(24, 1.f)));
  add_node(plain, "Add", {"x", "b"}, {"y"}, "add");
  EXPECT_EQ(import_ok(plain).nodes().size(), 1u);

  onnx::ModelProto legacy = model_with_input(6);
  add_initializer(legacy, raw_float_tensor("b", {3}, {1, 2, 3}));
  onnx::NodeProto* add = add_node(legacy, "Add", {"x", "b"}, {"y"}, "add");
  set_int(add, "broadcast", 1);
  set_int(add, "axis", 1);
  expect_node_error(legacy, "add", "unsupported attribute 'broadcast'");
}

}  // namespace
}  // namespace kiln::testing
