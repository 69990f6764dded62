// TensorImport.h: converts ONNX TensorProtos (initializers, Constant values) into IR tensors.
#pragma once

#include <onnx/onnx_pb.h>

#include <memory>
#include <string>

#include "frontend/onnx/ExternalData.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::onnx_import {

/// Converts the tensors of one model. raw_data, float_data, int64_data, double_data (and
/// int32_data for int32) are shared with the parsed model rather than copied; external data is
/// memory mapped.
class TensorImporter {
 public:
  /// `model` must own every TensorProto later passed to import(): tensors point into it.
  TensorImporter(std::shared_ptr<const onnx::ModelProto> model, std::string model_path);

  /// Converts `proto`. Errors carry only a message starting with `what` (e.g. "initializer
  /// 'w'"): unsupported dtypes (string, complex, ...), negative or overflowing dims, data whose
  /// size disagrees with the dims, bad external data.
  Result<Tensor> import(const onnx::TensorProto& proto, const std::string& what);

 private:
  std::shared_ptr<const void> owner_;
  ExternalDataResolver external_data_;
};

}  // namespace kiln::onnx_import
