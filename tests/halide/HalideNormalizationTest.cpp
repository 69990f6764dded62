// HalideNormalizationTest.cpp: the JIT against the reference for the normalisations over some
// axes (InstanceNormalization, LayerNormalization with its statistics outputs,
// MeanVarianceNormalization, LpNormalization, LRN) and for Split, Expand, Tile, Range, EyeLike,
// Size and the run-time operands of Clip, Pad and Trilu (one JIT compile per group of ops).
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

TEST(HalideNormalization, MeanVarianceNormalizationsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 5, 7}));
  Value* scale = b.constant("scale", random_tensor({3}, 1, 0.5f, 2.f));
  Value* bias = b.constant("bias", random_tensor({3}, 2));
  b.output(b.node("InstanceNormalization", "instance", {x, scale, bias}));
  // LayerNormalization over the last three dims, with Mean and InvStdDev as graph outputs.
  Value* ln_scale = b.constant("ln_scale", random_tensor({5, 7}, 3, 0.5f, 2.f));
  Value* ln_bias = b.constant("ln_bias", random_tensor({7}, 4));
  std::vector<Value*> ln = {graph.add_value("layer"), graph.add_value("layer_mean"),
                            graph.add_value("layer_inv_std")};
  graph.add_node("layer_node", "LayerNormalization", {x, ln_scale, ln_bias}, ln,
                 attrs({{"axis", int64_t{1}}, {"epsilon", 1e-3}}));
  for (Value* v : ln) b.output(v);
  b.output(b.node("LayerNormalization", "layer_last", {x, ln_bias}));
  b.output(b.node("MeanVarianceNormalization", "mvn", {x}));
  b.output(b.node("MeanVarianceNormalization", "mvn_channels", {x},
                  attrs({{"axes", std::vector<int64_t>{1}}})));
  expect_matches_reference(graph, {{random_tensor({2, 3, 5, 7}, 5, -2.f, 3.f)}});
}

TEST(HalideNormalization, LpNormalizationAndLRNMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 6, 5, 7}));
  b.output(b.node("LpNormalization", "l2_last", {x}));
  b.output(b.node("LpNormalization", "l1_channels", {x},
                  attrs({{"axis", int64_t{1}}, {"p", int64_t{1}}})));
  b.output(b.node("LRN", "lrn5", {x}, attrs({{"size", int64_t{5}}})));
  b.output(b.node("LRN", "lrn4", {x},
                  attrs({{"size", int64_t{4}}, {"alpha", 0.01}, {"beta", 0.5}, {"bias", 2.0}})));
  expect_matches_reference(graph, {{random_tensor({2, 6, 5, 7}, 6, -3.f, 3.f)}});
}

TEST(HalideReplication, SplitExpandTileAndGeneratorsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 7, 3}));
  std::vector<Value*> parts = {graph.add_value("part0"), graph.add_value("part1"),
                               graph.add_value("part2")};
  graph.add_node("split", "Split", {x}, parts,
                 attrs({{"axis", int64_t{1}}, {"num_outputs", int64_t{3}}}));
  for (Value* part : parts) b.output(part);
  std::vector<Value*> halves = {graph.add_value("half0"), graph.add_value("half1")};
  graph.add_node("split_sized", "Split", {x}, halves,
                 attrs({{"axis", int64_t{-1}}, {"split", std::vector<int64_t>{1, 2}}}));
  b.output(b.node("Add", "halves_sum", {halves[0], halves[1]}));  // a part read inside a kernel
  Value* column = b.input("column", static_shape({3, 1}));
  b.output(b.node("Expand", "expanded", {column, b.ints("expand_shape", {2, 1, 4})}));
  b.output(b.node("Tile", "tiled", {x, b.ints("repeats", {1, 2, 3})}));
  auto scalar = [&](const std::string& name, float v) {
    return b.constant(name, make_float_tensor({}, {v}));
  };
  b.output(b.node("Range", "range",
                  {scalar("start", 0.5f), scalar("limit", 3.f), scalar("delta", 0.75f)}));
  b.output(b.node("EyeLike", "eye", {column}, attrs({{"k", int64_t{-1}}})));
  b.output(b.node("Size", "size", {x}));
  expect_matches_reference(graph, {{random_tensor({2, 7, 3}, 7), random_tensor({3, 1}, 8)}});
}

TEST(HalideRuntimeOperands, ClipBoundsPadFillAndTriluOffsetMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4}));
  Value* lo = b.input("lo", static_shape({}));
  Value* hi = b.input("hi", static_shape({1}));
  b.output(b.node("Clip", "clip", {x, lo, hi}));
  Value* upper_only = graph.add_value("clip_upper");
  graph.add_node("clip_upper_node", "Clip", {x, nullptr, hi}, {upper_only},
                 attrs({{"min", -0.75}}));
  b.output(upper_only);
  b.output(
      b.node("Pad", "padded", {x, lo}, attrs({{"pads", std::vector<int64_t>{0, 1, 0, 1, 0, 2}}})));
  Value* k = b.input("k", static_shape({}), DType::Int64);
  b.output(b.node("Trilu", "lower", {x, k}, attrs({{"upper", int64_t{0}}})));
  const Tensor data = random_tensor({2, 3, 4}, 9, -2.f, 2.f);
  expect_matches_reference(graph, {{data, make_float_tensor({}, {-0.5f}),
                                    make_float_tensor({1}, {0.5f}), make_int64_tensor({}, {-1})},
                                   {data, make_float_tensor({}, {0.25f}),
                                    make_float_tensor({1}, {1.5f}), make_int64_tensor({}, {2})}});
}

}  // namespace
}  // namespace kiln::halide_test
