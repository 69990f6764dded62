// OnnxNodeShapeTest.cpp: shape-inference conformance against the ONNX backend node tests. For
// every node test whose ops Kiln supports, the model is imported, shape-inferred, and each graph
// output's inferred type is compared with the dtype and dims of test_data_set_0/output_N.pb.
// Tests using ops outside ir/Ops.def are skipped with the op named; a few tests of supported
// ops are listed below as known exceptions, each with its reason.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "frontend/onnx/OnnxImporter.h"
#include "frontend/onnx/OnnxTypes.h"
#include "ir/OpSchema.h"
#include "passes/InferShapes.h"
#include "tests/conformance/OnnxNodeRunner.h"
#include "tests/conformance/OnnxOperandFreezing.h"
#include "tests/conformance/OnnxTestData.h"

namespace kiln::testing {
namespace {



// Beyond the IR's attribute-like operands (which OnnxOperandFreezing binds to the test data),
// shape inference needs Reshape's shape and Slice's bounds known to give static output shapes.
const OperandPositions kShapeOperands = {{"Reshape", {1}}, {"Slice", {1, 2, 3, 4}}};

enum class ShapeVerdict { Pass, Fail, Skip, Exception };

struct ShapeOutcome {
  ShapeVerdict verdict = ShapeVerdict::Pass;
  std::string message;
};

std::string node_test_root() {
  return KILN_ONNX_NODE_TESTS;
}

// The expected type of one output: its dtype (when Kiln has one) and dims, read from the .pb
// without decoding the data.
Result<TensorType> expected_type(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  onnx::TensorProto proto;
  if (!file || !proto.ParseFromIstream(&file)) return Error{path, "", "cannot read TensorProto"};
  std::optional<DType> dtype = onnx_import::dtype_from_onnx(proto.data_type());
  if (!dtype)
    return Error{
        path, "",
        "output dtype " + onnx_import::onnx_type_name(proto.data_type()) + " has no IR equivalent"};
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  return TensorType{*dtype, static_shape(dims)};
}

ShapeOutcome run_shape_test(const std::string& name) {
  const std::string dir = node_test_root() + "/" + name;
  Result<std::vector<std::string>> ops = read_model_op_types(dir + "/model.onnx");
  if (!ops) return {ShapeVerdict::Fail, ops.error().to_string()};
  std::string unsupported;
  for (const std::string& op : *ops)
    if (!find_op_schema(op) && !import_only_ops().count(op)) unsupported += " " + op;
  if (!unsupported.empty()) return {ShapeVerdict::Skip, "unsupported op(s):" + unsupported};
  if (auto known = shared_node_test_exceptions().find(name);
      known != shared_node_test_exceptions().end())
    return {ShapeVerdict::Exception, "known exception: " + known->second};

  Result<std::vector<OnnxTestDataSet>> data_sets = load_test_data_sets(dir);
  if (!data_sets) return {ShapeVerdict::Fail, data_sets.error().to_string()};
  if (data_sets->empty()) return {ShapeVerdict::Fail, "no test_data_set_* folder"};
  Result<FrozenImport> frozen =
      import_with_frozen_operands(dir + "/model.onnx", data_sets->front(), kShapeOperands);
  if (!frozen) return {ShapeVerdict::Fail, "import failed: " + frozen.error().to_string()};
  Graph* graph = &frozen->graph;
  Status inferred = infer_shapes(*graph);
  if (!inferred) return {ShapeVerdict::Fail, "shape inference failed: " + inferred.error().to_string()};
  for (size_t i = 0; i < graph->outputs.size(); ++i) {
    Result<TensorType> expected =
        expected_type(dir + "/test_data_set_0/output_" + std::to_string(i) + ".pb");
    if (!expected) return {ShapeVerdict::Fail, expected.error().to_string()};
    const TensorType& got = graph->outputs[i]->type;
    if (!(got == *expected))
      return {ShapeVerdict::Fail, "output " + std::to_string(i) + " '" + graph->outputs[i]->name +
                                 "': inferred " + got.to_string() + ", expected " +
                                 expected->to_string()};
  }
  return {ShapeVerdict::Pass, ""};
}

class OnnxNodeShapeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeShapeTest, InferredShapesMatchExpectedOutputs) {
  ShapeOutcome outcome = run_shape_test(GetParam());
  if (outcome.verdict == ShapeVerdict::Skip || outcome.verdict == ShapeVerdict::Exception)
    GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, ShapeVerdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeShapeTest,
                         ::testing::ValuesIn(list_node_tests(node_test_root())),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeShapeTest);

// Totals in one place (CTest runs each case above in its own process).
TEST(OnnxNodeShapeSummary, AllNodeTests) {
  std::map<ShapeVerdict, int> counts;
  std::vector<std::string> failures;
  for (const std::string& name : list_node_tests(node_test_root())) {
    ShapeOutcome outcome = run_shape_test(name);
    ++counts[outcome.verdict];
    if (outcome.verdict == ShapeVerdict::Fail) failures.push_back(name + ": " + outcome.message);
  }
  std::cout << counts[ShapeVerdict::Pass] << " passed, " << counts[ShapeVerdict::Fail] << " failed, "
            << counts[ShapeVerdict::Skip] << " skipped (unsupported ops), " << counts[ShapeVerdict::Exception]
            << " known exceptions\n";
  for (const std::string& failure : failures) std::cout << "FAILED " << failure << "\n";
  EXPECT_EQ(counts[ShapeVerdict::Fail], 0);
}

}  // namespace
}  // namespace kiln::testing
