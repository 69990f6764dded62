// OnnxTestData.cpp: TensorProto -> kiln::Tensor decoding for the ONNX node-test data.
#include "tests/conformance/OnnxTestData.h"

#include <onnx/onnx_pb.h>

#include "frontend/onnx/OnnxTypes.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace kiln::testing {

namespace {

namespace fs = std::filesystem;

template <typename T, typename Field>
std::vector<uint8_t> pack(const Field& field) {
  std::vector<uint8_t> bytes(field.size() * sizeof(T));
  for (int i = 0; i < field.size(); ++i) {
    T value = static_cast<T>(field.Get(i));
    std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
  }
  return bytes;
}

// The typed repeated fields store narrow integer types (and float16 bits) in int32_data.
std::vector<uint8_t> typed_field_bytes(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return pack<float>(proto.float_data());
    case DType::Float64:
      return pack<double>(proto.double_data());
    case DType::Int64:
      return pack<int64_t>(proto.int64_data());
    case DType::Int32:
      return pack<int32_t>(proto.int32_data());
    case DType::Int16:
      return pack<int16_t>(proto.int32_data());
    case DType::Float16:
      return pack<uint16_t>(proto.int32_data());
    case DType::Int8:
      return pack<int8_t>(proto.int32_data());
    case DType::UInt8:
    case DType::Bool:
      return pack<uint8_t>(proto.int32_data());
    case DType::UInt16:
      return pack<uint16_t>(proto.int32_data());
    case DType::UInt32:
      return pack<uint32_t>(proto.uint64_data());
    case DType::UInt64:
      return pack<uint64_t>(proto.uint64_data());
    case DType::Unknown:
      break;
  }
  return {};
}

Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& path) {
  std::optional<DType> dtype = onnx_import::dtype_from_onnx(proto.data_type());
  if (!dtype)
    return Error{path, "",
                 "tensor dtype " +
                     onnx::TensorProto::DataType_Name(
                         static_cast<onnx::TensorProto::DataType>(proto.data_type())) +
                     " has no Kiln equivalent"};
  Tensor tensor;
  tensor.dtype = *dtype;
  tensor.dims.assign(proto.dims().begin(), proto.dims().end());
  std::vector<uint8_t> bytes =
      proto.has_raw_data() ? std::vector<uint8_t>(proto.raw_data().begin(), proto.raw_data().end())
                           : typed_field_bytes(proto, *dtype);
  size_t expected = static_cast<size_t>(tensor.element_count()) * dtype_size(*dtype);
  if (bytes.size() != expected)
    return Error{path, "",
                 "tensor holds " + std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(expected)};
  tensor.data = TensorData::from_vector(std::move(bytes));
  return tensor;
}

// Files of `dir` named prefix<N>[suffix], sorted by N.
std::vector<fs::path> numbered_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string rest = name.substr(prefix.size());
    size_t digits = rest.find_first_not_of("0123456789");
    if (digits == 0) continue;
    found.emplace_back(std::stoi(rest.substr(0, digits)), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& [number, path] : found) paths.push_back(path);
  return paths;
}

}  // namespace

Result<Tensor> load_tensor_proto_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "", "cannot open file"};
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in)) return Error{path, "", "not a serialized TensorProto"};
  return tensor_from_proto(proto, path);
}

Result<std::vector<OnnxTestDataSet>> load_test_data_sets(const std::string& test_dir) {
  std::vector<OnnxTestDataSet> sets;
  for (const fs::path& set_dir : numbered_entries(test_dir, "test_data_set_")) {
    OnnxTestDataSet set;
    set.dir = set_dir.string();
    for (const fs::path& file : numbered_entries(set_dir, "input_")) {
      Result<Tensor> tensor = load_tensor_proto_file(file.string());
      if (!tensor) return tensor.error();
      set.inputs.push_back(std::move(*tensor));
    }
    for (const fs::path& file : numbered_entries(set_dir, "output_")) {
      Result<Tensor> tensor = load_tensor_proto_file(file.string());
      if (!tensor) return tensor.error();
      set.outputs.push_back(std::move(*tensor));
    }
    sets.push_back(std::move(set));
  }
  return sets;
}

std::vector<std::string> list_node_tests(const std::string& root) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.is_directory() && fs::exists(entry.path() / "model.onnx"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> read_model_op_types(const std::string& model_path) {
  std::ifstream in(model_path, std::ios::binary);
  if (!in) return Error{model_path, "", "cannot open file"};
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) return Error{model_path, "", "not a serialized ModelProto"};
  std::vector<std::string> ops;
  for (const onnx::NodeProto& node : model.graph().node()) {
    bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    std::string op = default_domain ? node.op_type() : node.domain() + "::" + node.op_type();
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
  }
  return ops;
}

}  // namespace kiln::testing
