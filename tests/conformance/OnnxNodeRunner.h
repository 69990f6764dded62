// OnnxNodeRunner.h: the ONNX backend node-test conformance runner, shared by every backend. A
// backend is a function from a shape-inferred graph and its inputs to its outputs; the runner
// imports each node test whose ops Kiln supports, runs it through the backend and compares with
// the expected outputs using ONNX's tolerances. Tests using ops outside ir/Ops.def are skipped
// with the op named, and tests on a named exception list are skipped with their reason.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::testing {

/// Runs a shape-inferred graph on one input per graph input; returns one tensor per output. The
/// graph is the backend's to rewrite (a compiling backend runs the passes `kiln compile` runs).
using NodeTestRunFunction =
    std::function<Result<std::vector<Tensor>>(Graph&, const std::vector<Tensor>&)>;

/// A backend under test.
struct ConformanceBackend {
  std::string name;  ///< e.g. "reference", "halide"; also keys the in-process outcome cache
  NodeTestRunFunction run;
  /// Exceptions of this backend only (test name -> reason), on top of the ones every backend has.
  std::map<std::string, std::string> exceptions;
  /// Per op type, input positions the backend needs constant beyond the IR's attribute-like
  /// operands (bound to the test data like those; see OnnxOperandFreezing.h).
  std::map<std::string, std::set<int>> constant_operands;
  /// Why the backend's device cannot run an imported graph (e.g. f16 tensors on an OpenCL
  /// device without cl_khr_fp16): the test is skipped with that reason. Empty: it runs.
  std::function<std::string(const Graph&)> device_limit;
};

enum class Verdict { Pass, Fail, Skip };

/// The result of one node test on one backend.
struct CaseOutcome {
  Verdict verdict = Verdict::Pass;
  std::string message;
  std::vector<std::string> unsupported_ops;  ///< why it was skipped, when it was for ops
};

/// Totals over every node test.
struct ConformanceTotals {
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skips_by_op;  ///< "(known exception)" counts the listed tests
  std::vector<std::string> failures;       ///< "test: reason"
};

/// ONNX ops with no IR op of their own: the importer folds them into constants (Constant,
/// ConstantOfShape) or rewrites them into other IR ops (Sum into Adds).
const std::set<std::string>& import_only_ops();

/// Node tests of supported ops that no runner is expected to pass (test name -> reason): variants
/// Kiln rejects on purpose with a clear error. Every other test of a supported op must pass.
const std::map<std::string, std::string>& shared_node_test_exceptions();

/// The node-test directory names under KILN_ONNX_NODE_TESTS, sorted.
std::vector<std::string> node_test_names();

/// Runs one node test (every data set) on `backend`. Outcomes are cached per backend and test
/// within the process, so a summary after the individual tests does not run them again.
CaseOutcome run_node_test(const std::string& name, const ConformanceBackend& backend);

/// Runs every node test on `backend`.
ConformanceTotals run_all_node_tests(const ConformanceBackend& backend);

/// Runs the node tests `names` on `backend`.
ConformanceTotals run_node_tests(const std::vector<std::string>& names,
                                 const ConformanceBackend& backend);

/// Prints "N passed, N failed, N skipped", the ops that caused skips, and each failure.
void print_summary(std::ostream& out, const ConformanceBackend& backend,
                   const ConformanceTotals& totals);

}  // namespace kiln::testing
