// OnnxModelBuilder.h: small helpers for frontend tests that build ONNX ModelProtos in C++ and
// write them to a private temporary folder, so no binary fixtures need to be committed, and the
// expectations the forms tests share (an import succeeds; one fails naming a node).
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "frontend/onnx/OnnxImporter.h"

namespace kiln::testing {

/// A fresh folder under the system temp dir, deleted with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiln-frontend-XXXXXX");
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `bytes` to `name` inside the folder (creating subfolders) and returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

/// A model with one graph called "test" importing the given ai.onnx opset (0 = none).
inline onnx::ModelProto make_model(int64_t opset) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  if (opset > 0) {
    onnx::OperatorSetIdProto* entry = model.add_opset_import();
    entry->set_domain("");
    entry->set_version(opset);
  }
  model.mutable_graph()->set_name("test");
  return model;
}

/// One dimension of a ValueInfo: a size, a dim_param name, or std::monostate for neither.
using DimSpec = std::variant<int64_t, std::string, std::monostate>;

/// Adds a tensor-typed ValueInfo to `list` (graph inputs, outputs or value_info).
inline void add_value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list,
                           const std::string& name, int32_t elem_type,
                           const std::vector<DimSpec>& dims) {
  onnx::ValueInfoProto* info = list->Add();
  info->set_name(name);
  onnx::TypeProto::Tensor* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  for (const DimSpec& dim : dims) {
    onnx::TensorShapeProto::Dimension* d = shape->add_dim();
    if (auto* value = std::get_if<int64_t>(&dim)) d->set_dim_value(*value);
    if (auto* param = std::get_if<std::string>(&dim)) d->set_dim_param(*param);
  }
}

inline void add_input(onnx::ModelProto& model, const std::string& name,
                      const std::vector<DimSpec>& dims,
                      int32_t elem_type = onnx::TensorProto::FLOAT) {
  add_value_info(model.mutable_graph()->mutable_input(), name, elem_type, dims);
}

inline void add_output(onnx::ModelProto& model, const std::string& name) {
  model.mutable_graph()->add_output()->set_name(name);
}

inline onnx::NodeProto* add_node(onnx::ModelProto& model, const std::string& op,
                                 const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs,
                                 const std::string& name = "") {
  onnx::NodeProto* node = model.mutable_graph()->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const std::string& in : inputs) node->add_input(in);
  for (const std::string& out : outputs) node->add_output(out);
  return node;
}

inline onnx::AttributeProto* add_attribute(onnx::NodeProto* node, const std::string& name,
                                           onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}
inline void set_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
  add_attribute(node, name, onnx::AttributeProto::INT)->set_i(value);
}
inline void set_float(onnx::NodeProto* node, const std::string& name, float value) {
  add_attribute(node, name, onnx::AttributeProto::FLOAT)->set_f(value);
}
inline void set_string(onnx::NodeProto* node, const std::string& name, const std::string& value) {
  add_attribute(node, name, onnx::AttributeProto::STRING)->set_s(value);
}
inline void set_ints(onnx::NodeProto* node, const std::string& name,
                     const std::vector<int64_t>& values) {
  onnx::AttributeProto* attr = add_attribute(node, name, onnx::AttributeProto::INTS);
  for (int64_t v : values) attr->add_ints(v);
}

/// A float tensor stored as raw_data.
inline onnx::TensorProto raw_float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                          const std::vector<float>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tensor.add_dims(d);
  tensor.set_raw_data(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return tensor;
}

/// An int64 tensor stored in int64_data.
inline onnx::TensorProto int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<int64_t>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) tensor.add_dims(d);
  for (int64_t v : values) tensor.add_int64_data(v);
  return tensor;
}

inline void add_initializer(onnx::ModelProto& model, const onnx::TensorProto& tensor) {
  *model.mutable_graph()->add_initializer() = tensor;
}

/// Writes `model` as `name` in `dir` and returns the path.
inline std::string write_model(const TempDir& dir, const onnx::ModelProto& model,
                               const std::string& name = "model.onnx") {
  return dir.write(name, model.SerializeAsString());
}

/// Writes `model` to a temporary folder and imports it.
inline Result<Graph> import_model(const onnx::ModelProto& model) {
  TempDir dir;
  return import_onnx_file(write_model(dir, model));
}

/// A model with input x: f32[2,3,4] and graph output "y".
inline onnx::ModelProto model_with_input(int64_t opset) {
  onnx::ModelProto model = make_model(opset);
  add_input(model, "x", {int64_t{2}, int64_t{3}, int64_t{4}});
  add_output(model, "y");
  return model;
}

/// Imports `model`, expecting success (an empty graph after a failure).
inline Graph import_ok(const onnx::ModelProto& model) {
  Result<Graph> graph = import_model(model);
  EXPECT_TRUE(graph) << graph.error().to_string();
  return graph ? std::move(*graph) : Graph();
}

/// Expects the import of `model` to fail with an error naming `node` and the model file whose
/// message contains `fragment`.
inline void expect_node_error(const onnx::ModelProto& model, const std::string& node,
                              const std::string& fragment) {
  Result<Graph> graph = import_model(model);
  ASSERT_FALSE(graph) << "expected an error containing: " << fragment;
  EXPECT_EQ(graph.error().node, node) << graph.error().to_string();
  EXPECT_NE(graph.error().file.find("model.onnx"), std::string::npos);
  EXPECT_NE(graph.error().message.find(fragment), std::string::npos) << graph.error().to_string();
}

}  // namespace kiln::testing
