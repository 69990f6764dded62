// OnnxTypes.h: ONNX element types and value types in Kiln terms.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::onnx_import {

/// The IR dtype of an ONNX TensorProto.DataType value; nullopt where Kiln has none (string,
/// bfloat16, uint16/32/64, complex) or the value is not a known enum entry.
std::optional<DType> dtype_from_onnx(int32_t onnx_type);

/// The ONNX enum name of a data type ("FLOAT", "STRING", ...) for error messages.
std::string onnx_type_name(int32_t onnx_type);

/// Converts a ValueInfo's type (graph inputs, outputs, value_info hints). A dim with dim_value is
/// static, with dim_param symbolic, with neither unknown; no shape = unknown rank. Errors (the
/// caller adds the file): non-tensor types, unsupported dtypes, negative dims.
Result<TensorType> tensor_type_from_onnx(const onnx::ValueInfoProto& info);

}  // namespace kiln::onnx_import
