// HalideResamplingTest.cpp: the JIT against the reference for Elu and UpsampleNearest, with a
// symbolic batch.
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

TEST(HalideResampling, EluAndUpsampleNearestMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x =
      b.input("x", Shape{Dim::symbolic("batch"), Dim::known(3), Dim::known(4), Dim::known(5)});
  b.output(b.node("Elu", "elu", {x}, attrs({{"alpha", 0.7}})));
  b.output(
      b.node("UpsampleNearest", "up", {x}, attrs({{"scales", std::vector<int64_t>{1, 1, 2, 3}}})));
  expect_matches_reference(graph, {{random_tensor({1, 3, 4, 5}, 1, -3.0f, 3.0f)},
                                   {random_tensor({3, 3, 4, 5}, 2, -3.0f, 3.0f)}});
}

}  // namespace
}  // namespace kiln::halide_test
