// NumberText.cpp: number formatting and parsing for IR text (see ir/NumberText.h).
#include "ir/NumberText.h"

#include <charconv>
#include <cstring>

namespace kiln {

namespace {

/// Makes sure a float literal reads back as a float, not an int ("1" -> "1.0").
std::string mark_as_float(std::string text) {
  if (text.find_first_of(".ein") == std::string::npos) text += ".0";
  return text;
}

template <typename T>
std::string format_shortest(T value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return mark_as_float(std::string(buffer, result.ptr));
}

template <typename T>
std::optional<T> parse_whole(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

template <typename T>
void append_bytes(std::vector<uint8_t>& bytes, T value) {
  uint8_t raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  bytes.insert(bytes.end(), raw, raw + sizeof(T));
}

/// Appends `value` as a T when it lies in [low, high].
template <typename T>
std::optional<std::string> append_in_range(int64_t value, int64_t low, int64_t high,
                                           std::string_view text, DType dtype,
                                           std::vector<uint8_t>& bytes) {
  if (value < low || value > high)
    return "element " + std::string(text) + " does not fit in " + dtype_name(dtype);
  append_bytes(bytes, static_cast<T>(value));
  return std::nullopt;
}

}  // namespace

std::string format_f32(float value) {
  return format_shortest(value);
}
std::string format_f64(double value) {
  return format_shortest(value);
}

std::string format_float_attribute(double value) {
  float narrowed = static_cast<float>(value);
  if (static_cast<double>(narrowed) == value) return format_f32(narrowed);
  return format_f64(value);
}

std::optional<int64_t> parse_int64(std::string_view text) {
  return parse_whole<int64_t>(text);
}
std::optional<float> parse_f32(std::string_view text) {
  return parse_whole<float>(text);
}
std::optional<double> parse_f64(std::string_view text) {
  return parse_whole<double>(text);
}

uint16_t float_to_half_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) return sign | 0x7c00u | (mantissa ? 0x200u : 0u);  // inf / nan
  int half_exponent = static_cast<int>(exponent) - 127 + 15;
  if (half_exponent >= 31) return sign | 0x7c00u;  // overflow to inf
  if (half_exponent <= 0) {                        // subnormal half (or zero)
    if (half_exponent < -10) return sign;
    mantissa |= 0x800000u;
    int shift = 14 - half_exponent;
    uint32_t half_mantissa = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half_mantissa & 1))) ++half_mantissa;
    return static_cast<uint16_t>(sign | half_mantissa);
  }
  uint32_t half = (static_cast<uint32_t>(half_exponent) << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1))) ++half;  // may carry to inf
  return static_cast<uint16_t>(sign | half);
}

std::optional<std::string> append_constant_element(DType dtype, std::string_view text,
                                                   bool is_integer_literal,
                                                   std::vector<uint8_t>& bytes) {
  std::string out_of_range = "number " + std::string(text) + " is out of range";
  if (dtype == DType::Float64) {
    std::optional<double> value = parse_f64(text);
    if (!value) return out_of_range;
    append_bytes(bytes, *value);
    return std::nullopt;
  }
  if (dtype == DType::Float32 || dtype == DType::Float16) {
    std::optional<float> value = parse_f32(text);
    if (!value) return out_of_range;
    if (dtype == DType::Float32)
      append_bytes(bytes, *value);
    else
      append_bytes(bytes, float_to_half_bits(*value));
    return std::nullopt;
  }
  if (!is_integer_literal)
    return std::string("expected an integer element for ") + dtype_name(dtype) + ", found '" +
           std::string(text) + "'";
  if (dtype == DType::UInt64) {  // the one dtype whose range int64 does not hold
    std::optional<uint64_t> value = parse_whole<uint64_t>(text);
    if (!value) return "element " + std::string(text) + " does not fit in u64";
    append_bytes(bytes, *value);
    return std::nullopt;
  }
  std::optional<int64_t> value = parse_int64(text);
  if (!value) return "integer " + std::string(text) + " is out of range";
  switch (dtype) {
    case DType::Int8:
      return append_in_range<int8_t>(*value, INT8_MIN, INT8_MAX, text, dtype, bytes);
    case DType::Int16:
      return append_in_range<int16_t>(*value, INT16_MIN, INT16_MAX, text, dtype, bytes);
    case DType::Int32:
      return append_in_range<int32_t>(*value, INT32_MIN, INT32_MAX, text, dtype, bytes);
    case DType::Int64:
      append_bytes(bytes, *value);
      return std::nullopt;
    case DType::UInt8:
      return append_in_range<uint8_t>(*value, 0, UINT8_MAX, text, dtype, bytes);
    case DType::UInt16:
      return append_in_range<uint16_t>(*value, 0, UINT16_MAX, text, dtype, bytes);
    case DType::UInt32:
      return append_in_range<uint32_t>(*value, 0, UINT32_MAX, text, dtype, bytes);
    case DType::Bool:
      return append_in_range<uint8_t>(*value, 0, 1, text, dtype, bytes);
    default:
      return std::string("constants cannot have dtype ") + dtype_name(dtype);
  }
}

}  // namespace kiln
