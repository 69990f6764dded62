// TensorUtil.cpp: dtype conversion and indexing helpers for the reference kernels.
#include "backends/reference/TensorUtil.h"

#include <cmath>
#include <cstring>

namespace kiln::reference {

namespace {

// IEEE half from float with round-to-nearest-even; overflow gives infinity, NaN stays NaN.
uint16_t float_to_half(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t exponent = (bits >> 23) & 0xff;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) return sign | 0x7c00u | (mantissa ? 0x200u : 0u);
  int32_t half_exponent = static_cast<int32_t>(exponent) - 127 + 15;
  if (half_exponent >= 31) return sign | 0x7c00u;
  if (half_exponent <= 0) {  // subnormal half (or zero)
    if (half_exponent < -10) return sign;
    mantissa |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - half_exponent);
    uint32_t half_mantissa = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half_mantissa & 1))) ++half_mantissa;
    return sign | static_cast<uint16_t>(half_mantissa);
  }
  uint32_t half = (static_cast<uint32_t>(half_exponent) << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1))) ++half;  // may carry to inf
  return sign | static_cast<uint16_t>(half);
}

// Float -> integer conversion that never hits undefined behaviour (NaN and out-of-range values
// saturate; ONNX leaves them unspecified).
int64_t double_to_int(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9.2e18) return INT64_MAX;
  if (value <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(value);
}

template <typename T>
void store(std::vector<uint8_t>& bytes, int64_t i, T value) {
  std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(T), &value, sizeof(T));
}

}  // namespace

NumericView::NumericView(const Tensor& tensor) {
  if (tensor.dtype == DType::Float32) {
    f32_ = tensor.data.as<float>();
    return;
  }
  int64_t count = tensor.element_count();
  converted_.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) converted_[i] = tensor.element_as_double(i);
}

TensorWriter::TensorWriter(DType dtype, std::vector<int64_t> dims)
    : dtype_(dtype),
      dims_(std::move(dims)),
      count_(product(dims_)),
      element_size_(dtype_size(dtype)),
      bytes_(static_cast<size_t>(count_) * element_size_, 0) {}

void TensorWriter::set_double(int64_t i, double value) {
  switch (dtype_) {
    case DType::Float32:
      return store(bytes_, i, static_cast<float>(value));
    case DType::Float64:
      return store(bytes_, i, value);
    case DType::Float16:
      return store(bytes_, i, float_to_half(static_cast<float>(value)));
    case DType::Bool:
      return store(bytes_, i, static_cast<uint8_t>(value != 0.0));
    case DType::UInt64:  // above INT64_MAX only a u64 holds the value
      if (value >= 9.2e18) return store(bytes_, i, value >= 1.8e19 ? UINT64_MAX : uint64_t(value));
      return set_int(i, double_to_int(value));
    default:
      return set_int(i, double_to_int(value));
  }
}

void TensorWriter::set_int(int64_t i, int64_t value) {
  switch (dtype_) {
    case DType::Int64:
      return store(bytes_, i, value);
    case DType::Int32:
      return store(bytes_, i, static_cast<int32_t>(value));
    case DType::Int16:
      return store(bytes_, i, static_cast<int16_t>(value));
    case DType::Int8:
      return store(bytes_, i, static_cast<int8_t>(value));
    case DType::UInt8:
      return store(bytes_, i, static_cast<uint8_t>(value));
    case DType::UInt16:
      return store(bytes_, i, static_cast<uint16_t>(value));
    case DType::UInt32:
      return store(bytes_, i, static_cast<uint32_t>(value));
    case DType::UInt64:
      return store(bytes_, i, static_cast<uint64_t>(value));
    case DType::Bool:
      return store(bytes_, i, static_cast<uint8_t>(value != 0));
    case DType::Unknown:
      return;
    default:
      return set_double(i, static_cast<double>(value));
  }
}

void TensorWriter::copy_element(const Tensor& src, int64_t src_index, int64_t dst_index) {
  std::memcpy(bytes_.data() + static_cast<size_t>(dst_index) * element_size_,
              src.data.data() + static_cast<size_t>(src_index) * element_size_, element_size_);
}

Tensor TensorWriter::finish() {
  return Tensor{dtype_, dims_, TensorData::from_vector(std::move(bytes_))};
}

Tensor tensor_from_doubles(DType dtype, const std::vector<int64_t>& dims,
                           const std::vector<double>& values) {
  TensorWriter writer(dtype, dims);
  for (int64_t i = 0; i < writer.element_count(); ++i) writer.set_double(i, values[i]);
  return writer.finish();
}

Tensor reshaped(const Tensor& source, const std::vector<int64_t>& dims) {
  return Tensor{source.dtype, dims, source.data};
}

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

int64_t product(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  return count;
}

std::vector<int64_t> reduced_targets(const std::vector<int64_t>& dims,
                                     const std::set<int64_t>& axes) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  std::vector<int64_t> kept_dims = dims;
  for (int64_t axis : axes) kept_dims[static_cast<size_t>(axis)] = 1;
  const std::vector<int64_t> kept_strides = row_major_strides(kept_dims);
  const int64_t count = product(dims);
  std::vector<int64_t> targets(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, target = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (!axes.count(d)) target += (rest % dims[d]) * kept_strides[d];
      rest /= dims[d];
    }
    targets[static_cast<size_t>(i)] = target;
  }
  return targets;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return make_error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

BroadcastIndexer::BroadcastIndexer(const std::vector<int64_t>& input_dims,
                                   const std::vector<int64_t>& output_dims)
    : output_dims_(output_dims), input_strides_(output_dims.size(), 0) {
  std::vector<int64_t> strides = row_major_strides(input_dims);
  size_t offset = output_dims.size() - input_dims.size();
  for (size_t i = 0; i < input_dims.size(); ++i)
    input_strides_[offset + i] = input_dims[i] == 1 ? 0 : strides[i];
}

int64_t BroadcastIndexer::input_index(int64_t output_index) const {
  int64_t input_index = 0;
  for (size_t d = output_dims_.size(); d-- > 0;) {
    int64_t coordinate = output_index % output_dims_[d];
    output_index /= output_dims_[d];
    input_index += coordinate * input_strides_[d];
  }
  return input_index;
}

bool is_integral(DType dtype) {
  return !is_floating(dtype) && dtype != DType::Unknown;
}

}  // namespace kiln::reference
