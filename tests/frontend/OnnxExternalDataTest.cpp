// OnnxExternalDataTest.cpp: initializers stored in external files: the happy path (offsets,
// shared files) and every way the location, offset or length can be wrong or hostile.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

/// Bytes of `values` as raw little-endian floats.
std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

/// A model whose output is Identity(w), w an f32[n] initializer stored externally.
onnx::ModelProto external_model(int64_t n, const std::string& location,
                                const std::string& offset = "", const std::string& length = "") {
  onnx::ModelProto model = make_model(13);
  onnx::TensorProto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(n);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_entry = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    onnx::StringStringEntryProto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add_entry("location", location);
  add_entry("offset", offset);
  add_entry("length", length);
  add_node(model, "Identity", {"w"}, {"y"}, "id");
  add_output(model, "y");
  return model;
}

TEST(OnnxExternalData, ReadsFromOffsetInsideTheModelFolder) {
  TempDir dir;
  dir.write("weights/w.bin", float_bytes({9, 9, 1, 2, 3}));
  std::string path = write_model(dir, external_model(3, "weights/w.bin", "8", "12"));
  Result<Graph> graph = import_onnx_file(path);
  ASSERT_TRUE(graph) << graph.error().to_string();
  const Tensor& w = *graph->find_value("w")->constant;
  ASSERT_EQ(w.element_count(), 3);
  EXPECT_EQ(w.element_as_double(0), 1.0);
  EXPECT_EQ(w.element_as_double(2), 3.0);
}

TEST(OnnxExternalData, WithoutOffsetOrLengthReadsFromTheStart) {
  TempDir dir;
  dir.write("w.bin", float_bytes({4, 5}));
  Result<Graph> graph = import_onnx_file(write_model(dir, external_model(2, "w.bin")));
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(graph->find_value("w")->constant->element_as_double(1), 5.0);
}

void expect_external_error(const TempDir& dir, const onnx::ModelProto& model,
                           const std::string& fragment) {
  std::string path = write_model(dir, model);
  Result<Graph> graph = import_onnx_file(path);
  ASSERT_FALSE(graph) << "expected: " << fragment;
  EXPECT_EQ(graph.error().file, path);
  EXPECT_NE(graph.error().message.find("initializer 'w'"), std::string::npos)
      << graph.error().to_string();
  EXPECT_NE(graph.error().message.find(fragment), std::string::npos) << graph.error().to_string();
}

TEST(OnnxExternalData, RejectsLocationsOutsideTheModelFolder) {
  TempDir dir;
  dir.write("outside.bin", float_bytes({1, 2}));
  dir.write("models/inside.bin", float_bytes({1, 2}));  // the model lives in models/
  std::filesystem::path sub = dir.path() / "models";
  auto write_sub = [&](const onnx::ModelProto& model) {
    return dir.write("models/model.onnx", model.SerializeAsString());
  };
  auto expect_error = [&](const onnx::ModelProto& model, const std::string& fragment) {
    Result<Graph> graph = import_onnx_file(write_sub(model));
    ASSERT_FALSE(graph) << fragment;
    EXPECT_NE(graph.error().file.find("model.onnx"), std::string::npos);
    EXPECT_NE(graph.error().message.find("initializer 'w'"), std::string::npos);
    EXPECT_NE(graph.error().message.find(fragment), std::string::npos) << graph.error().to_string();
  };
  expect_error(external_model(2, "../outside.bin"), "escapes the model's folder");
  expect_error(external_model(2, "sub/../../outside.bin"), "escapes the model's folder");
  expect_error(external_model(2, (dir.path() / "outside.bin").string()), "is absolute");
  std::filesystem::create_symlink(dir.path() / "outside.bin", sub / "link.bin");
  expect_error(external_model(2, "link.bin"), "escapes the model's folder");
  // A symlink that stays inside the folder is fine.
  std::filesystem::create_symlink(sub / "inside.bin", sub / "inner_link.bin");
  Result<Graph> graph = import_onnx_file(write_sub(external_model(2, "inner_link.bin")));
  EXPECT_TRUE(graph) << graph.error().to_string();
}

TEST(OnnxExternalData, RejectsMissingFilesAndOutOfRangeData) {
  TempDir dir;
  dir.write("w.bin", float_bytes({1, 2, 3}));
  expect_external_error(dir, external_model(2, "missing.bin"), "does not exist");
  expect_external_error(dir, external_model(2, "w.bin", "8"), "runs past the end");
  expect_external_error(dir, external_model(2, "w.bin", "100"), "runs past the end");
  expect_external_error(dir, external_model(4, "w.bin"), "runs past the end");
  expect_external_error(dir, external_model(2, "w.bin", "0", "12"), "length 12 does not match");
  expect_external_error(dir, external_model(2, "w.bin", "-4"), "is not a byte count");
  expect_external_error(dir, external_model(2, ""), "has no location");
  expect_external_error(dir, external_model(2, "."), "does not exist");
}

}  // namespace
}  // namespace kiln::testing
