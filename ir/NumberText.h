// NumberText.h: how numbers are written in IR text and read back, kept in one place so the
// printer and the parser agree bit for bit (shortest round-trip floats, f16 rounding,
// range-checked integers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// Shortest text that reads back as the same f32 bits, always marked as a float ("1.0", "1e-05",
/// "inf", "nan").
std::string format_f32(float value);
/// Shortest text that reads back as the same f64 bits, marked as a float like format_f32.
std::string format_f64(double value);
/// Float attributes are doubles in memory but f32 in every model format, so a value that is
/// exactly an f32 prints with the shorter f32 digits; parse_f64 of that text gives a double that
/// converts to the same f32 and prints as the same text.
std::string format_float_attribute(double value);

/// Parses a whole decimal integer; nullopt when malformed or outside int64.
std::optional<int64_t> parse_int64(std::string_view text);
/// Parses a whole decimal float, `inf` or `nan` (optionally signed), correctly rounded; nullopt
/// when malformed or out of range.
std::optional<float> parse_f32(std::string_view text);
std::optional<double> parse_f64(std::string_view text);

/// Rounds an f32 to the nearest f16 bit pattern (ties to even); exact for any f16 value.
uint16_t float_to_half_bits(float value);

/// Appends one constant element of `dtype`, written as `text`, to little-endian `bytes`.
/// `is_integer_literal` says the text has no '.', exponent, inf or nan (integer dtypes need one).
/// Returns an error message (without location) when the text does not fit the dtype.
std::optional<std::string> append_constant_element(DType dtype, std::string_view text,
                                                   bool is_integer_literal,
                                                   std::vector<uint8_t>& bytes);

}  // namespace kiln
