// OpTableTest.cpp: one test row per ir/Ops.def entry. Each row is a few cases (operands,
// attributes, expected output dims), and every case runs through:
//   1. the shape rule (infer_shapes): each output's inferred shape is static and equals the dims
//      the row states;
//   2. the reference kernel (run_reference): its outputs have the inferred dtypes and dims;
//   3. the Halide backend unfused (no fusion attributes): it matches the reference;
//   4. the Halide backend fused, where the op's Ops.def traits let it join a conv epilogue
//      (is_fusable_pointwise: a Conv anchors it) or anchor one itself (a convolution, Gemm or
//      MatMul, followed by a Relu): the fusion pass must group it with the anchor, and fused and
//      unfused Halide must both match the reference.
// Tolerance (HalideTestUtil.h): |halide - reference| <= 1e-4 * |reference| + 1e-5; integer and
// bool outputs here are small, so that bound is exact for them.
// The rows are in OpTableRows.cpp. A further test checks that every Ops.def op has a row: a new
// op gets its tests from one row, and a missing row fails naming the op.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/OpSchema.h"
#include "passes/FuseGroups.h"
#include "tests/halide/HalideTestUtil.h"
#include "tests/halide/OpTable.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// Builds `op` on the case's operands into `graph`: `first` replaces operand 0 when given (the
// conv anchor of the fused variant). Returns the node; its outputs are graph outputs unless
// `mark_outputs` is false. Runtime inputs are appended to `inputs`.
Node* add_case(Graph& graph, const std::string& op, const OpCase& c, std::vector<Tensor>& inputs,
               Value* first = nullptr, bool mark_outputs = true) {
  std::vector<Value*> operands;
  for (size_t i = 0; i < c.operands.size(); ++i) {
    const Operand& operand = c.operands[i];
    const std::string name = "operand" + std::to_string(i);
    if (i == 0 && first) {
      operands.push_back(first);
    } else if (operand.kind == Operand::kAbsent) {
      operands.push_back(nullptr);
    } else if (operand.kind == Operand::kConstant) {
      operands.push_back(graph.add_constant(name, operand.tensor));
    } else {
      Value* v = graph.add_value(
          name, TensorType{operand.tensor.dtype, static_shape(operand.tensor.dims)});
      graph.inputs.push_back(v);
      inputs.push_back(operand.tensor);
      operands.push_back(v);
    }
  }
  std::vector<Value*> outputs;
  for (size_t i = 0; i < c.outputs.size(); ++i)
    outputs.push_back(graph.add_value(op + "_out" + std::to_string(i)));
  Node* node = graph.add_node(op + "_node", op, operands, outputs, c.attrs);
  if (mark_outputs)
    for (Value* v : outputs) graph.outputs.push_back(v);
  return node;
}

// True when the op joins a conv epilogue by its traits and keeps its input's float type, so a
// Conv may produce its first operand.
bool joins_conv_epilogue(const std::string& op) {
  const OpSchema* schema = find_op_schema(op);
  return is_fusable_pointwise(op) && schema->dtype_rule != DTypeRule::Bool &&
         !schema->has(op_flags::kBoolInputs) && !schema->has(op_flags::kUnsignedInputs);
}
bool anchors_epilogue(const std::string& op) {
  return is_convolution_op(op) || op == "Gemm" || op == "MatMul";
}

// Runs `graph` on the reference and on Halide, with the fusion the graph carries, and compares.
void expect_halide_matches_reference(const Graph& graph, const std::vector<Tensor>& inputs,
                                     const std::string& what) {
  SCOPED_TRACE(what);
  Result<std::vector<Tensor>> expected = run_reference(graph, inputs);
  ASSERT_TRUE(expected.is_ok()) << expected.error().to_string();
  Result<std::vector<Tensor>> actual = run_halide_jit(graph, inputs);
  ASSERT_TRUE(actual.is_ok()) << actual.error().to_string();
  expect_tensors_close(*expected, *actual, graph);
}

