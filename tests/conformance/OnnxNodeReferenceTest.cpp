// OnnxNodeReferenceTest.cpp: runs every ONNX backend node test whose ops Kiln supports through
// the ONNX importer, shape inference and the reference interpreter, and compares with the
// expected outputs using ONNX's tolerances. Tests using ops outside ir/Ops.def are skipped with
// the op named; a final summary test prints the pass/fail/skip counts and the skipping ops.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "backends/reference/ReferenceInterpreter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/OpSchema.h"
#include "passes/InferShapes.h"
#include "tests/conformance/OnnxOperandFreezing.h"
#include "tests/conformance/OnnxTestData.h"

namespace kiln::testing {
namespace {

// ONNX's default backend-test tolerances: |actual - expected| <= atol + rtol * |expected|.
constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-7;

// ONNX ops the importer consumes without producing an IR node.
const std::set<std::string> kImportOnlyOps = {"Constant"};

// Node tests of supported ops that are expected not to pass, each with the reason. Every other
// test of a supported op must pass.
const std::map<std::string, std::string> kKnownExceptions = {
    // Element types Kiln's IR does not have.
    {"test_cast_BFLOAT16_to_FLOAT", "bfloat16 is not an IR dtype"},
    {"test_cast_FLOAT_to_BFLOAT16", "bfloat16 is not an IR dtype"},
    {"test_cast_FLOAT_to_STRING", "string is not an IR dtype"},
    {"test_cast_STRING_to_FLOAT", "string is not an IR dtype"},
    {"test_castlike_BFLOAT16_to_FLOAT_expanded", "bfloat16 is not an IR dtype"},
    {"test_castlike_FLOAT_to_BFLOAT16_expanded", "bfloat16 is not an IR dtype"},
    {"test_castlike_FLOAT_to_STRING_expanded", "string is not an IR dtype"},
    {"test_castlike_STRING_to_FLOAT_expanded", "string is not an IR dtype"},
    {"test_identity_opt", "optional values are not IR values"},
    {"test_identity_sequence", "sequence values are not IR values"},
    // Training-time behaviour: Kiln compiles inference graphs.
    {"test_batchnorm_epsilon_training_mode", "training-mode BatchNormalization"},
    {"test_batchnorm_example_training_mode", "training-mode BatchNormalization"},
    {"test_training_dropout", "training-mode Dropout (random masking)"},
    {"test_training_dropout_default", "training-mode Dropout (random masking)"},
    {"test_training_dropout_default_mask", "Dropout mask output"},
    {"test_training_dropout_mask", "Dropout mask output"},
    {"test_training_dropout_zero_ratio_mask", "Dropout mask output"},
    {"test_dropout_default_mask", "Dropout mask output"},
    {"test_dropout_default_mask_ratio", "Dropout mask output"},
    // Op variants outside the IR's op table (ir/Ops.def).
    {"test_edge_pad", "Pad supports constant mode only"},
    {"test_reflect_pad", "Pad supports constant mode only"},
    {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool Indices output"},
    {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool Indices output"},
    // The importer reads ai.onnx opsets 7 to 18; these models declare opset 1.
    {"test_globalaveragepool", "opset 1 model"},
    {"test_globalaveragepool_precomputed", "opset 1 model"},
    {"test_globalmaxpool", "opset 1 model"},
    {"test_globalmaxpool_precomputed", "opset 1 model"},
};

enum class Verdict { Pass, Fail, Skip };

struct CaseOutcome {
  Verdict verdict = Verdict::Pass;
  std::string message;
  std::vector<std::string> unsupported_ops;  // why it was skipped, when it was
};

CaseOutcome fail(std::string message) {
  return {Verdict::Fail, std::move(message), {}};
}

std::string node_test_root() {
  return KILN_ONNX_NODE_TESTS;
}

bool values_match(double actual, double expected) {
  if (std::isnan(actual) || std::isnan(expected)) return std::isnan(actual) && std::isnan(expected);
  if (std::isinf(expected)) return actual == expected;
  return std::fabs(actual - expected) <=
         kAbsoluteTolerance + kRelativeTolerance * std::fabs(expected);
}

// Empty when equal, else a description of the first difference.
std::string compare_tensors(const Tensor& actual, const Tensor& expected) {
  TensorType actual_type{actual.dtype, static_shape(actual.dims)};
  TensorType expected_type{expected.dtype, static_shape(expected.dims)};
  if (!(actual_type == expected_type))
    return "got " + actual_type.to_string() + ", expected " + expected_type.to_string();
  bool exact = !is_floating(expected.dtype);
  for (int64_t i = 0; i < expected.element_count(); ++i) {
    bool same = exact ? actual.element_as_int(i) == expected.element_as_int(i)
                      : values_match(actual.element_as_double(i), expected.element_as_double(i));
    if (!same)
      return "element " + std::to_string(i) + ": got " +
             std::to_string(actual.element_as_double(i)) + ", expected " +
             std::to_string(expected.element_as_double(i));
  }
  return "";
}

// Imports the model (with this data set's attribute-like operands frozen), runs it on the data
// set's remaining inputs and compares the outputs. Returns the first problem, or "".
std::string run_data_set(const std::string& name, const std::string& model_path,
                         const OnnxTestDataSet& set) {
  std::string copy_path = (std::filesystem::temp_directory_path() /
                           ("kiln_" + name + "_" + std::to_string(::getpid()) + ".onnx"))
                              .string();
  Result<FrozenOperands> frozen = freeze_attribute_operands(model_path, set.dir, copy_path);
  if (!frozen) return frozen.error().to_string();
  Result<Graph> graph = import_onnx_file(frozen->model_path);
  if (frozen->wrote_copy) std::filesystem::remove(copy_path);
  if (!graph) return "import failed: " + graph.error().to_string();
  Status inferred = infer_shapes(*graph);
  if (!inferred) return "shape inference failed: " + inferred.error().to_string();

  std::vector<Tensor> inputs;
  for (size_t i = 0; i < set.inputs.size(); ++i)
    if (std::find(frozen->frozen_inputs.begin(), frozen->frozen_inputs.end(), i) ==
        frozen->frozen_inputs.end())
      inputs.push_back(set.inputs[i]);
  Result<std::vector<Tensor>> outputs = run_reference(*graph, inputs);
  if (!outputs) return outputs.error().to_string();
  if (outputs->size() != set.outputs.size())
    return "got " + std::to_string(outputs->size()) + " outputs, expected " +
           std::to_string(set.outputs.size());
  for (size_t i = 0; i < set.outputs.size(); ++i) {
    std::string difference = compare_tensors((*outputs)[i], set.outputs[i]);
    if (!difference.empty()) return "output " + std::to_string(i) + ": " + difference;
  }
  return "";
}

CaseOutcome run_node_test(const std::string& name) {
  std::string dir = node_test_root() + "/" + name;
  std::string model_path = dir + "/model.onnx";
  Result<std::vector<std::string>> ops = read_model_op_types(model_path);
  if (!ops) return fail(ops.error().to_string());
  CaseOutcome skipped{Verdict::Skip, "", {}};
  for (const std::string& op : *ops)
    if (!find_op_schema(op) && !kImportOnlyOps.count(op)) skipped.unsupported_ops.push_back(op);
  if (!skipped.unsupported_ops.empty()) {
    skipped.message = "unsupported op(s):";
    for (const std::string& op : skipped.unsupported_ops) skipped.message += " " + op;
    return skipped;
  }
  if (auto known = kKnownExceptions.find(name); known != kKnownExceptions.end())
    return {Verdict::Skip, "known exception: " + known->second, {}};

  Result<std::vector<OnnxTestDataSet>> sets = load_test_data_sets(dir);
  if (!sets) return fail(sets.error().to_string());
  for (const OnnxTestDataSet& set : *sets) {
    std::string failure = run_data_set(name, model_path, set);
    if (!failure.empty())
      return fail(std::filesystem::path(set.dir).filename().string() + ": " + failure);
  }
  return {Verdict::Pass, "", {}};
}

class OnnxNodeReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeReferenceTest, MatchesExpectedOutputs) {
  CaseOutcome outcome = run_node_test(GetParam());
  if (outcome.verdict == Verdict::Skip) GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, Verdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeReferenceTest,
                         ::testing::ValuesIn(list_node_tests(node_test_root())),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeReferenceTest);

// Runs every node test again to report totals in one place (CTest runs each test above in its
// own process, so per-process counters would not add up).
TEST(OnnxNodeReferenceSummary, AllNodeTests) {
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skips_by_op;
  std::vector<std::string> failures;
  for (const std::string& name : list_node_tests(node_test_root())) {
    CaseOutcome outcome = run_node_test(name);
    switch (outcome.verdict) {
      case Verdict::Pass:
        ++passed;
        break;
      case Verdict::Fail:
        ++failed;
        failures.push_back(name + ": " + outcome.message);
        break;
      case Verdict::Skip:
        ++skipped;
        for (const std::string& op : outcome.unsupported_ops) ++skips_by_op[op];
        if (outcome.unsupported_ops.empty()) ++skips_by_op["(known exception)"];
        break;
    }
  }
  std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  std::cout << "ops that caused skips:";
  for (const auto& [op, count] : skips_by_op) std::cout << " " << op << "(" << count << ")";
  std::cout << "\n";
  for (const std::string& failure : failures) std::cout << "FAILED " << failure << "\n";
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace kiln::testing
