// OnnxTypes.cpp: ONNX data-type enum and TypeProto conversion.
#include "frontend/onnx/OnnxTypes.h"

namespace kiln::onnx_import {

std::optional<DType> dtype_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT:
      return DType::Float32;
    case onnx::TensorProto::DOUBLE:
      return DType::Float64;
    case onnx::TensorProto::FLOAT16:
      return DType::Float16;
    case onnx::TensorProto::INT8:
      return DType::Int8;
    case onnx::TensorProto::INT16:
      return DType::Int16;
    case onnx::TensorProto::INT32:
      return DType::Int32;
    case onnx::TensorProto::INT64:
      return DType::Int64;
    case onnx::TensorProto::UINT8:
      return DType::UInt8;
    case onnx::TensorProto::UINT16:
      return DType::UInt16;
    case onnx::TensorProto::UINT32:
      return DType::UInt32;
    case onnx::TensorProto::UINT64:
      return DType::UInt64;
    case onnx::TensorProto::BOOL:
      return DType::Bool;
    default:
      return std::nullopt;
  }
}

std::string onnx_type_name(int32_t onnx_type) {
  if (onnx::TensorProto::DataType_IsValid(onnx_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type));
  return "data type " + std::to_string(onnx_type);
}

Result<TensorType> tensor_type_from_onnx(const onnx::ValueInfoProto& info) {
  TensorType type;
  if (!info.has_type()) return type;  // untyped: everything unknown
  if (!info.type().has_tensor_type())
    return make_error("value '" + info.name() +
                      "' is not a tensor (sequence, map or optional "
                      "values are not supported)");
  const onnx::TypeProto::Tensor& tensor = info.type().tensor_type();
  if (tensor.elem_type() != onnx::TensorProto::UNDEFINED) {
    std::optional<DType> dtype = dtype_from_onnx(tensor.elem_type());
    if (!dtype)
      return make_error("value '" + info.name() + "' has unsupported element type " +
                        onnx_type_name(tensor.elem_type()));
    type.dtype = *dtype;
  }
  if (!tensor.has_shape()) return type;
  Shape shape;
  for (const onnx::TensorShapeProto::Dimension& dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        return make_error("value '" + info.name() + "' has a negative dimension (" +
                          std::to_string(dim.dim_value()) + ")");
      shape.push_back(Dim::known(dim.dim_value()));
    } else if (dim.has_dim_param() && !dim.dim_param().empty()) {
      shape.push_back(Dim::symbolic(dim.dim_param()));
    } else {
      shape.push_back(Dim::unknown());
    }
  }
  type.shape = std::move(shape);
  return type;
}

}  // namespace kiln::onnx_import
