// ReferenceResamplingTest.cpp: hand-computed cases for Elu and UpsampleNearest.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

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

TEST(ReferenceResampling, UpsampleNearestRepeatsPixels) {
  auto out = run_op("UpsampleNearest", {make_float_tensor({1, 1, 2, 2}, {1, 2, 3, 4})},
                    attrs_of({{"scales", std::vector<int64_t>{1, 1, 2, 3}}}));
  ASSERT_TRUE(out.is_ok()) << out.error().to_string();
  EXPECT_EQ(out->dims, (std::vector<int64_t>{1, 1, 4, 6}));
  EXPECT_EQ(values_of(*out), (std::vector<double>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,  //
                                                  3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
}

TEST(ReferenceResampling, UpsampleNearestRejectsBadScales) {
  auto out = run_op("UpsampleNearest", {make_float_tensor({1, 2}, {1, 2})},
                    attrs_of({{"scales", std::vector<int64_t>{1, 0}}}));
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.error().message.find("positive"), std::string::npos);
}

}  // namespace
}  // namespace kiln::testing
