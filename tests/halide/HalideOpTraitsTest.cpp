// HalideOpTraitsTest.cpp: the Halide backend covers every row of ir/Ops.def, and its inlining
// choices follow the rows' traits (cheap elementwise and index-remap producers fold into their
// consumers; windows, reductions and Concat make their producers stored).
#include "backends/halide/OpLowerings.h"
#include "ir/OpSchema.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

TEST(HalideOpTraits, EveryOpHasALowering) {
  for (const OpSchema& schema : all_op_schemas())
    EXPECT_NE(halide_lowering::find_op_lowering(schema.name), nullptr) << schema.name;
}

ScheduleTemplate kind_of(const Graph& graph, const std::string& node) {
  return choose_schedule(graph, *graph.find_node(node), Halide::Target("x86-64-linux-avx2"), {})
      .kind;
}

TEST(HalideOpTraits, InliningFollowsTheTraits) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 4, 6, 6}));
  Value* x2 = b.input("x2", static_shape({1, 4, 12, 12}));
  // Elu is Elementwise: like Relu it folds into its one elementwise consumer.
  Value* elu = b.node("Elu", "elu", {x});
  Value* relu = b.node("Relu", "relu", {elu});
  // DepthToSpace divides its indices (kIndexDivision): stored, not inlined.
  Value* up = b.node("DepthToSpace", "up", {relu}, attrs({{"blocksize", int64_t{2}}}));
  Value* tanh = b.node("Tanh", "tanh", {up});
  // Transpose is an Injective remap without division: inlined.
  Value* moved = b.node("Transpose", "moved", {tanh}, attrs({{"perm", Ints{0, 1, 3, 2}}}));
  // Concat (kPiecewise) evaluates every part per output: its producers are stored.
  Value* sig = b.node("Sigmoid", "sig", {moved});
  Value* clip = b.node("Clip", "clip", {x2}, attrs({{"min", 0.0}}));
  Value* cat = b.node("Concat", "cat", {sig, clip}, attrs({{"axis", int64_t{1}}}));
  // Softmax is a Reduction: its producer is stored.
  Value* scaled = b.node("Mul", "scaled", {cat, cat});
  b.output(b.node("Softmax", "soft", {scaled}, attrs({{"axis", int64_t{1}}})));
  ASSERT_TRUE(infer_shapes(graph).is_ok());

  EXPECT_EQ(kind_of(graph, "elu_node"), ScheduleTemplate::Inline);
  EXPECT_EQ(kind_of(graph, "relu_node"), ScheduleTemplate::Inline);
  EXPECT_EQ(kind_of(graph, "up_node"), ScheduleTemplate::Root);
  EXPECT_EQ(kind_of(graph, "tanh_node"), ScheduleTemplate::Inline);
  EXPECT_EQ(kind_of(graph, "moved_node"), ScheduleTemplate::Inline);
  EXPECT_EQ(kind_of(graph, "cat_node"), ScheduleTemplate::Root);
  EXPECT_EQ(kind_of(graph, "scaled_node"), ScheduleTemplate::Root);
  EXPECT_EQ(kind_of(graph, "sig_node"), ScheduleTemplate::Root);
  EXPECT_EQ(kind_of(graph, "clip_node"), ScheduleTemplate::Root);
  expect_matches_reference(graph,
                           {{random_tensor({1, 4, 6, 6}, 31), random_tensor({1, 4, 12, 12}, 32)}});
}

}  // namespace
}  // namespace kiln::halide_test
