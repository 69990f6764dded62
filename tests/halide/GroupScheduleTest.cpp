// GroupScheduleTest.cpp: the facts group schedules are chosen from: the columns a pool row asks
// of its conv, so a fused conv+pool's register tile covers them without a second, overlapping
// tile (the tile that follows is checked in tests/lit/inspect/mnist_schedules.test).
#include <gtest/gtest.h>

#include <vector>

#include "backends/halide/GroupSchedule.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// The columns a MaxPool with `pool_attrs` over an input `width` columns wide asks for per row.
int64_t max_pool_columns(int64_t width, Attributes pool_attrs) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 8, width, width}));
  b.output(b.node("MaxPool", "pool", {x}, std::move(pool_attrs)));
  EXPECT_TRUE(run_passes(graph, {"infer-shapes"}).is_ok());
  return pool_region_columns(*graph.find_node("pool_node"));
}

TEST(GroupSchedule, PoolRowsAskForTheColumnsTheirWindowsRead) {
  // 2x2 stride 2 over 14 (the MNIST CNN's second pool): 7 windows read all 14 columns.
  EXPECT_EQ(max_pool_columns(14, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})),
            14);
  // 3x3 stride 2 over 13 (AlexNet): 6 windows read columns 0-12.
  EXPECT_EQ(max_pool_columns(13, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}})),
            13);
  // 2x2 stride 2 over 15: the last column is in no window.
  EXPECT_EQ(max_pool_columns(15, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})),
            14);
  // 3x3 stride 2 pad 1 over 112 (ResNet's stem): the windows start at -1; reads in the padding
  // are clamped, so the row asks for all 112 columns.
  EXPECT_EQ(max_pool_columns(112, attrs({{"kernel_shape", Ints{3, 3}},
                                         {"strides", Ints{2, 2}},
                                         {"pads", Ints{1, 1, 1, 1}}})),
            112);
  // ceil_mode: the last window runs past the input (3x3 stride 2 over 14: 7 windows, the last
  // reads columns 12-14); the row asks for the input's 14 columns.
  EXPECT_EQ(max_pool_columns(14, attrs({{"kernel_shape", Ints{3, 3}},
                                        {"strides", Ints{2, 2}},
                                        {"ceil_mode", int64_t{1}}})),
            14);
  // Dilation 2 widens each window to 5 columns: 2 windows of stride 4 over 9 read columns 0-8.
  EXPECT_EQ(max_pool_columns(9, attrs({{"kernel_shape", Ints{3, 3}},
                                       {"strides", Ints{4, 4}},
                                       {"dilations", Ints{2, 2}}})),
            9);
}

}  // namespace
}  // namespace kiln::halide_test
