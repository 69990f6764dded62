// OnnxNodeHalideTest.cpp: the ONNX backend node tests on the Halide backend (JIT-compiled for the
// host), through the shared conformance runner (OnnxNodeRunner.h): one test per node test, then a
// summary that prints the pass/fail/skip counts and the ops that caused skips.
#include <gtest/gtest.h>

#include <iostream>

#include "backends/halide/HalideJit.h"
#include "tests/conformance/OnnxNodeRunner.h"

namespace kiln::testing {
namespace {

// Tests the reference backend passes but the Halide backend is not expected to, with reasons.
const std::map<std::string, std::string> kHalideExceptions = {};

const ConformanceBackend& halide_backend() {
  static const ConformanceBackend backend{
      "halide",
      [](const Graph& graph, const std::vector<Tensor>& inputs) {
        return run_halide_jit(graph, inputs);
      },
      kHalideExceptions,
      // A static compiler needs output shapes at compile time; the node tests feed these
      // operands as graph inputs, which the AOT flow would see as constants.
      {{"Reshape", {1}}, {"Slice", {1, 2, 3, 4}}}};
  return backend;
}

class OnnxNodeHalideTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeHalideTest, MatchesExpectedOutputs) {
  CaseOutcome outcome = run_node_test(GetParam(), halide_backend());
  if (outcome.verdict == Verdict::Skip) GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, Verdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeHalideTest, ::testing::ValuesIn(node_test_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeHalideTest);

// Totals in one place (CTest runs each test above in its own process, so this one runs them all
// again; within one process the outcomes above are reused).
TEST(OnnxNodeHalideSummary, AllNodeTests) {
  ConformanceTotals totals = run_all_node_tests(halide_backend());
  print_summary(std::cout, halide_backend(), totals);
  EXPECT_EQ(totals.failed, 0);
}

}  // namespace
}  // namespace kiln::testing
