// HalideConvPoolTest.cpp: the JIT against the reference for Conv (pads, strides, dilations,
// groups, auto_pad, chains) and the pools (pads, ceil_mode, count_include_pad, global).
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

TEST(HalideConv, ConvVariantsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 4, 9, 11}));
  Value* w3 = b.constant("w3", random_tensor({6, 4, 3, 3}, 21));
  Value* bias6 = b.constant("bias6", random_tensor({6}, 22));
  b.output(b.node("Conv", "conv_pad1", {x, w3, bias6},
                  attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}})));
  Value* wg = b.constant("wg", random_tensor({6, 2, 3, 3}, 23));
  b.output(b.node("Conv", "conv_grouped", {x, wg},
                  attrs({{"group", int64_t{2}},
                         {"strides", Ints{2, 1}},
                         {"dilations", Ints{2, 2}},
                         {"pads", Ints{2, 0, 1, 3}}})));
  Value* wd = b.constant("wd", random_tensor({4, 1, 3, 3}, 24));
  b.output(b.node("Conv", "conv_depthwise", {x, wd},
                  attrs({{"group", int64_t{4}},
                         {"auto_pad", std::string("SAME_UPPER")},
                         {"strides", Ints{2, 2}}})));
  Value* w1 = b.constant("w1", random_tensor({5, 4, 1, 1}, 25));
  b.output(b.node("Conv", "conv_1x1", {x, w1, b.constant("bias5", random_tensor({5}, 26))}));
  // A chain: the first conv's output is stored, the relu between them too (it feeds a window).
  Value* relu =
      b.node("Relu", "relu",
             {b.node("Conv", "conv_a", {x, w3, bias6}, attrs({{"pads", Ints{1, 1, 1, 1}}}))});
  Value* w6 = b.constant("w6", random_tensor({3, 6, 3, 3}, 27));
  b.output(b.node("Conv", "conv_b", {relu, w6}, attrs({{"auto_pad", std::string("VALID")}})));
  expect_matches_reference(graph, {{random_tensor({2, 4, 9, 11}, 20)}});
}

TEST(HalideConv, OneDimensionalConvMatchesReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 3, 17}));
  Value* w = b.constant("w", random_tensor({8, 3, 5}, 31));
  b.output(b.node("Conv", "conv1d", {x, w}, attrs({{"pads", Ints{2, 2}}, {"strides", Ints{3}}})));
  expect_matches_reference(graph, {{random_tensor({1, 3, 17}, 30)}});
}

TEST(HalideConv, ConvTransposePlainFormsMatchReference) {
  // The forms conv_tiled schedules: 1-D and 3-D, groups, strided and dilated at once (every tap
  // tested), weights that are graph inputs (zero taps by a select), a symbolic batch, auto_pad.
  Graph graph;
  GraphBuilder b(graph);
  Value* x1 = b.input("x1", Shape{Dim::symbolic("batch"), Dim::known(4), Dim::known(9)});
  b.output(b.node("ConvTranspose", "t1d",
                  {x1, b.constant("w1", random_tensor({4, 3, 4}, 51)),
                   b.constant("b1", random_tensor({6}, 52))},
                  attrs({{"strides", Ints{3}}, {"group", int64_t{2}}, {"pads", Ints{1, 2}}})));
  Value* x3 = b.input("x3", static_shape({1, 2, 3, 4, 5}));
  b.output(b.node("ConvTranspose", "t3d",
                  {x3, b.constant("w3", random_tensor({2, 3, 2, 3, 2}, 53))},
                  attrs({{"strides", Ints{2, 1, 2}}, {"auto_pad", std::string("SAME_LOWER")}})));
  Value* x2 = b.input("x2", static_shape({1, 3, 5, 4}));
  b.output(b.node("ConvTranspose", "strided_dilated",
                  {x2, b.constant("w2", random_tensor({3, 2, 3, 3}, 54))},
                  attrs({{"strides", Ints{2, 3}}, {"dilations", Ints{2, 2}}})));
  Value* w = b.input("w", static_shape({3, 2, 3, 2}));
  b.output(b.node("ConvTranspose", "runtime_weight", {x2, w},
                  attrs({{"strides", Ints{2, 2}}, {"output_padding", Ints{1, 0}}})));
  expect_matches_reference(graph,
                           {{random_tensor({2, 4, 9}, 55), random_tensor({1, 2, 3, 4, 5}, 56),
                             random_tensor({1, 3, 5, 4}, 57), random_tensor({3, 2, 3, 2}, 58)}});
}

