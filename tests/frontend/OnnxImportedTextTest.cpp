// OnnxImportedTextTest.cpp: the whole IR produced for a small opset-10 model, as IR text, so a
// reader sees at once how inputs, initializers, attributes and the pre-13 Softmax expansion land.
#include <gtest/gtest.h>

#include "ir/Printer.h"
#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

TEST(OnnxImportedText, SmallOpset10Model) {
  onnx::ModelProto model = make_model(10);
  model.mutable_graph()->set_name("tiny");
  add_input(model, "x", {std::string("batch"), int64_t{3}, int64_t{4}});
  add_initializer(model, raw_float_tensor("w", {4}, {1, 2, 3, 4}));
  add_node(model, "Add", {"x", "w"}, {"a"});
  onnx::NodeProto* clip = add_node(model, "Clip", {"a"}, {"c"}, "clip");
  set_float(clip, "min", 0.f);
  set_float(clip, "max", 6.f);
  add_node(model, "Softmax", {"c"}, {"y"}, "sm");
  add_output(model, "y");

  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(graph_to_string(*graph),
            "graph @tiny {\n"
            "  input %x: f32[batch,3,4]\n"
            "  const %w: f32[4] = [1.0, 2.0, 3.0, 4.0]\n"
            "  %a: ?[*] = Add @Add_0 (%x, %w)\n"
            "  %c: ?[*] = Clip @clip (%a) {max = 6.0, min = 0.0}\n"
            "  %sm/flat: ?[*] = Flatten @sm (%c) {axis = 1}\n"
            "  %sm/flat_softmax: ?[*] = Softmax @sm/softmax (%sm/flat) {axis = -1}\n"
            "  %sm/shape: ?[*] = Shape @sm/shape (%c)\n"
            "  %y: ?[*] = Reshape @sm/reshape (%sm/flat_softmax, %sm/shape)\n"
            "  output %y\n"
            "}\n");
}

}  // namespace
}  // namespace kiln::testing
