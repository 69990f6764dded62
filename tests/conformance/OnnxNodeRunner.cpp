// OnnxNodeRunner.cpp: import, run and compare one ONNX node test on a backend; totals and the
// printed summary.
#include "tests/conformance/OnnxNodeRunner.h"

#include <cmath>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <set>

#include "ir/OpSchema.h"
#include "passes/InferShapes.h"
#include "tests/conformance/OnnxOperandFreezing.h"
#include "tests/conformance/OnnxTestData.h"

namespace kiln::testing {
namespace {

// ONNX's default backend-test tolerances: |actual - expected| <= atol + rtol * |expected|.
constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-7;

CaseOutcome fail(std::string message) {
  return {Verdict::Fail, std::move(message), {}};
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
// set's remaining inputs and compares the outputs: Pass, Fail with the first problem, or Skip
// when the backend's device cannot run the graph.
CaseOutcome run_data_set(const std::string& model_path, const OnnxTestDataSet& set,
                         const ConformanceBackend& backend) {
  Result<FrozenImport> imported =
      import_with_frozen_operands(model_path, set, backend.constant_operands);
  if (!imported) return fail("import failed: " + imported.error().to_string());
  Graph& graph = imported->graph;
  Status inferred = infer_shapes(graph);
  if (!inferred) return fail("shape inference failed: " + inferred.error().to_string());
  if (backend.device_limit)
    if (std::string reason = backend.device_limit(graph); !reason.empty())
      return {Verdict::Skip, "known " + backend.name + " device limit: " + reason, {}};

  Result<std::vector<Tensor>> outputs = backend.run(graph, imported->inputs);
  if (!outputs) return fail(outputs.error().to_string());
  if (outputs->size() != set.outputs.size())
    return fail("got " + std::to_string(outputs->size()) + " outputs, expected " +
                std::to_string(set.outputs.size()));
  for (size_t i = 0; i < set.outputs.size(); ++i) {
    std::string difference = compare_tensors((*outputs)[i], set.outputs[i]);
    if (!difference.empty()) return fail("output " + std::to_string(i) + ": " + difference);
  }
  return {Verdict::Pass, "", {}};
}

CaseOutcome run_uncached(const std::string& name, const ConformanceBackend& backend) {
  std::string dir = std::string(KILN_ONNX_NODE_TESTS) + "/" + name;
  std::string model_path = dir + "/model.onnx";
  Result<std::vector<std::string>> ops = read_model_op_types(model_path);
  if (!ops) return fail(ops.error().to_string());
  CaseOutcome skipped{Verdict::Skip, "", {}};
  for (const std::string& op : *ops)
    if (!find_op_schema(op) && !import_only_ops().count(op)) skipped.unsupported_ops.push_back(op);
  if (!skipped.unsupported_ops.empty()) {
    skipped.message = "unsupported op(s):";
    for (const std::string& op : skipped.unsupported_ops) skipped.message += " " + op;
    return skipped;
  }
  if (auto known = shared_node_test_exceptions().find(name);
      known != shared_node_test_exceptions().end())
    return {Verdict::Skip, "known exception: " + known->second, {}};
  if (auto known = backend.exceptions.find(name); known != backend.exceptions.end())
    return {Verdict::Skip, "known " + backend.name + " exception: " + known->second, {}};

  Result<std::vector<OnnxTestDataSet>> sets = load_test_data_sets(dir);
  if (!sets) return fail(sets.error().to_string());
  for (const OnnxTestDataSet& set : *sets) {
    CaseOutcome outcome = run_data_set(model_path, set, backend);
    if (outcome.verdict == Verdict::Fail)
      outcome.message = std::filesystem::path(set.dir).filename().string() + ": " + outcome.message;
    if (outcome.verdict != Verdict::Pass) return outcome;
  }
  return {Verdict::Pass, "", {}};
}

}  // namespace

std::vector<std::string> node_test_names() {
  return list_node_tests(KILN_ONNX_NODE_TESTS);
}

CaseOutcome run_node_test(const std::string& name, const ConformanceBackend& backend) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, CaseOutcome> cache;
  std::pair<std::string, std::string> key{backend.name, name};
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto found = cache.find(key); found != cache.end()) return found->second;
  }
  CaseOutcome outcome = run_uncached(name, backend);
  std::lock_guard<std::mutex> lock(mutex);
  cache[key] = outcome;
  return outcome;
}

