// OnnxShapeOpFormsTest.cpp: the ONNX forms of Split (sizes as attribute or input, num_outputs),
// LayerNormalization (optional statistics outputs, stash_type), CastLike, EyeLike and the size
// operands of Expand, Tile and Range import into their IR forms; forms Kiln cannot compile are
// errors naming the node.
#include <gtest/gtest.h>

#include "passes/InferShapes.h"
#include "tests/frontend/OnnxImportTestUtil.h"

namespace kiln::testing {
namespace {

std::vector<std::string> output_types(const Node& node) {
  std::vector<std::string> types;
  for (const Value* out : node.outputs) types.push_back(out->type.to_string());
  return types;
}

TEST(OnnxShapeOpForms, SplitSizesAsAttributeOrInput) {
  onnx::ModelProto old_form = model_with_input(11);
  onnx::NodeProto* split = add_node(old_form, "Split", {"x"}, {"y", "z"}, "split");
  set_int(split, "axis", 2);
  set_ints(split, "split", {1, 3});
  Graph old_graph = import_ok(old_form);
  EXPECT_EQ(only_node(old_graph, "Split").attrs.get_ints("split"), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(only_node(old_graph, "Split").outputs.size(), 2u);

  onnx::ModelProto new_form = model_with_input(13);
  add_initializer(new_form, int64_tensor("sizes", {2}, {2, 1}));
  set_int(add_node(new_form, "Split", {"x", "sizes"}, {"y", "z"}, "split"), "axis", 1);
  Graph new_graph = import_ok(new_form);
  ASSERT_TRUE(infer_shapes(new_graph));
  EXPECT_EQ(output_types(only_node(new_graph, "Split")),
            (std::vector<std::string>{"f32[2,2,4]", "f32[2,1,4]"}));

  // Without sizes: equal parts before opset 18, num_outputs parts (the last smaller) from 18.
  onnx::ModelProto equal = model_with_input(13);
  set_int(add_node(equal, "Split", {"x"}, {"y", "z"}, "split"), "axis", 2);
  Graph equal_graph = import_ok(equal);
  EXPECT_EQ(only_node(equal_graph, "Split").attrs.get_int("num_outputs", 0), 2);
  onnx::ModelProto parts = model_with_input(18);
  onnx::NodeProto* uneven = add_node(parts, "Split", {"x"}, {"y", "z"}, "split");
  set_int(uneven, "axis", 1);
  set_int(uneven, "num_outputs", 2);
  Graph parts_graph = import_ok(parts);
  ASSERT_TRUE(infer_shapes(parts_graph));
  EXPECT_EQ(output_types(only_node(parts_graph, "Split")),
            (std::vector<std::string>{"f32[2,2,4]", "f32[2,1,4]"}));
}

TEST(OnnxShapeOpForms, SplitErrorsNameTheNode) {
  onnx::ModelProto count = model_with_input(18);
  set_int(add_node(count, "Split", {"x"}, {"y", "z"}, "split"), "num_outputs", 3);
  expect_node_error(count, "split", "num_outputs is 3 but the node has 2 outputs");

  onnx::ModelProto both = model_with_input(18);
  add_initializer(both, int64_tensor("sizes", {2}, {1, 1}));
  set_int(add_node(both, "Split", {"x", "sizes"}, {"y", "z"}, "split"), "num_outputs", 2);
  expect_node_error(both, "split", "either 'split' or 'num_outputs'");

  onnx::ModelProto sizes = model_with_input(13);
  add_initializer(sizes, int64_tensor("sizes", {3}, {1, 1, 0}));
  add_node(sizes, "Split", {"x", "sizes"}, {"y", "z"}, "split");
  expect_node_error(sizes, "split", "3 sizes for 2 outputs");

  onnx::ModelProto dynamic = model_with_input(13);
  add_input(dynamic, "sizes", {int64_t{2}}, onnx::TensorProto::INT64);
  add_node(dynamic, "Split", {"x", "sizes"}, {"y", "z"}, "split");
  expect_node_error(dynamic, "split", "must be a constant");
}

TEST(OnnxShapeOpForms, LayerNormalizationKeepsTheStatisticsOutputsItUses) {
  onnx::ModelProto plain = model_with_input(17);
  add_initializer(plain, raw_float_tensor("scale", {4}, {1, 1, 1, 1}));
  add_node(plain, "LayerNormalization", {"x", "scale"}, {"y", "mean", "inv"}, "ln");
  Graph plain_graph = import_ok(plain);
  EXPECT_EQ(only_node(plain_graph, "LayerNormalization").outputs.size(), 1u);

  onnx::ModelProto stats = model_with_input(17);
  add_initializer(stats, raw_float_tensor("scale", {4}, {1, 1, 1, 1}));
  onnx::NodeProto* ln =
      add_node(stats, "LayerNormalization", {"x", "scale"}, {"y", "", "inv"}, "ln");
  set_int(ln, "axis", 1);
  set_int(ln, "stash_type", onnx::TensorProto::FLOAT);
  add_output(stats, "inv");
  Graph stats_graph = import_ok(stats);
  const Node& node = only_node(stats_graph, "LayerNormalization");
  EXPECT_EQ(node.attrs.get_string("stash_type", ""), "f32");
  ASSERT_TRUE(infer_shapes(stats_graph));
  EXPECT_EQ(output_types(node),
            (std::vector<std::string>{"f32[2,3,4]", "f32[2,1,1]", "f32[2,1,1]"}));

  onnx::ModelProto ints = model_with_input(17);
  add_initializer(ints, raw_float_tensor("scale", {4}, {1, 1, 1, 1}));
  set_int(add_node(ints, "LayerNormalization", {"x", "scale"}, {"y"}, "ln"), "stash_type",
          onnx::TensorProto::INT32);
  expect_node_error(ints, "ln", "stash_type INT32 is not supported");
}

TEST(OnnxShapeOpForms, CastLikeAndEyeLikeTakeDtypes) {
  onnx::ModelProto cast_like = model_with_input(15);
  add_initializer(cast_like, int64_tensor("like", {1}, {0}));
  add_node(cast_like, "CastLike", {"x", "like"}, {"y"}, "cast_like");
  Graph cast_graph = import_ok(cast_like);
  EXPECT_EQ(only_node(cast_graph, "Cast").attrs.get_string("to", ""), "i64");

  onnx::ModelProto eye = make_model(9);
  add_input(eye, "x", {int64_t{3}, int64_t{4}});
  add_output(eye, "y");
  onnx::NodeProto* node = add_node(eye, "EyeLike", {"x"}, {"y"}, "eye");
  set_int(node, "dtype", onnx::TensorProto::INT32);
  set_int(node, "k", -1);
  Graph eye_graph = import_ok(eye);
  EXPECT_EQ(only_node(eye_graph, "EyeLike").attrs.get_string("to", ""), "i32");
  EXPECT_EQ(only_node(eye_graph, "EyeLike").attrs.get_int("k", 0), -1);
}

TEST(OnnxShapeOpForms, SizeOperandsAreFoldedOrMustBeKnownAtCompileTime) {
  // Expand to Concat([5], Shape(x)[0..3]): shape arithmetic on a static shape folds at import.
  onnx::ModelProto computed = model_with_input(13);
  add_initializer(computed, int64_tensor("start", {1}, {0}));
  add_initializer(computed, int64_tensor("end", {1}, {3}));
  add_initializer(computed, int64_tensor("five", {1}, {5}));
  add_node(computed, "Shape", {"x"}, {"shape"});
  add_node(computed, "Slice", {"shape", "start", "end"}, {"tail"});
  set_int(add_node(computed, "Concat", {"five", "tail"}, {"target"}), "axis", 0);
  add_node(computed, "Expand", {"x", "target"}, {"y"}, "expand");
  Graph graph = import_ok(computed);
  const Value* target = only_node(graph, "Expand").inputs[1];
  ASSERT_TRUE(target->is_constant()) << target->name;
  ASSERT_TRUE(infer_shapes(graph));
  EXPECT_EQ(only_node(graph, "Expand").outputs[0]->type.to_string(), "f32[5,2,3,4]");

  // A shape known only at run time imports, and shape inference names the node.
  onnx::ModelProto dynamic = model_with_input(13);
  add_input(dynamic, "target", {int64_t{3}}, onnx::TensorProto::INT64);
  add_node(dynamic, "Expand", {"x", "target"}, {"y"}, "expand");
  Graph dynamic_graph = import_ok(dynamic);
  Status inferred = infer_shapes(dynamic_graph);
  ASSERT_FALSE(inferred);
  EXPECT_EQ(inferred.error().node, "expand");
  EXPECT_NE(inferred.error().message.find("not known at compile time"), std::string::npos)
      << inferred.error().to_string();
}

}  // namespace
}  // namespace kiln::testing
