// HalideLinearLayoutTest.cpp: the JIT against the reference for Gemm/MatMul and the ops that
// move elements (Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Slice, Gather, Pad).
#include <cstring>

#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

TEST(HalideLinear, GemmAndMatMulMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* a = b.input("a", static_shape({3, 20}));
  Value* w = b.constant("w", random_tensor({17, 20}, 51));
  b.output(b.node("Gemm", "gemm_transb", {a, w, b.constant("bias", random_tensor({17}, 52))},
                  attrs({{"transB", int64_t{1}}})));
  Value* at = b.input("at", static_shape({20, 3}));
  Value* kn = b.constant("kn", random_tensor({20, 9}, 53));
  b.output(b.node("Gemm", "gemm_transa", {at, kn, b.constant("c", random_tensor({3, 9}, 54))},
                  attrs({{"transA", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}})));
  b.output(b.node("Gemm", "gemm_no_c", {a, kn}));
  b.output(b.node("MatMul", "matmul_2d", {a, kn}));
  Value* batched = b.input("batched", static_shape({2, 3, 4, 20}));
  b.output(b.node("MatMul", "matmul_broadcast", {batched, kn}));
  Value* rhs = b.constant("rhs", random_tensor({3, 20, 5}, 55));
  b.output(b.node("MatMul", "matmul_batched", {batched, rhs}));
  Value* vec = b.constant("vec", random_tensor({20}, 56));
  b.output(b.node("MatMul", "matmul_vec_rhs", {a, vec}));
  b.output(b.node("MatMul", "matmul_vec_lhs", {vec, kn}));
  expect_matches_reference(graph, {{random_tensor({3, 20}, 57), random_tensor({20, 3}, 58),
                                    random_tensor({2, 3, 4, 20}, 59)}});
}

TEST(HalideLayout, RemapOpsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  Value* y = b.input("y", static_shape({2, 1, 4, 5}));
  b.output(b.node("Flatten", "flatten", {x}));
  b.output(b.node("Flatten", "flatten_axis3", {x}, attrs({{"axis", int64_t{3}}})));
  b.output(b.node("Reshape", "reshape", {x, b.ints("shape", {0, -1, 10})}));
  b.output(b.node("Reshape", "reshape_split", {x, b.ints("shape2", {6, 2, 10})}));
  b.output(b.node("Transpose", "transpose", {x}, attrs({{"perm", Ints{0, 2, 3, 1}}})));
  b.output(b.node("Transpose", "transpose_rev", {x}));
  b.output(b.node("Concat", "concat", {x, y, x}, attrs({{"axis", int64_t{1}}})));
  b.output(b.node("Concat", "concat_last", {x, x}, attrs({{"axis", int64_t{-1}}})));
  b.output(b.node("Squeeze", "squeeze", {y}, attrs({{"axes", Ints{1}}})));
  b.output(b.node("Squeeze", "squeeze_all", {y}));
  b.output(b.node("Unsqueeze", "unsqueeze", {x}, attrs({{"axes", Ints{0, 3}}})));
  b.output(
      b.node("Slice", "slice",
             {x, b.ints("starts", {1, -4}), b.ints("ends", {100, -1}), b.ints("axes", {1, 3})}));
  b.output(b.node("Slice", "slice_step",
                  {x, b.ints("s2", {3, 4}), b.ints("e2", {0, -100}), b.ints("a2", {2, 3}),
                   b.ints("st2", {-2, -2})}));
  b.output(b.node("Gather", "gather_scalar", {x, b.constant("idx0", make_int64_tensor({}, {-1}))},
                  attrs({{"axis", int64_t{1}}})));
  b.output(b.node("Gather", "gather_list",
                  {x, b.constant("idx", make_int64_tensor({2, 2}, {3, 0, -2, 1}))},
                  attrs({{"axis", int64_t{2}}})));
  b.output(
      b.node("Pad", "pad", {x}, attrs({{"pads", Ints{0, 1, 2, 0, 0, 0, 1, 3}}, {"value", 1.5}})));
  expect_matches_reference(graph,
                           {{random_tensor({2, 3, 4, 5}, 61), random_tensor({2, 1, 4, 5}, 62)}});
}

TEST(HalideLayout, PadModesMatchReference) {
  // Pads within one reflection take the select form, longer ones the folded one.
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 4, 5}));
  for (const char* mode : {"reflect", "edge", "wrap"}) {
    b.output(b.node("Pad", std::string("short_") + mode, {x},
                    attrs({{"pads", Ints{0, 0, 1, 2, 0, 1, 3, 0}}, {"mode", std::string(mode)}})));
    b.output(b.node("Pad", std::string("long_") + mode, {x},
                    attrs({{"pads", Ints{0, 0, 9, 0, 0, 0, 4, 11}}, {"mode", std::string(mode)}})));
  }
  expect_matches_reference(graph, {{random_tensor({2, 3, 4, 5}, 63)}});
}

TEST(HalideLayout, DepthToSpaceAndSpaceToDepthMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x =
      b.input("x", Shape{Dim::symbolic("batch"), Dim::known(8), Dim::known(3), Dim::known(5)});
  Value* dcr = b.node("DepthToSpace", "dcr", {x}, attrs({{"blocksize", int64_t{2}}}));
  b.output(dcr);
  b.output(b.node("DepthToSpace", "crd", {x},
                  attrs({{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}})));
  // SpaceToDepth inverts DCR DepthToSpace.
  b.output(b.node("SpaceToDepth", "back", {dcr}, attrs({{"blocksize", int64_t{2}}})));
  std::vector<std::vector<Tensor>> runs = {{random_tensor({2, 8, 3, 5}, 64)}};
  expect_matches_reference(graph, runs);
  Result<std::vector<Tensor>> outputs = run_reference(graph, runs[0]);
  ASSERT_TRUE(outputs.is_ok()) << outputs.error().to_string();
  EXPECT_EQ(std::memcmp((*outputs)[2].data.data(), runs[0][0].data.data(), runs[0][0].data.size()),
            0);
}

TEST(HalideLayout, SliceWithExtremeStepsMatchesReference) {
  // Steps of +-2^63 and bounds at the int64 limits select at most one element per axis; the
  // shape rule, the reference and the lowering all once computed their counts with overflow.
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({3, 4}));
  const int64_t max = INT64_MAX, min = INT64_MIN;
  b.output(
      b.node("Slice", "step_max",
             {x, b.ints("s0", {0}), b.ints("e0", {4}), b.ints("a0", {1}), b.ints("t0", {max})}));
  b.output(
      b.node("Slice", "step_min",
             {x, b.ints("s1", {-1}), b.ints("e1", {min}), b.ints("a1", {1}), b.ints("t1", {min})}));
  b.output(b.node("Slice", "bounds_extreme",
                  {x, b.ints("s2", {min, max}), b.ints("e2", {max, min}), b.ints("a2", {0, 1}),
                   b.ints("t2", {2, -3})}));
  expect_matches_reference(graph, {{random_tensor({3, 4}, 63)}});
  // numpy: x[:, 0:4:2**63-1] is [3, 1]; x[:, -1::-2**63] is [3, 1]; the clamped bounds leave
  // rows 0 and 2 and, backwards from column 3 to the front, columns 3 and 0.
  ASSERT_EQ(graph.outputs.size(), 3u);
  EXPECT_EQ(graph.outputs[0]->type.to_string(), "f32[3,1]");
  EXPECT_EQ(graph.outputs[1]->type.to_string(), "f32[3,1]");
  EXPECT_EQ(graph.outputs[2]->type.to_string(), "f32[2,2]");
}

}  // namespace
}  // namespace kiln::halide_test
