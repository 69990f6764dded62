// NumberTextTest.cpp: number text in IR (ir/NumberText.h) reads back bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "TestGraphs.h"
#include "ir/NumberText.h"

namespace kiln {
namespace {

TEST(NumberText, FloatsAreMarked) {
  EXPECT_EQ(format_f32(1.0f), "1.0");
  EXPECT_EQ(format_f32(-0.0f), "-0.0");
  EXPECT_EQ(format_f32(1e-5f), "1e-05");
  EXPECT_EQ(format_f32(INFINITY), "inf");
  EXPECT_EQ(format_f64(0.1), "0.1");
  EXPECT_EQ(format_float_attribute(static_cast<double>(0.1f)), "0.1");
  EXPECT_EQ(format_float_attribute(0.1), "0.1");
  EXPECT_EQ(format_float_attribute(1.0 / 3.0), "0.3333333333333333");
}

TEST(NumberText, EveryHalfRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    auto half = static_cast<uint16_t>(bits);
    Tensor tensor = test::make_tensor<uint16_t>(DType::Float16, {1}, {half});
    float value = static_cast<float>(tensor.element_as_double(0));
    std::optional<float> parsed = parse_f32(format_f32(value));
    ASSERT_TRUE(parsed.has_value()) << bits;
    uint16_t back = float_to_half_bits(*parsed);
    if (std::isnan(value)) {
      EXPECT_TRUE((back & 0x7c00) == 0x7c00 && (back & 0x3ff) != 0) << bits;
    } else {
      EXPECT_EQ(back, half) << "bits " << bits << " text " << format_f32(value);
    }
  }
}

TEST(NumberText, HalfRoundingTiesToEven) {
  EXPECT_EQ(float_to_half_bits(1.0f + 1.0f / 2048), 0x3c00);  // halfway, rounds to even
  EXPECT_EQ(float_to_half_bits(1.0f + 3.0f / 2048), 0x3c02);  // halfway, rounds up to even
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);            // rounds past max to inf
  EXPECT_EQ(float_to_half_bits(1e-10f), 0x0000);
}

TEST(NumberText, RandomFloatBitsRoundTrip) {
  std::mt19937 random(7);
  for (int i = 0; i < 100000; ++i) {
    uint32_t bits = random();
    float value;
    std::memcpy(&value, &bits, 4);
    if (std::isnan(value)) continue;
    std::optional<float> parsed = parse_f32(format_f32(value));
    ASSERT_TRUE(parsed.has_value()) << format_f32(value);
    EXPECT_EQ(std::memcmp(&*parsed, &value, 4), 0) << format_f32(value);
    uint64_t wide = (static_cast<uint64_t>(random()) << 32) | random();
    double dvalue;
    std::memcpy(&dvalue, &wide, 8);
    if (std::isnan(dvalue)) continue;
    std::optional<double> dparsed = parse_f64(format_f64(dvalue));
    ASSERT_TRUE(dparsed.has_value()) << format_f64(dvalue);
    EXPECT_EQ(std::memcmp(&*dparsed, &dvalue, 8), 0) << format_f64(dvalue);
  }
}

TEST(NumberText, ConstantElementsCheckRange) {
  std::vector<uint8_t> bytes;
  EXPECT_EQ(append_constant_element(DType::Int16, "-32768", true, bytes), std::nullopt);
  EXPECT_EQ(bytes.size(), 2u);
  EXPECT_EQ(append_constant_element(DType::Int16, "32768", true, bytes),
            "element 32768 does not fit in i16");
  EXPECT_EQ(append_constant_element(DType::UInt8, "-1", true, bytes),
            "element -1 does not fit in u8");
  EXPECT_EQ(append_constant_element(DType::UInt16, "65536", true, bytes),
            "element 65536 does not fit in u16");
  EXPECT_EQ(append_constant_element(DType::UInt32, "-1", true, bytes),
            "element -1 does not fit in u32");
  EXPECT_EQ(append_constant_element(DType::UInt64, "-1", true, bytes),
            "element -1 does not fit in u64");
  EXPECT_EQ(append_constant_element(DType::UInt64, "18446744073709551616", true, bytes),
            "element 18446744073709551616 does not fit in u64");
  EXPECT_EQ(append_constant_element(DType::Int32, "1.0", false, bytes),
            "expected an integer element for i32, found '1.0'");
  EXPECT_EQ(append_constant_element(DType::Float32, "1e40", false, bytes),
            "number 1e40 is out of range");
  EXPECT_EQ(append_constant_element(DType::Float16, "3", true, bytes), std::nullopt);
  EXPECT_EQ(bytes.size(), 4u);
  EXPECT_EQ(parse_int64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_int64("12x"), std::nullopt);
  EXPECT_EQ(parse_f64("-inf"), -INFINITY);
}

}  // namespace
}  // namespace kiln
