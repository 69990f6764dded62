// ModelFile.cpp: bounded protobuf parsing of .onnx files.
#include "frontend/onnx/ModelFile.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>

#include "frontend/onnx/MappedFile.h"

namespace kiln::onnx_import {
namespace {

// Protobuf's default 64 MB cap would reject real models; 2 GB is the format's own limit.
constexpr int kMaxModelBytes = INT_MAX;

}  // namespace

Result<std::shared_ptr<const onnx::ModelProto>> read_model_file(const std::string& path) {
  Result<std::shared_ptr<const MappedFile>> file = MappedFile::open(path);
  if (!file) return file.error();
  const MappedFile& bytes = **file;
  if (bytes.size() == 0) return make_file_error(path, "file is empty");
  if (bytes.size() > static_cast<size_t>(kMaxModelBytes))
    return make_file_error(path, "file is larger than 2 GB; store the weights as external data");

  auto model = std::make_shared<onnx::ModelProto>();
  google::protobuf::io::CodedInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(kMaxModelBytes);
  if (!model->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage() ||
      stream.CurrentPosition() != static_cast<int>(bytes.size()))
    return make_file_error(path,
                           "not a valid ONNX model (the file is truncated or is not a "
                           "serialized ONNX ModelProto)");
  if (!model->has_graph()) return make_file_error(path, "not a valid ONNX model: it has no graph");
  return std::shared_ptr<const onnx::ModelProto>(std::move(model));
}

}  // namespace kiln::onnx_import
