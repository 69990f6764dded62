// ReferenceShapeOpsTest.cpp: hand-computed cases for the data-movement ops (Flatten, Reshape,
// Transpose, Concat, Squeeze, Unsqueeze, Shape, Gather, Slice, Pad) and Cast.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::ElementsAre;

Tensor counting(const std::vector<int64_t>& dims) {
  std::vector<float> values(static_cast<size_t>(product_of(dims)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i + 1);
  return make_float_tensor(dims, values);
}

TEST(ReferenceShapeOps, FlattenAndReshape) {
  ASSERT_OK_AND_ASSIGN(flat,
                       run_op("Flatten", {counting({2, 3, 4})}, attrs_of({{"axis", int64_t{2}}})));
  EXPECT_EQ(flat.dims, (std::vector<int64_t>{6, 4}));
  ASSERT_OK_AND_ASSIGN(whole,
                       run_op("Flatten", {counting({2, 3, 4})}, attrs_of({{"axis", int64_t{0}}})));
  EXPECT_EQ(whole.dims, (std::vector<int64_t>{1, 24}));
  ASSERT_OK_AND_ASSIGN(
      reshaped, run_op("Reshape", {counting({2, 3, 4}), make_int64_tensor({2}, {0, -1})}, {}, {1}));
  EXPECT_EQ(reshaped.dims, (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(values_of(reshaped)[13], 14);
}

TEST(ReferenceShapeOps, Transpose) {
  ASSERT_OK_AND_ASSIGN(reversed, run_op("Transpose", {counting({2, 3})}));
  EXPECT_EQ(reversed.dims, (std::vector<int64_t>{3, 2}));
  EXPECT_THAT(values_of(reversed), ElementsAre(1, 4, 2, 5, 3, 6));
  ASSERT_OK_AND_ASSIGN(swapped, run_op("Transpose", {counting({2, 2, 1})},
                                       attrs_of({{"perm", std::vector<int64_t>{1, 0, 2}}})));
  EXPECT_THAT(values_of(swapped), ElementsAre(1, 3, 2, 4));
}

TEST(ReferenceShapeOps, ConcatAlongInnerAxis) {
  Tensor a = make_float_tensor({2, 1}, {1, 2});
  Tensor b = make_float_tensor({2, 2}, {3, 4, 5, 6});
  ASSERT_OK_AND_ASSIGN(y, run_op("Concat", {a, b}, attrs_of({{"axis", int64_t{-1}}})));
  EXPECT_EQ(y.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(values_of(y), ElementsAre(1, 3, 4, 2, 5, 6));
}

TEST(ReferenceShapeOps, SqueezeAndUnsqueeze) {
  ASSERT_OK_AND_ASSIGN(all, run_op("Squeeze", {counting({1, 3, 1})}));
  EXPECT_EQ(all.dims, (std::vector<int64_t>{3}));
  ASSERT_OK_AND_ASSIGN(first, run_op("Squeeze", {counting({1, 3, 1})},
                                     attrs_of({{"axes", std::vector<int64_t>{0}}})));
  EXPECT_EQ(first.dims, (std::vector<int64_t>{3, 1}));
  ASSERT_OK_AND_ASSIGN(grown, run_op("Unsqueeze", {counting({3})},
                                     attrs_of({{"axes", std::vector<int64_t>{0, -1}}})));
  EXPECT_EQ(grown.dims, (std::vector<int64_t>{1, 3, 1}));
}

TEST(ReferenceShapeOps, ShapeWithStartAndEnd) {
  ASSERT_OK_AND_ASSIGN(tail,
                       run_op("Shape", {counting({2, 3, 4})}, attrs_of({{"start", int64_t{1}}})));
  EXPECT_EQ(tail.dtype, DType::Int64);
  EXPECT_THAT(ints_of(tail), ElementsAre(3, 4));
  ASSERT_OK_AND_ASSIGN(head,
                       run_op("Shape", {counting({2, 3, 4})}, attrs_of({{"end", int64_t{-1}}})));
  EXPECT_THAT(ints_of(head), ElementsAre(2, 3));
}

TEST(ReferenceShapeOps, GatherWithNegativeAndScalarIndices) {
  ASSERT_OK_AND_ASSIGN(rows, run_op("Gather", {counting({3, 2}), make_int64_tensor({2}, {-1, 0})}));
  EXPECT_EQ(rows.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(values_of(rows), ElementsAre(5, 6, 1, 2));
  ASSERT_OK_AND_ASSIGN(column, run_op("Gather", {counting({3, 2}), make_int64_tensor({}, {1})},
                                      attrs_of({{"axis", int64_t{1}}})));
  EXPECT_EQ(column.dims, (std::vector<int64_t>{3}));
  EXPECT_THAT(values_of(column), ElementsAre(2, 4, 6));
  Result<Tensor> outside = run_op("Gather", {counting({3, 2}), make_int64_tensor({1}, {3})});
  EXPECT_FALSE(outside.is_ok());
}

TEST(ReferenceShapeOps, SliceWithNegativeStepAndClampedEnds) {
  ASSERT_OK_AND_ASSIGN(
      backwards,
      run_op("Slice", {counting({10}), make_int64_tensor({1}, {8}), make_int64_tensor({1}, {1}),
                       make_int64_tensor({1}, {0}), make_int64_tensor({1}, {-3})}));
  EXPECT_THAT(values_of(backwards), ElementsAre(9, 6, 3));
  int64_t to_end = std::numeric_limits<int64_t>::max();
  ASSERT_OK_AND_ASSIGN(columns, run_op("Slice", {counting({3, 4}), make_int64_tensor({2}, {1, 0}),
                                                 make_int64_tensor({2}, {3, to_end}),
                                                 make_int64_tensor({2}, {-1, 0})}));
  EXPECT_EQ(columns.dims, (std::vector<int64_t>{3, 2}));
  EXPECT_THAT(values_of(columns), ElementsAre(2, 3, 6, 7, 10, 11));
}

TEST(ReferenceShapeOps, PadConstantAndCrop) {
  ASSERT_OK_AND_ASSIGN(
      padded, run_op("Pad", {counting({2, 2})},
                     attrs_of({{"pads", std::vector<int64_t>{1, 0, 0, 1}}, {"value", 9.0}})));
  EXPECT_EQ(padded.dims, (std::vector<int64_t>{3, 3}));
  EXPECT_THAT(values_of(padded), ElementsAre(9, 9, 9, 1, 2, 9, 3, 4, 9));
  ASSERT_OK_AND_ASSIGN(cropped, run_op("Pad", {counting({2, 2})},
                                       attrs_of({{"pads", std::vector<int64_t>{0, -1, 0, 0}}})));
  EXPECT_THAT(values_of(cropped), ElementsAre(2, 4));
}

TEST(ReferenceShapeOps, PadReflectEdgeAndWrap) {
  // One row 1 2 3 padded by 4 on the left and 2 on the right: numpy's pad modes.
  auto pad = [](const std::string& mode) {
    return run_op("Pad", {counting({1, 3})},
                  attrs_of({{"pads", std::vector<int64_t>{0, 4, 0, 2}}, {"mode", mode}}));
  };
  ASSERT_OK_AND_ASSIGN(reflect, pad("reflect"));
  EXPECT_THAT(values_of(reflect), ElementsAre(1, 2, 3, 2, 1, 2, 3, 2, 1));
  ASSERT_OK_AND_ASSIGN(edge, pad("edge"));
  EXPECT_THAT(values_of(edge), ElementsAre(1, 1, 1, 1, 1, 2, 3, 3, 3));
  ASSERT_OK_AND_ASSIGN(wrap, pad("wrap"));
  EXPECT_THAT(values_of(wrap), ElementsAre(3, 1, 2, 3, 1, 2, 3, 1, 2));
  ASSERT_OK_AND_ASSIGN(single, run_op("Pad", {counting({1, 1})},
                                      attrs_of({{"pads", std::vector<int64_t>{0, 2, 0, 1}},
                                                {"mode", std::string("reflect")}})));
  EXPECT_THAT(values_of(single), ElementsAre(1, 1, 1, 1));
  auto empty =
      run_op("Pad", {make_float_tensor({0}, {})},
             attrs_of({{"pads", std::vector<int64_t>{1, 1}}, {"mode", std::string("edge")}}));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
}

TEST(ReferenceShapeOps, DepthToSpaceModesAndSpaceToDepth) {
  // 8 channels of one pixel: DCR takes the block offset from the outer channel digits, CRD from
  // the inner ones.
  auto to_space = [](const std::string& mode) {
    return run_op("DepthToSpace", {counting({1, 8, 1, 1})},
                  attrs_of({{"blocksize", int64_t{2}}, {"mode", mode}}));
  };
  ASSERT_OK_AND_ASSIGN(dcr, to_space("DCR"));
  EXPECT_EQ(dcr.dims, (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_THAT(values_of(dcr), ElementsAre(1, 3, 5, 7, 2, 4, 6, 8));
  ASSERT_OK_AND_ASSIGN(crd, to_space("CRD"));
  EXPECT_THAT(values_of(crd), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  ASSERT_OK_AND_ASSIGN(depth, run_op("SpaceToDepth", {counting({1, 1, 2, 4})},
                                     attrs_of({{"blocksize", int64_t{2}}})));
  EXPECT_EQ(depth.dims, (std::vector<int64_t>{1, 4, 1, 2}));
  EXPECT_THAT(values_of(depth), ElementsAre(1, 3, 2, 4, 5, 7, 6, 8));
  auto uneven =
      run_op("DepthToSpace", {counting({1, 6, 1, 1})}, attrs_of({{"blocksize", int64_t{2}}}));
  ASSERT_FALSE(uneven.is_ok());
  EXPECT_NE(uneven.error().message.find("not a multiple of 4"), std::string::npos)
      << uneven.error().message;
}

TEST(ReferenceCast, FloatIntegerBoolAndHalf) {
  Tensor x = make_float_tensor({3}, {1.7f, -1.7f, 0.0f});
  ASSERT_OK_AND_ASSIGN(as_int, run_op("Cast", {x}, attrs_of({{"to", std::string("i32")}})));
  EXPECT_EQ(as_int.dtype, DType::Int32);
  EXPECT_THAT(ints_of(as_int), ElementsAre(1, -1, 0));
  ASSERT_OK_AND_ASSIGN(as_bool, run_op("Cast", {x}, attrs_of({{"to", std::string("bool")}})));
  EXPECT_THAT(ints_of(as_bool), ElementsAre(1, 1, 0));
  ASSERT_OK_AND_ASSIGN(as_half, run_op("Cast", {make_float_tensor({2}, {0.1f, 65536.0f})},
                                       attrs_of({{"to", std::string("f16")}})));
  EXPECT_EQ(as_half.dtype, DType::Float16);
  EXPECT_DOUBLE_EQ(values_of(as_half)[0], 0.0999755859375);
  EXPECT_TRUE(std::isinf(values_of(as_half)[1]));
  ASSERT_OK_AND_ASSIGN(big, run_op("Cast", {make_int64_tensor({1}, {(int64_t{1} << 40) + 1})},
                                   attrs_of({{"to", std::string("f64")}})));
  EXPECT_EQ(values_of(big)[0], static_cast<double>((int64_t{1} << 40) + 1));
}

}  // namespace
}  // namespace kiln::testing
