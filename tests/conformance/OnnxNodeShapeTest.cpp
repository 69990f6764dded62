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
#include "tests/conformance/OnnxOperandFreezing.h"
#include "tests/conformance/OnnxTestData.h"

namespace kiln::testing {
namespace {

// ONNX ops the importer consumes without producing an IR node.
const std::set<std::string> kImportOnlyOps = {"Constant"};

// Node tests of supported ops that Kiln deliberately does not handle, with the reason for each.
// The importer rejects each of these with an error naming the node and the unsupported variant.
const std::map<std::string, std::string> kShapeExceptions = {
    {"test_cast_BFLOAT16_to_FLOAT", "bfloat16 is not an IR dtype"},
    {"test_cast_FLOAT_to_BFLOAT16", "bfloat16 is not an IR dtype"},
    {"test_cast_FLOAT_to_STRING", "string is not an IR dtype"},
    {"test_cast_STRING_to_FLOAT", "string is not an IR dtype"},
    {"test_castlike_BFLOAT16_to_FLOAT_expanded", "bfloat16 is not an IR dtype"},
    {"test_castlike_FLOAT_to_BFLOAT16_expanded", "bfloat16 is not an IR dtype"},
    {"test_castlike_FLOAT_to_STRING_expanded", "string is not an IR dtype"},
    {"test_castlike_STRING_to_FLOAT_expanded", "string is not an IR dtype"},
    {"test_batchnorm_epsilon_training_mode", "training-mode BatchNormalization (inference only)"},
    {"test_batchnorm_example_training_mode", "training-mode BatchNormalization (inference only)"},
    {"test_dropout_default_mask", "Dropout's mask output (inference graphs have none)"},
    {"test_training_dropout", "training-mode Dropout (random masking)"},
    {"test_training_dropout_default", "training-mode Dropout (random masking)"},
    {"test_dropout_default_mask_ratio", "Dropout's mask output (inference graphs have none)"},
    {"test_training_dropout_default_mask", "Dropout's mask output (inference graphs have none)"},
    {"test_training_dropout_mask", "Dropout's mask output (inference graphs have none)"},
    {"test_training_dropout_zero_ratio_mask", "Dropout's mask output (inference graphs have none)"},
    {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool's Indices output"},
    {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool's Indices output"},
    {"test_edge_pad", "Pad mode 'edge' (only constant padding)"},
    {"test_reflect_pad", "Pad mode 'reflect' (only constant padding)"},
    {"test_globalaveragepool", "opset 1 model (Kiln reads opsets 7 to 18)"},
    {"test_globalaveragepool_precomputed", "opset 1 model (Kiln reads opsets 7 to 18)"},
    {"test_globalmaxpool", "opset 1 model (Kiln reads opsets 7 to 18)"},
    {"test_globalmaxpool_precomputed", "opset 1 model (Kiln reads opsets 7 to 18)"},
    {"test_elu", "opset 6 model (Kiln reads opsets 7 to 18)"},
    {"test_elu_default", "opset 6 model (Kiln reads opsets 7 to 18)"},
    {"test_elu_example", "opset 6 model (Kiln reads opsets 7 to 18)"},
    {"test_identity_opt", "optional-typed values (tensors only)"},
    {"test_identity_sequence", "sequence-typed values (tensors only)"},
};

// Beyond the IR's attribute-like operands (which OnnxOperandFreezing binds to the test data),
// shape inference needs Reshape's shape and Slice's bounds known to give static output shapes.
const OperandPositions kShapeOperands = {{"Reshape", {1}}, {"Slice", {1, 2, 3, 4}}};

enum class Verdict { Pass, Fail, Skip, Exception };

struct ShapeOutcome {
  Verdict verdict = Verdict::Pass;
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
  if (!ops) return {Verdict::Fail, ops.error().to_string()};
  std::string unsupported;
  for (const std::string& op : *ops)
    if (!find_op_schema(op) && !kImportOnlyOps.count(op)) unsupported += " " + op;
  if (!unsupported.empty()) return {Verdict::Skip, "unsupported op(s):" + unsupported};
  if (auto known = kShapeExceptions.find(name); known != kShapeExceptions.end())
    return {Verdict::Exception, "known exception: " + known->second};

  Result<std::vector<OnnxTestDataSet>> data_sets = load_test_data_sets(dir);
  if (!data_sets) return {Verdict::Fail, data_sets.error().to_string()};
  if (data_sets->empty()) return {Verdict::Fail, "no test_data_set_* folder"};
  Result<FrozenImport> frozen =
      import_with_frozen_operands(dir + "/model.onnx", data_sets->front(), kShapeOperands);
  if (!frozen) return {Verdict::Fail, "import failed: " + frozen.error().to_string()};
  Graph* graph = &frozen->graph;
  Status inferred = infer_shapes(*graph);
  if (!inferred) return {Verdict::Fail, "shape inference failed: " + inferred.error().to_string()};
  for (size_t i = 0; i < graph->outputs.size(); ++i) {
    Result<TensorType> expected =
        expected_type(dir + "/test_data_set_0/output_" + std::to_string(i) + ".pb");
    if (!expected) return {Verdict::Fail, expected.error().to_string()};
    const TensorType& got = graph->outputs[i]->type;
    if (!(got == *expected))
      return {Verdict::Fail, "output " + std::to_string(i) + " '" + graph->outputs[i]->name +
                                 "': inferred " + got.to_string() + ", expected " +
                                 expected->to_string()};
  }
  return {Verdict::Pass, ""};
}

class OnnxNodeShapeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeShapeTest, InferredShapesMatchExpectedOutputs) {
  ShapeOutcome outcome = run_shape_test(GetParam());
  if (outcome.verdict == Verdict::Skip || outcome.verdict == Verdict::Exception)
    GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, Verdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeShapeTest,
                         ::testing::ValuesIn(list_node_tests(node_test_root())),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeShapeTest);

// Totals in one place (CTest runs each case above in its own process).
TEST(OnnxNodeShapeSummary, AllNodeTests) {
  std::map<Verdict, int> counts;
  std::vector<std::string> failures;
  for (const std::string& name : list_node_tests(node_test_root())) {
    ShapeOutcome outcome = run_shape_test(name);
    ++counts[outcome.verdict];
    if (outcome.verdict == Verdict::Fail) failures.push_back(name + ": " + outcome.message);
  }
  std::cout << counts[Verdict::Pass] << " passed, " << counts[Verdict::Fail] << " failed, "
            << counts[Verdict::Skip] << " skipped (unsupported ops), " << counts[Verdict::Exception]
            << " known exceptions\n";
  for (const std::string& failure : failures) std::cout << "FAILED " << failure << "\n";
  EXPECT_EQ(counts[Verdict::Fail], 0);
}

}  // namespace
}  // namespace kiln::testing