// The fused variant: a Conv anchors the op (or the op anchors a Relu); fusion must group them.
void check_fused(const std::string& op, const OpCase& c, const std::string& what) {
  Graph graph;
  std::vector<Tensor> inputs;
  Node* node = nullptr;
  Node* partner = nullptr;
  if (anchors_epilogue(op)) {
    node = add_case(graph, op, c, inputs, nullptr, /*mark_outputs=*/false);
    Value* relu = graph.add_value("relu_out");
    partner = graph.add_node("relu_node", "Relu", {node->output(0)}, {relu}, {});
    graph.outputs.push_back(relu);
  } else {
    const Dims& dims = c.operands[0].tensor.dims;
    Value* x = graph.add_value("x", TensorType{DType::Float32, static_shape(dims)});
    graph.inputs.push_back(x);
    inputs.push_back(random_tensor(dims, 150, -2.0f, 2.0f));
    const int64_t channels = dims[1];
    Value* conv = graph.add_value("conv_out");
    partner = graph.add_node(
        "conv_node", "Conv",
        {x, graph.add_constant("w", random_tensor({channels, channels, 3, 3}, 151, -0.5f, 0.5f)),
         graph.add_constant("b", random_tensor({channels}, 152))},
        {conv}, attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}));
    std::vector<Tensor> rest;
    node = add_case(graph, op, c, rest, conv);
    inputs.insert(inputs.end(), rest.begin(), rest.end());
  }
  Status typed = infer_shapes(graph);
  ASSERT_TRUE(typed.is_ok()) << typed.error().to_string();
  ASSERT_TRUE(fuse_groups(graph).is_ok());
  ASSERT_TRUE(node->attrs.has("fusion_group") && partner->attrs.has("fusion_group") &&
              node->attrs.get_int("fusion_group", -1) == partner->attrs.get_int("fusion_group", -2))
      << what << ": " << op << " was not fused with " << partner->op << " ("
      << node->attrs.get_string("fusion_not_fused", "no reason recorded") << ")";
  expect_halide_matches_reference(graph, inputs, what + " fused");
  clear_fusion(graph);
  expect_halide_matches_reference(graph, inputs, what + " fused graph, unfused");
}

class OpTableTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OpTableTest, ShapeRuleReferenceAndHalideAgree) {
  const std::string& op = GetParam();
  const std::vector<OpCase>& cases = op_table().at(op);
  ASSERT_FALSE(cases.empty()) << op << " has a row without cases";
  for (size_t i = 0; i < cases.size(); ++i) {
    const OpCase& c = cases[i];
    const std::string what = op + " case " + std::to_string(i);
    SCOPED_TRACE(what);
    Graph graph;
    std::vector<Tensor> inputs;
    add_case(graph, op, c, inputs);
    // 1. The shape rule.
    Status typed = infer_shapes(graph);
    ASSERT_TRUE(typed.is_ok()) << typed.error().to_string();
    for (size_t o = 0; o < c.outputs.size(); ++o) {
      const TensorType& type = graph.outputs[o]->type;
      ASSERT_TRUE(type.is_known()) << "output " << o;
      EXPECT_EQ(*type.shape, static_shape(c.outputs[o]))
          << "output " << o << ": inferred " << type.to_string();
    }
    // 2. The reference kernel agrees with the shape rule.
    Result<std::vector<Tensor>> reference = run_reference(graph, inputs);
    ASSERT_TRUE(reference.is_ok()) << reference.error().to_string();
    ASSERT_EQ(reference->size(), c.outputs.size());
    for (size_t o = 0; o < c.outputs.size(); ++o) {
      EXPECT_EQ((*reference)[o].dims, c.outputs[o]) << "reference output " << o;
      EXPECT_EQ((*reference)[o].dtype, graph.outputs[o]->type.dtype) << "reference output " << o;
    }
    // 3. Halide, unfused.
    expect_halide_matches_reference(graph, inputs, what + " unfused");
    // 4. Halide, fused into (or anchoring) a conv/gemm epilogue where the traits allow it.
    const bool first_is_image = !c.operands.empty() && c.operands[0].kind == Operand::kInput &&
                                c.operands[0].tensor.dtype == DType::Float32 &&
                                c.operands[0].tensor.dims.size() == 4 && c.outputs.size() == 1 &&
                                c.outputs[0] == c.operands[0].tensor.dims;
    if (anchors_epilogue(op) || (joins_conv_epilogue(op) && first_is_image))
      check_fused(op, c, what);
  }
  // Every op that can join a conv epilogue has a case that tests it doing so.
  if (joins_conv_epilogue(op)) {
    bool fused_case = false;
    for (const OpCase& c : cases)
      fused_case = fused_case || (!c.operands.empty() && c.operands[0].tensor.dims.size() == 4 &&
                                  c.operands[0].kind == Operand::kInput &&
                                  c.outputs[0] == c.operands[0].tensor.dims);
    EXPECT_TRUE(fused_case) << op << " joins conv epilogues by its traits, but no case has a 4-D "
                            << "f32 first operand of the output's shape to test that";
  }
}

std::vector<std::string> row_names() {
  std::vector<std::string> names;
  for (const auto& [op, cases] : op_table()) names.push_back(op);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTableTest, ::testing::ValuesIn(row_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(OpTableCoverage, EveryOpsDefEntryHasARow) {
  std::vector<std::string> missing;
  for (const OpSchema& schema : all_op_schemas())
    if (!op_table().count(schema.name)) missing.push_back(schema.name);
  std::string list;
  for (const std::string& op : missing) list += " " + op;
  EXPECT_TRUE(missing.empty()) << "ir/Ops.def ops without a row in tests/halide/OpTableTest.cpp:"
                               << list;
}

TEST(OpTableCoverage, EveryRowIsAnOpsDefEntry) {
  for (const auto& [op, cases] : op_table())
    EXPECT_NE(find_op_schema(op), nullptr) << "row '" << op << "' names no ir/Ops.def op";
}

}  // namespace
}  // namespace kiln::halide_test