TEST(HalidePool, PoolsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 10, 9}));
  b.output(b.node(
      "MaxPool", "max_pad", {x},
      attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})));
  b.output(b.node(
      "MaxPool", "max_ceil", {x},
      attrs({{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})));
  b.output(b.node("MaxPool", "max_dilated", {x},
                  attrs({{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}})));
  b.output(b.node(
      "AveragePool", "avg_exclude_pad", {x},
      attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})));
  b.output(b.node("AveragePool", "avg_include_pad", {x},
                  attrs({{"kernel_shape", Ints{3, 3}},
                         {"strides", Ints{2, 2}},
                         {"pads", Ints{1, 1, 1, 1}},
                         {"count_include_pad", int64_t{1}}})));
  b.output(b.node(
      "AveragePool", "avg_ceil", {x},
      attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})));
  b.output(b.node("AveragePool", "avg_same", {x},
                  attrs({{"kernel_shape", Ints{3, 3}}, {"auto_pad", std::string("SAME_LOWER")}})));
  b.output(b.node("GlobalAveragePool", "global_avg", {x}));
  b.output(b.node("GlobalMaxPool", "global_max", {x}));
  expect_matches_reference(graph, {{random_tensor({2, 3, 10, 9}, 40)}});
}

TEST(HalidePool, CeilModeWindowsLargerThanTheInputMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 2, 2, 3}));
  Attributes oversized = attrs({{"kernel_shape", Ints{3, 4}},
                                {"strides", Ints{2, 2}},
                                {"pads", Ints{0, 1, 0, 0}},
                                {"ceil_mode", int64_t{1}}});
  b.output(b.node("MaxPool", "max", {x}, oversized));
  b.output(b.node("AveragePool", "avg", {x}, oversized));
  oversized.set("count_include_pad", int64_t{1});
  b.output(b.node("AveragePool", "avg_include_pad", {x}, oversized));
  expect_matches_reference(graph, {{random_tensor({1, 2, 2, 3}, 41)}});
}

TEST(HalidePool, LpPoolMaxPoolIndicesAndMaxUnpoolMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x =
      b.input("x", Shape{Dim::symbolic("batch"), Dim::known(3), Dim::known(7), Dim::known(6)});
  Attributes window =
      attrs({{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 1}}});
  for (int64_t p : {1, 2, 3}) {
    Attributes lp = window;
    lp.set("p", p);
    b.output(b.node("LpPool", "lp" + std::to_string(p), {x}, lp));
  }
  b.output(b.node("MaxPoolIndices", "rows", {x}, window));
  Attributes dilated = attrs({{"kernel_shape", Ints{2, 2}},
                              {"dilations", Ints{2, 1}},
                              {"storage_order", int64_t{1}},
                              {"ceil_mode", int64_t{1}},
                              {"strides", Ints{2, 2}}});
  b.output(b.node("MaxPoolIndices", "columns", {x}, dilated));
  // Unpooling a 2x2 max pool of stride 2 puts each maximum back in its place.
  Attributes pool = attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  Value* pooled = b.node("MaxPool", "pooled", {x}, pool);
  Value* where = b.node("MaxPoolIndices", "where", {x}, pool);
  Attributes unpool = pool;
  unpool.set("output_shape", Ints{2, 3, 7, 7});
  b.output(b.node("MaxUnpool", "unpooled", {pooled, where}, unpool));
  expect_matches_reference(graph, {{random_tensor({2, 3, 7, 6}, 42)}});
}

}  // namespace
}  // namespace kiln::halide_test
