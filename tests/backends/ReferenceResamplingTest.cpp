// ReferenceResamplingTest.cpp: hand-computed cases for Elu and Resize beyond the ONNX node tests
// (opset 18/19 forms: antialias, axes, keep_aspect_ratio_policy, half_pixel_symmetric), with
// expected values from a transcription of ONNX's reference implementation in numpy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Pointwise;

Tensor one_to(int64_t n, const std::vector<int64_t>& dims) {
  std::vector<float> values;
  for (int64_t i = 1; i <= n; ++i) values.push_back(float(i));
  return make_float_tensor(dims, values);
}

Result<Tensor> resize(const Tensor& x, Attributes attrs) {
  return run_op("Resize", {x}, std::move(attrs));
}

TEST(ReferenceResampling, EluIsIdentityAbovZeroAndScaledExpm1Below) {
  auto out = run_op("Elu", {make_float_tensor({4}, {-2.0f, -0.5f, 0.0f, 3.0f})},
                    attrs_of({{"alpha", 0.5}}));
  ASSERT_TRUE(out.is_ok()) << out.error().to_string();
  std::vector<double> v = values_of(*out);
  EXPECT_NEAR(v[0], 0.5 * std::expm1(-2.0), 1e-6);
  EXPECT_NEAR(v[1], 0.5 * std::expm1(-0.5), 1e-6);
  EXPECT_EQ(v[2], 0.0);
  EXPECT_EQ(v[3], 3.0);
}

