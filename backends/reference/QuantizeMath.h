// QuantizeMath.h: the integer range of a quantized dtype and the steps every quantizing kernel
// shares (adding the zero point and saturating; DynamicQuantizeLinear's parameters).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ir/IR.h"

namespace kiln::reference {

/// The values a quantized dtype holds.
struct QuantizedRange {
  int64_t low = 0, high = 255;
};

inline QuantizedRange quantized_range(DType dtype) {
  switch (dtype) {
    case DType::Int8:
      return {INT8_MIN, INT8_MAX};
    case DType::Int16:
      return {INT16_MIN, INT16_MAX};
    case DType::UInt16:
      return {0, UINT16_MAX};
    case DType::Int32:
      return {INT32_MIN, INT32_MAX};
    default:
      return {0, UINT8_MAX};
  }
}

/// `steps` (an already rounded quotient) plus `zero_point`, clamped into `range`; NaN gives the
/// zero point.
inline int64_t saturate(double steps, int64_t zero_point, QuantizedRange range) {
  if (std::isnan(steps)) steps = 0.0;
  const double value = steps + double(zero_point);
  return int64_t(std::clamp(value, double(range.low), double(range.high)));
}

/// DynamicQuantizeLinear's scale and zero point for data spanning [low, high] (which includes
/// 0), computed in f32 as ONNX Runtime does; an all-zero range gets scale 1.
struct DynamicQuantization {
  float scale = 1.0f;
  int64_t zero_point = 0;
};

inline DynamicQuantization dynamic_quantization(float low, float high, QuantizedRange range) {
  DynamicQuantization q;
  q.scale = high == low ? 1.0f : (high - low) / float(range.high - range.low);
  const float initial = float(range.low) - low / q.scale;
  q.zero_point = int64_t(std::nearbyintf(std::clamp(initial, float(range.low), float(range.high))));
  return q;
}

}  // namespace kiln::reference
