// OnnxBadFileTest.cpp: files that are not usable models get one clear error naming the file:
// missing, empty, truncated, random bytes, text, no graph, unsupported opsets, hostile contents,
// and the single report listing every unsupported op.
#include <gtest/gtest.h>

#include <random>

#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

/// A valid small model: y = Relu(x).
onnx::ModelProto relu_model(int64_t opset = 13) {
  onnx::ModelProto model = make_model(opset);
  add_input(model, "x", {int64_t{1}, int64_t{4}});
  add_node(model, "Relu", {"x"}, {"y"}, "relu");
  add_output(model, "y");
  return model;
}

void expect_file_error(const std::string& path, const std::string& fragment) {
  Result<Graph> graph = import_onnx_file(path);
  ASSERT_FALSE(graph) << path;
  EXPECT_EQ(graph.error().file, path);
  EXPECT_NE(graph.error().message.find(fragment), std::string::npos) << graph.error().to_string();
  EXPECT_EQ(graph.error().to_string().find('\n'), std::string::npos) << "one line expected";
}

TEST(OnnxBadFiles, MissingEmptyAndFolder) {
  TempDir dir;
  expect_file_error((dir.path() / "nope.onnx").string(), "no such file");
  expect_file_error(dir.write("empty.onnx", ""), "file is empty");
  expect_file_error(dir.path().string(), "not a regular file");
}

TEST(OnnxBadFiles, TruncatedRandomAndTextFiles) {
  TempDir dir;
  std::string bytes = relu_model().SerializeAsString();
  for (size_t cut : {bytes.size() / 2, bytes.size() - 1, size_t{3}})
    expect_file_error(dir.write("cut.onnx", bytes.substr(0, cut)), "not a valid ONNX model");

  std::mt19937 rng(1234);
  for (int trial = 0; trial < 20; ++trial) {
    std::string noise(64 + trial * 37, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    Result<Graph> graph = import_onnx_file(dir.write("noise.onnx", noise));
    ASSERT_FALSE(graph) << "random bytes imported, trial " << trial;
    EXPECT_NE(graph.error().file.find("noise.onnx"), std::string::npos);
  }
  expect_file_error(dir.write("text.onnx", "graph main {\n  input x: f32[1]\n}\n"),
                    "not a valid ONNX model");
  expect_file_error(dir.write("hello.onnx", "hello, world\n"), "not a valid ONNX model");
}

TEST(OnnxBadFiles, ModelWithoutGraph) {
  TempDir dir;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("nothing");
  expect_file_error(write_model(dir, model), "has no graph");
}

TEST(OnnxBadFiles, OpsetOutsideSixToTwentyOne) {
  TempDir dir;
  expect_file_error(write_model(dir, relu_model(5)), "opset 5 is not supported");
  expect_file_error(write_model(dir, relu_model(22)), "opset 22 is not supported");
  Result<Graph> no_opset = import_onnx_file(write_model(dir, relu_model(0)));
  EXPECT_TRUE(no_opset) << no_opset.error().to_string();
  Result<Graph> oldest = import_onnx_file(write_model(dir, relu_model(6)));
  EXPECT_TRUE(oldest) << oldest.error().to_string();
  Result<Graph> newest = import_onnx_file(write_model(dir, relu_model(21)));
  EXPECT_TRUE(newest) << newest.error().to_string();
}

TEST(OnnxBadFiles, HostileStructure) {
  TempDir dir;
  onnx::ModelProto twice = relu_model();
  add_node(twice, "Relu", {"x"}, {"y"}, "again");
  Result<Graph> graph = import_onnx_file(write_model(dir, twice));
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().node, "again");
  EXPECT_NE(graph.error().message.find("defined more than once"), std::string::npos);

  onnx::ModelProto dangling = relu_model();
  add_output(dangling, "ghost");
  expect_file_error(write_model(dir, dangling), "graph output 'ghost'");

  onnx::ModelProto sequence = relu_model();
  onnx::ValueInfoProto* input = sequence.mutable_graph()->add_input();
  input->set_name("seq");
  input->mutable_type()->mutable_sequence_type();
  expect_file_error(write_model(dir, sequence), "not a tensor");
}

TEST(OnnxUnsupportedOps, OneErrorListsEveryUnsupportedNode) {
  onnx::ModelProto model = relu_model(13);
  model.mutable_opset_import(0)->set_domain("ai.onnx");
  onnx::OperatorSetIdProto* custom = model.add_opset_import();
  custom->set_domain("com.x");
  custom->set_version(2);
  // String ops have no IR dtype: unsupported for good.
  add_node(model, "StringNormalizer", {"y"}, {"u1"}, "norm1");
  add_node(model, "Foo", {"u1"}, {"f1"}, "");
  add_node(model, "StringNormalizer", {"f1"}, {"u2"}, "norm2");
  onnx::NodeProto* bar = add_node(model, "Bar", {"u2"}, {"b"}, "bar");
  bar->set_domain("com.x");
  onnx::NodeProto* relu_elsewhere = add_node(model, "Relu", {"b"}, {"r"}, "ms_relu");
  relu_elsewhere->set_domain("com.microsoft");
  TempDir dir;
  std::string path = write_model(dir, model);
  Result<Graph> graph = import_onnx_file(path);
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().file, path);
  EXPECT_EQ(graph.error().message,
            "unsupported ops (4 kinds, 5 nodes):\n"
            "  StringNormalizer (domain '', opset 13): norm1, norm2\n"
            "  Foo (domain '', opset 13): Foo_2\n"
            "  com.x.Bar (domain 'com.x', opset 2): bar\n"
            "  com.microsoft.Relu (domain 'com.microsoft', opset not imported): ms_relu");
}

TEST(OnnxBadFiles, CorruptedModelsNeverCrash) {
  // A model touching most importer paths: initializers, Constant, Clip, Softmax, Slice, Pad.
  onnx::ModelProto model = relu_model(11);
  add_initializer(model, raw_float_tensor("bias", {4}, {1, 2, 3, 4}));
  add_initializer(model, int64_tensor("starts", {1}, {0}));
  add_initializer(model, int64_tensor("ends", {1}, {2}));
  add_initializer(model, int64_tensor("pads", {4}, {0, 1, 0, 1}));
  set_float(add_node(model, "Constant", {}, {"lo"}), "value_float", 0.f);
  add_node(model, "Add", {"y", "bias"}, {"a"}, "add");
  add_node(model, "Clip", {"a", "lo"}, {"c"}, "clip");
  add_node(model, "Softmax", {"c"}, {"s"}, "softmax");
  add_node(model, "Slice", {"s", "starts", "ends"}, {"sl"}, "slice");
  add_node(model, "Pad", {"sl", "pads"}, {"p"}, "pad");
  add_output(model, "p");
  std::string bytes = model.SerializeAsString();
  ASSERT_TRUE(import_model(model)) << "the uncorrupted model must import";

  TempDir dir;
  std::mt19937 rng(99);
  int imported = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string corrupted = bytes;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips)
      corrupted[rng() % corrupted.size()] = static_cast<char>(rng());
    Result<Graph> graph = import_onnx_file(dir.write("fuzz.onnx", corrupted));
    if (graph)
      ++imported;
    else
      EXPECT_FALSE(graph.error().message.empty());
  }
  EXPECT_GT(imported, 0);  // some flips land in harmless places (names, doc strings)
}

}  // namespace
}  // namespace kiln::testing
