// ReferenceReplicationTest.cpp: hand-computed Split (sizes and uneven num_outputs parts), Expand,
// Tile, Range, EyeLike and Size cases, and Clip, Pad and Trilu with operands given at run time,
// for the reference interpreter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::ElementsAre;

// Runs a one-node graph of `op` with `outputs` outputs on graph inputs `inputs`.
Result<std::vector<Tensor>> run_replication_op(const std::string& op,
                                               const std::vector<Tensor>& inputs, Attributes attrs,
                                               size_t outputs) {
  Graph graph;
  std::vector<Value*> ins, outs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ins.push_back(graph.add_value("in" + std::to_string(i),
                                  TensorType{inputs[i].dtype, static_shape(inputs[i].dims)}));
    graph.inputs.push_back(ins.back());
  }
  for (size_t i = 0; i < outputs; ++i) outs.push_back(graph.add_value("out" + std::to_string(i)));
  graph.add_node("node", op, ins, outs, std::move(attrs));
  graph.outputs = outs;
  return run_reference(graph, inputs);
}

TEST(ReferenceSplit, SizesOrUnevenParts) {
  Tensor x = make_float_tensor({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  ASSERT_OK_AND_ASSIGN(
      sized, run_replication_op(
                 "Split", {x},
                 attrs_of({{"axis", int64_t{1}}, {"split", std::vector<int64_t>{1, 4}}}), 2));
  EXPECT_THAT(values_of(sized[0]), ElementsAre(0, 5));
  EXPECT_THAT(values_of(sized[1]), ElementsAre(1, 2, 3, 4, 6, 7, 8, 9));
  // Five columns in three parts: ceil(5 / 3) = 2 each, the last one taking the single rest.
  ASSERT_OK_AND_ASSIGN(
      parts, run_replication_op("Split", {x},
                                attrs_of({{"axis", int64_t{-1}}, {"num_outputs", int64_t{3}}}), 3));
  EXPECT_EQ(parts[2].dims, (std::vector<int64_t>{2, 1}));
  EXPECT_THAT(values_of(parts[1]), ElementsAre(2, 3, 7, 8));
  EXPECT_THAT(values_of(parts[2]), ElementsAre(4, 9));
}

TEST(ReferenceExpandTile, BroadcastAndRepeat) {
  Tensor column = make_float_tensor({2, 1}, {1, 2});
  ASSERT_OK_AND_ASSIGN(expanded,
                       run_op("Expand", {column, make_int64_tensor({3}, {2, 1, 3})}, {}, {1}));
  EXPECT_EQ(expanded.dims, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_THAT(values_of(expanded), ElementsAre(1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2));
  ASSERT_OK_AND_ASSIGN(tiled, run_op("Tile", {column, make_int64_tensor({2}, {2, 2})}, {}, {1}));
  EXPECT_EQ(tiled.dims, (std::vector<int64_t>{4, 2}));
  EXPECT_THAT(values_of(tiled), ElementsAre(1, 1, 2, 2, 1, 1, 2, 2));
}

TEST(ReferenceGenerators, RangeEyeLikeAndSize) {
  auto scalar = [](int64_t v) { return typed_tensor(DType::Int32, {}, {v}); };
  ASSERT_OK_AND_ASSIGN(down, run_op("Range", {scalar(10), scalar(3), scalar(-3)}, {}, {0, 1, 2}));
  EXPECT_EQ(down.dtype, DType::Int32);
  EXPECT_THAT(ints_of(down), ElementsAre(10, 7, 4));
  ASSERT_OK_AND_ASSIGN(floats, run_op("Range",
                                      {make_float_tensor({}, {1}), make_float_tensor({}, {2}),
                                       make_float_tensor({}, {0.25f})},
                                      {}, {0, 1, 2}));
  EXPECT_THAT(values_of(floats), ElementsAre(1, 1.25, 1.5, 1.75));
  ASSERT_OK_AND_ASSIGN(empty, run_op("Range", {scalar(0), scalar(5), scalar(-1)}, {}, {0, 1, 2}));
  EXPECT_EQ(empty.dims, (std::vector<int64_t>{0}));

  Tensor x = make_float_tensor({2, 3}, {9, 9, 9, 9, 9, 9});
  ASSERT_OK_AND_ASSIGN(
      eye, run_op("EyeLike", {x}, attrs_of({{"k", int64_t{1}}, {"to", std::string("i64")}})));
  EXPECT_EQ(eye.dtype, DType::Int64);
  EXPECT_THAT(ints_of(eye), ElementsAre(0, 1, 0, 0, 0, 1));
  ASSERT_OK_AND_ASSIGN(size, run_op("Size", {x}));
  EXPECT_EQ(size.dims, std::vector<int64_t>{});
  EXPECT_THAT(ints_of(size), ElementsAre(6));
}

TEST(ReferenceRuntimeOperands, ClipBoundsPadFillAndTriluOffsetGivenAtRunTime) {
  Tensor x = make_float_tensor({4}, {-2, -0.5, 0.5, 2});
  ASSERT_OK_AND_ASSIGN(
      clipped, run_op("Clip", {x, make_float_tensor({}, {-1}), make_float_tensor({1}, {1})}));
  EXPECT_THAT(values_of(clipped), ElementsAre(-1, -0.5, 0.5, 1));
  // A run-time bound wins over nothing; an attribute bound still applies on the other side.
  Graph graph;
  Value* in = graph.add_value("x", TensorType{DType::Float32, static_shape({4})});
  Value* hi = graph.add_value("hi", TensorType{DType::Float32, static_shape({})});
  graph.inputs = {in, hi};
  Value* out = graph.add_value("y");
  graph.add_node("clip", "Clip", {in, nullptr, hi}, {out}, attrs_of({{"min", 0.0}}));
  graph.outputs = {out};
  ASSERT_OK_AND_ASSIGN(mixed, run_reference(graph, {x, make_float_tensor({}, {0.25f})}));
  EXPECT_THAT(values_of(mixed[0]), ElementsAre(0, 0, 0.25, 0.25));

  ASSERT_OK_AND_ASSIGN(padded,
                       run_op("Pad", {make_float_tensor({2}, {1, 2}), make_float_tensor({}, {7})},
                              attrs_of({{"pads", std::vector<int64_t>{1, 2}}})));
  EXPECT_THAT(values_of(padded), ElementsAre(7, 1, 2, 7, 7));

  ASSERT_OK_AND_ASSIGN(upper, run_op("Trilu", {make_float_tensor({2, 2}, {1, 2, 3, 4}),
                                               make_int64_tensor({}, {1})}));
  EXPECT_THAT(values_of(upper), ElementsAre(0, 2, 0, 0));
}

}  // namespace
}  // namespace kiln::testing
