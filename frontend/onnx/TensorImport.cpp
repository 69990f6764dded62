// TensorImport.cpp: every TensorProto encoding into a Tensor.
#include "frontend/onnx/TensorImport.h"

#include <cstring>
#include <vector>

#include "frontend/onnx/OnnxTypes.h"

namespace kiln::onnx_import {
namespace {

// Far above any real weight, far below overflow of count * element size.
constexpr int64_t kMaxElements = int64_t{1} << 40;

Error size_mismatch(const std::string& what, const char* field, int64_t have, int64_t want) {
  return make_error(what + ": " + field + " holds " + std::to_string(have) +
                    " values but its dims need " + std::to_string(want));
}

/// Narrows the int32_data field into `element_size`-byte elements (int8/16, uint8/16, bool and
/// the raw bits of float16 all travel widened to int32).
std::vector<uint8_t> narrow_int32_data(const google::protobuf::RepeatedField<int32_t>& values,
                                       DType dtype) {
  size_t element_size = dtype_size(dtype);
  std::vector<uint8_t> bytes(values.size() * element_size);
  for (int i = 0; i < values.size(); ++i) {
    int32_t v = values.Get(i);
    if (dtype == DType::Bool) v = v != 0;
    if (element_size == 1) {
      bytes[i] = static_cast<uint8_t>(v);
    } else {
      auto narrow = static_cast<uint16_t>(v);
      std::memcpy(&bytes[i * 2], &narrow, 2);
    }
  }
  return bytes;
}

}  // namespace

TensorImporter::TensorImporter(std::shared_ptr<const onnx::ModelProto> model,
                               std::string model_path)
    : owner_(std::move(model)), external_data_(std::move(model_path)) {}

Result<Tensor> TensorImporter::import(const onnx::TensorProto& proto, const std::string& what) {
  std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype)
    return make_error(what + ": unsupported data type " + onnx_type_name(proto.data_type()));
  if (proto.has_segment()) return make_error(what + ": segmented tensors are not supported");

  Tensor tensor;
  tensor.dtype = *dtype;
  int64_t count = 1;
  for (int64_t dim : proto.dims()) {
    if (dim < 0) return make_error(what + ": negative dimension " + std::to_string(dim));
    if (dim != 0 && count > kMaxElements / dim)
      return make_error(what + ": dims describe an impossibly large tensor");
    count *= dim;
    tensor.dims.push_back(dim);
  }
  size_t element_size = dtype_size(*dtype);
  size_t byte_size = static_cast<size_t>(count) * element_size;

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    Result<TensorData> data = external_data_.read(proto, byte_size, what);
    if (!data) return data.error();
    tensor.data = std::move(*data);
    return tensor;
  }
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != byte_size)
      return make_error(what + ": raw_data has " + std::to_string(raw.size()) +
                        " bytes but its dims and data type need " + std::to_string(byte_size));
    if (byte_size != 0)
      tensor.data = TensorData(owner_, reinterpret_cast<const uint8_t*>(raw.data()), byte_size);
    return tensor;
  }

  auto share_field = [&](const auto& field, const char* name) -> Result<Tensor> {
    if (field.size() != count) return size_mismatch(what, name, field.size(), count);
    if (count != 0)
      tensor.data = TensorData(owner_, reinterpret_cast<const uint8_t*>(field.data()), byte_size);
    return tensor;
  };
  switch (*dtype) {
    case DType::Float32:
      return share_field(proto.float_data(), "float_data");
    case DType::Float64:
      return share_field(proto.double_data(), "double_data");
    case DType::Int64:
      return share_field(proto.int64_data(), "int64_data");
    case DType::Int32:
      return share_field(proto.int32_data(), "int32_data");
    case DType::UInt64:
      return share_field(proto.uint64_data(), "uint64_data");
    case DType::UInt32: {  // travels widened in uint64_data
      if (proto.uint64_data_size() != count)
        return size_mismatch(what, "uint64_data", proto.uint64_data_size(), count);
      std::vector<uint32_t> narrow(proto.uint64_data().begin(), proto.uint64_data().end());
      tensor.data = TensorData::copy_of(narrow.data(), narrow.size() * sizeof(uint32_t));
      return tensor;
    }
    default:
      break;
  }
  if (proto.int32_data_size() != count)
    return size_mismatch(what, "int32_data", proto.int32_data_size(), count);
  tensor.data = TensorData::from_vector(narrow_int32_data(proto.int32_data(), *dtype));
  return tensor;
}

}  // namespace kiln::onnx_import