TEST(ReferenceResampling, NearestAsymmetricFloorRepeatsPixels) {
  // Keras UpSampling2D's form: integral scales, o / scale rounded down.
  ASSERT_OK_AND_ASSIGN(
      out, resize(make_float_tensor({1, 1, 2, 2}, {1, 2, 3, 4}),
                  attrs_of({{"scales", std::vector<double>{1, 1, 2, 3}},
                            {"coordinate_transformation_mode", std::string("asymmetric")},
                            {"nearest_mode", std::string("floor")}})));
  EXPECT_EQ(out.dims, (std::vector<int64_t>{1, 1, 4, 6}));
  EXPECT_EQ(values_of(out), (std::vector<double>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,  //
                                                 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
}

TEST(ReferenceResampling, NearestKeepsIntegersExact) {
  ASSERT_OK_AND_ASSIGN(out, resize(make_int64_tensor({1, 3}, {int64_t{1} << 60, -7, 5}),
                                   attrs_of({{"sizes", std::vector<int64_t>{1, 6}}})));
  EXPECT_EQ(out.dtype, DType::Int64);
  EXPECT_THAT(ints_of(out), ElementsAre(int64_t{1} << 60, int64_t{1} << 60, -7, -7, 5, 5));
}

TEST(ReferenceResampling, AntialiasStretchesTheFilterWhenDownsampling) {
  Attributes linear = attrs_of({{"mode", std::string("linear")},
                                {"antialias", int64_t{1}},
                                {"scales", std::vector<double>{1, 1, 0.5, 0.5}}});
  ASSERT_OK_AND_ASSIGN(l, resize(one_to(16, {1, 1, 4, 4}), linear));
  EXPECT_THAT(values_of(l), Pointwise(DoubleNear(1e-5), {4.125, 5.875, 11.125, 12.875}));
  Attributes cubic = attrs_of({{"mode", std::string("cubic")},
                               {"antialias", int64_t{1}},
                               {"cubic_coeff_a", -0.5},
                               {"scales", std::vector<double>{1, 1, 0.6, 0.6}}});
  ASSERT_OK_AND_ASSIGN(c, resize(one_to(16, {1, 1, 4, 4}), cubic));
  EXPECT_THAT(values_of(c), Pointwise(DoubleNear(1e-5), {2.6666666666666594, 4.3807266982622375,
                                                         9.522906793048971, 11.236966824644552}));
  // Upsampling ignores antialias.
  linear.set("scales", std::vector<double>{1, 1, 2, 2});
  Attributes plain = linear;
  plain.erase("antialias");
  ASSERT_OK_AND_ASSIGN(up, resize(one_to(16, {1, 1, 4, 4}), linear));
  ASSERT_OK_AND_ASSIGN(up_plain, resize(one_to(16, {1, 1, 4, 4}), plain));
  EXPECT_EQ(values_of(up), values_of(up_plain));
}

TEST(ReferenceResampling, HalfPixelSymmetricCentresARoundedDownOutput) {
  // 5 * 0.7 = 3.5 rounds down to 3: half_pixel_symmetric shifts the samples by a quarter pixel.
  ASSERT_OK_AND_ASSIGN(
      out, resize(one_to(5, {1, 5}),
                  attrs_of({{"mode", std::string("linear")},
                            {"coordinate_transformation_mode", std::string("half_pixel_symmetric")},
                            {"scales", std::vector<double>{1, 0.7}}})));
  EXPECT_THAT(values_of(out),
              Pointwise(DoubleNear(1e-5), {1.5714285714285716, 3.0, 4.428571428571429}));
}

TEST(ReferenceResampling, AxesAndKeepAspectRatioPolicy) {
  // [1,2,3] resized to at most 4x4 keeping the aspect ratio: one scale, 4/3 from the width.
  Attributes attrs = attrs_of({{"sizes", std::vector<int64_t>{4, 4}},
                               {"axes", std::vector<int64_t>{1, 2}},
                               {"keep_aspect_ratio_policy", std::string("not_larger")}});
  ASSERT_OK_AND_ASSIGN(smaller, resize(one_to(6, {1, 2, 3}), attrs));
  EXPECT_EQ(smaller.dims, (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(values_of(smaller), (std::vector<double>{1, 2, 2, 3, 4, 5, 5, 6, 4, 5, 5, 6}));
  attrs.set("keep_aspect_ratio_policy", std::string("not_smaller"));
  attrs.set("axes", std::vector<int64_t>{-1, 1});  // negative and out of order
  ASSERT_OK_AND_ASSIGN(larger, resize(one_to(6, {1, 2, 3}), attrs));
  EXPECT_EQ(larger.dims, (std::vector<int64_t>{1, 4, 6}));
  attrs.set("axes", std::vector<int64_t>{1, 1});
  EXPECT_FALSE(resize(one_to(6, {1, 2, 3}), attrs).is_ok());
}

TEST(ReferenceResampling, CropAndResizeExtrapolatesOutsideTheInput) {
  // Rows sample 1 and 2, columns -1 (outside: the extrapolation value), 0, 1 and 2.
  ASSERT_OK_AND_ASSIGN(
      out, resize(one_to(9, {3, 3}),
                  attrs_of({{"mode", std::string("linear")},
                            {"coordinate_transformation_mode", std::string("tf_crop_and_resize")},
                            {"sizes", std::vector<int64_t>{2, 4}},
                            {"roi", std::vector<double>{0.5, -0.5, 1.0, 1.0}},
                            {"extrapolation_value", -1.0}})));
  EXPECT_THAT(values_of(out), ElementsAre(-1, 4, 5, 6, -1, 7, 8, 9));
}

TEST(ReferenceResampling, CubicExcludeOutsideRenormalisesAtTheEdges) {
  ASSERT_OK_AND_ASSIGN(
      out, resize(one_to(5, {1, 5}), attrs_of({{"mode", std::string("cubic")},
                                               {"cubic_coeff_a", -0.5},
                                               {"exclude_outside", int64_t{1}},
                                               {"scales", std::vector<double>{1, 1.6}}})));
  EXPECT_THAT(values_of(out),
              Pointwise(DoubleNear(1e-5), {0.9280442804428044, 1.344445712980934, 2.0625, 2.6875,
                                           3.3125, 3.9375, 4.655554287019067, 5.071955719557195}));
}

TEST(ReferenceResampling, BadAttributesAreErrors) {
  auto fails_with = [](Attributes attrs, const std::string& fragment) {
    auto out = resize(one_to(4, {1, 4}), std::move(attrs));
    ASSERT_FALSE(out.is_ok()) << fragment;
    EXPECT_NE(out.error().message.find(fragment), std::string::npos) << out.error().message;
  };
  fails_with(attrs_of({{"scales", std::vector<double>{1, 0}}}), "positive");
  fails_with(attrs_of({{"scales", std::vector<double>{2}}}), "1 scales for 2 axes");
  fails_with(
      attrs_of({{"scales", std::vector<double>{1, 2}}, {"sizes", std::vector<int64_t>{1, 8}}}),
      "exactly one");
  fails_with(attrs_of({{"scales", std::vector<double>{1, 2}}, {"mode", std::string("area")}}),
             "mode 'area'");
  fails_with(attrs_of({{"scales", std::vector<double>{1, 2}},
                       {"coordinate_transformation_mode", std::string("corner")}}),
             "coordinate_transformation_mode 'corner'");
  auto ints =
      run_op("Resize", {make_int64_tensor({1, 2}, {1, 2})},
             attrs_of({{"scales", std::vector<double>{1, 2}}, {"mode", std::string("linear")}}));
  ASSERT_FALSE(ints.is_ok());
  EXPECT_NE(ints.error().message.find("floating-point"), std::string::npos);
}

}  // namespace
}  // namespace kiln::testing
