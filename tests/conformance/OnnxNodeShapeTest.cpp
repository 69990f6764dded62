// OnnxNodeShapeTest.cpp: shape-inference conformance against the ONNX backend node tests. For
// every node test whose ops Kiln supports, the model is imported, shape-inferred, and each graph
// output's inferred type is compared with the dtype and dims of test_data_set_0/output_N.pb.
// Tests using ops outside ir/Ops.def are skipped with the op named; a few tests of supported
// ops are listed below as known exceptions, each with its reason.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "frontend/onnx/OnnxImporter.h"
#include "frontend/onnx/OnnxTypes.h"
#include "ir/OpSchema.h"
#include "passes/InferShapes.h"
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

// Ops whose inputs after the first act as attributes (Reshape's shape, Slice's starts, Clip's
// bounds, Pad's pads, Squeeze/Unsqueeze/ReduceMean axes). Kiln compiles ahead of time, so it
// needs them constant, while the node tests feed them as graph inputs; the harness specialises
// such a model to its test data by turning those inputs into initializers first.
const std::set<std::string> kAttributeInputOps = {"Reshape", "Slice",     "Clip",      "Pad",
                                                  "Squeeze", "Unsqueeze", "ReduceMean"};

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

// The path of the model to import: the node test's own, or a specialised copy in which graph
// inputs feeding attribute-like inputs are initializers holding test_data_set_0's values.
Result<std::string> specialised_model_path(const std::string& dir, const std::string& name) {
  const std::string original = dir + "/model.onnx";
  onnx::ModelProto model;
  {
    std::ifstream file(original, std::ios::binary);
    if (!file || !model.ParseFromIstream(&file)) return Error{original, "", "cannot parse model"};
  }
  std::set<std::string> attribute_like;
  for (const onnx::NodeProto& node : model.graph().node())
    if (kAttributeInputOps.count(node.op_type()))
      for (int i = 1; i < node.input_size(); ++i) attribute_like.insert(node.input(i));
  onnx::GraphProto* graph = model.mutable_graph();
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> kept_inputs;
  bool changed = false;
  for (int i = 0; i < graph->input_size(); ++i) {
    const onnx::ValueInfoProto& input = graph->input(i);
    if (!attribute_like.count(input.name())) {
      *kept_inputs.Add() = input;
      continue;
    }
    const std::string data = dir + "/test_data_set_0/input_" + std::to_string(i) + ".pb";
    std::ifstream file(data, std::ios::binary);
    onnx::TensorProto* initializer = graph->add_initializer();
    if (!file || !initializer->ParseFromIstream(&file))
      return Error{data, "", "cannot read TensorProto"};
    initializer->set_name(input.name());
    changed = true;
  }
  if (!changed) return original;
  *graph->mutable_input() = kept_inputs;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("kiln_shape_" + name + "_" + std::to_string(::getpid()) + ".onnx"))
                               .string();
  std::ofstream out(path, std::ios::binary);
  if (!out || !model.SerializeToOstream(&out)) return Error{path, "", "cannot write model"};
  return path;
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

  Result<std::string> model_path = specialised_model_path(dir, name);
  if (!model_path) return {Verdict::Fail, model_path.error().to_string()};
  Result<Graph> graph = import_onnx_file(*model_path);
  if (*model_path != dir + "/model.onnx") std::filesystem::remove(*model_path);
  if (!graph) return {Verdict::Fail, "import failed: " + graph.error().to_string()};
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
