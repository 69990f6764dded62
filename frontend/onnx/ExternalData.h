// ExternalData.h: resolves tensors stored outside the .onnx file (data_location EXTERNAL),
// confined to the model's folder and shared through memory maps.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <string>

#include "frontend/onnx/MappedFile.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::onnx_import {

/// Finds and maps external data files for one model. Each file is mapped once and shared by
/// every tensor stored in it.
class ExternalDataResolver {
 public:
  /// `model_path` is the .onnx file; locations are resolved relative to its folder.
  explicit ExternalDataResolver(std::string model_path);

  /// The `byte_size` bytes of `tensor` (location, offset, length from its external_data
  /// entries). Errors (message only, starting with `what`): location missing, absolute, escaping
  /// the model folder (through `..` or a symlink), naming a missing file, or offset/length past
  /// the end of the file or disagreeing with the tensor's size.
  Result<TensorData> read(const onnx::TensorProto& tensor, size_t byte_size,
                          const std::string& what);

 private:
  std::string model_path_;
  std::map<std::string, std::shared_ptr<const MappedFile>> mapped_files_;
};

}  // namespace kiln::onnx_import
