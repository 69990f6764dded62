// OnnxNodeReferenceTest.cpp: the ONNX backend node tests on the reference interpreter, through
// the shared conformance runner (OnnxNodeRunner.h): one test per node test, then a summary that
// prints the pass/fail/skip counts and the ops that caused skips.
#include <gtest/gtest.h>

#include <iostream>

#include "backends/reference/ReferenceInterpreter.h"
#include "tests/conformance/OnnxNodeRunner.h"

namespace kiln::testing {
namespace {

const ConformanceBackend& reference_backend() {
  static const ConformanceBackend backend{
      "reference",
      [](const Graph& graph, const std::vector<Tensor>& inputs) {
        return run_reference(graph, inputs);
      },
      {},
      {}};
  return backend;
}

class OnnxNodeReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeReferenceTest, MatchesExpectedOutputs) {
  CaseOutcome outcome = run_node_test(GetParam(), reference_backend());
  if (outcome.verdict == Verdict::Skip) GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, Verdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeReferenceTest, ::testing::ValuesIn(node_test_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeReferenceTest);

// Totals in one place (CTest runs each test above in its own process, so this one runs them all
// again; within one process the outcomes above are reused).
TEST(OnnxNodeReferenceSummary, AllNodeTests) {
  ConformanceTotals totals = run_all_node_tests(reference_backend());
  print_summary(std::cout, reference_backend(), totals);
  EXPECT_EQ(totals.failed, 0);
}

}  // namespace
}  // namespace kiln::testing
