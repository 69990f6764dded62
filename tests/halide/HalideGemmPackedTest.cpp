// HalideGemmPackedTest.cpp: dense layers with pre-packed weights (GemmPacked) against the
// reference: transB either way, a partial last block of features, alpha/beta and a broadcast C,
// a fused bias+activation epilogue, and batches below, at and above the 4-row register tile
// (the schedule specialises on the row count of a symbolic batch).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backends/halide/HostTarget.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

TEST(HalideGemmPacked, DenseLayersMatchReferenceAtEveryBatch) {
  for (bool fuse : {false, true}) {
    SCOPED_TRACE(fuse ? "fused" : "unfused");
    Graph graph;
    GraphBuilder b(graph);
    Value* x = b.input("x", Shape{Dim::symbolic("batch"), Dim::known(70)});
    // 37 features under transB: the last block of features is mostly padding.
    Value* y = b.node(
        "Gemm", "fc1",
        {x, b.constant("w1", random_tensor({37, 70}, 1)), b.constant("b1", random_tensor({37}, 2))},
        attrs({{"transB", int64_t{1}}}));
    y = b.node("Relu", "relu", {y});
    // B as [K, N], alpha and beta, C broadcast from [1, N].
    y = b.node("Gemm", "fc2",
               {y, b.constant("w2", random_tensor({37, 48}, 3)),
                b.constant("c2", random_tensor({1, 48}, 4))},
               attrs({{"alpha", 0.5}, {"beta", 2.0}}));
    b.output(b.node("Sigmoid", "sig", {y}));
    ASSERT_TRUE(run_passes(graph, default_passes(fuse)).is_ok());
    Result<KernelProgram> lowered = lower_kernels(graph, kiln::host_target());
    ASSERT_TRUE(lowered.is_ok()) << lowered.error().to_string();
    const std::string schedules = schedule_summary(*lowered);
    if (kiln::host_target().natural_vector_size(Halide::Float(32)) <= 16)
      EXPECT_NE(schedules.find("gemm_packed"), std::string::npos) << schedules;
    expect_matches_reference(graph, {{random_tensor({1, 70}, 5)},
                                     {random_tensor({3, 70}, 6)},
                                     {random_tensor({4, 70}, 7)},
                                     {random_tensor({9, 70}, 8)}});
  }
}

}  // namespace
}  // namespace kiln::halide_test
