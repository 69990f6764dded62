// HalideLinearLayoutTest.cpp: the JIT against the reference for Gemm/MatMul and the ops that
// move elements (Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Slice, Gather, Pad).
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

}  // namespace
}  // namespace kiln::halide_test