ConformanceTotals run_all_node_tests(const ConformanceBackend& backend) {
  return run_node_tests(node_test_names(), backend);
}

ConformanceTotals run_node_tests(const std::vector<std::string>& names,
                                 const ConformanceBackend& backend) {
  ConformanceTotals totals;
  for (const std::string& name : names) {
    CaseOutcome outcome = run_node_test(name, backend);
    switch (outcome.verdict) {
      case Verdict::Pass:
        ++totals.passed;
        break;
      case Verdict::Fail:
        ++totals.failed;
        totals.failures.push_back(name + ": " + outcome.message);
        break;
      case Verdict::Skip:
        ++totals.skipped;
        for (const std::string& op : outcome.unsupported_ops) ++totals.skips_by_op[op];
        if (outcome.unsupported_ops.empty()) ++totals.skips_by_op["(known exception)"];
        break;
    }
  }
  return totals;
}

void print_summary(std::ostream& out, const ConformanceBackend& backend,
                   const ConformanceTotals& totals) {
  out << "ONNX node tests on the " << backend.name << " backend: " << totals.passed << " passed, "
      << totals.failed << " failed, " << totals.skipped << " skipped\n";
  out << "ops that caused skips:";
  for (const auto& [op, count] : totals.skips_by_op) out << " " << op << "(" << count << ")";
  out << "\n";
  for (const std::string& failure : totals.failures) out << "FAILED " << failure << "\n";
}

const std::set<std::string>& import_only_ops() {
  static const std::set<std::string> ops = {"Constant", "ConstantOfShape", "Sum",    "Mean",
                                            "Upsample", "CastLike",        "Scatter"};
  return ops;
}

const std::map<std::string, std::string>& shared_node_test_exceptions() {
  static const std::map<std::string, std::string> exceptions = {
      // Element types Kiln's IR does not have.
      {"test_cast_BFLOAT16_to_FLOAT", "bfloat16 is not an IR dtype"},
      {"test_cast_FLOAT_to_BFLOAT16", "bfloat16 is not an IR dtype"},
      {"test_cast_FLOAT_to_STRING", "string is not an IR dtype"},
      {"test_cast_STRING_to_FLOAT", "string is not an IR dtype"},
      {"test_castlike_BFLOAT16_to_FLOAT", "bfloat16 is not an IR dtype"},
      {"test_castlike_FLOAT_to_BFLOAT16", "bfloat16 is not an IR dtype"},
      {"test_castlike_FLOAT_to_STRING", "string is not an IR dtype"},
      {"test_castlike_STRING_to_FLOAT", "string is not an IR dtype"},
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
      // The importer reads ai.onnx opsets 6 to 21; these models declare opset 1.
      {"test_globalaveragepool", "opset 1 model"},
      {"test_globalaveragepool_precomputed", "opset 1 model"},
      {"test_globalmaxpool", "opset 1 model"},
      {"test_globalmaxpool_precomputed", "opset 1 model"},
      {"test_softplus", "opset 1 model"},
      {"test_softplus_example", "opset 1 model"},
      {"test_softsign", "opset 1 model"},
      {"test_softsign_example", "opset 1 model"},
      {"test_not_2d", "opset 1 model"},
      {"test_not_3d", "opset 1 model"},
      {"test_not_4d", "opset 1 model"},
  };
  return exceptions;
}

}  // namespace kiln::testing
