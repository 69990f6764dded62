// ReferenceInterpreterTest.cpp: whole-graph behaviour of the reference interpreter: symbolic
// batch dims bound at run time, shape-computing chains, and input checking errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// x: f32[batch,1,3,3] -> Conv(2x2 ones) -> Relu -> Reshape(x, [Shape(x)[0], -1]) -> y f32[batch,4].
// The Reshape target is computed from the input's shape, as exported PyTorch models do.
Graph make_symbolic_batch_graph() {
  Graph graph;
  graph.name = "symbolic_batch";
  Shape input_shape = {Dim::symbolic("batch"), Dim::known(1), Dim::known(3), Dim::known(3)};
  Value* x = graph.add_value("x", TensorType{DType::Float32, input_shape});
  graph.inputs.push_back(x);
  Value* w = graph.add_constant("w", make_float_tensor({1, 1, 2, 2}, {1, 1, 1, 1}));
  Value* conv = graph.add_value("conv");
  graph.add_node("conv0", "Conv", {x, w}, {conv});
  Value* relu = graph.add_value("relu");
  graph.add_node("relu0", "Relu", {conv}, {relu});
  Value* shape = graph.add_value("shape");
  graph.add_node("shape0", "Shape", {relu}, {shape});
  Value* zero = graph.add_constant("zero", make_int64_tensor({}, {0}));
  Value* batch = graph.add_value("batch_size");
  graph.add_node("gather0", "Gather", {shape, zero}, {batch});
  Value* batch_1d = graph.add_value("batch_1d");
  Attributes unsqueeze_axes;
  unsqueeze_axes.set("axes", std::vector<int64_t>{0});
  graph.add_node("unsqueeze0", "Unsqueeze", {batch}, {batch_1d}, unsqueeze_axes);
  Value* minus_one = graph.add_constant("minus_one", make_int64_tensor({1}, {-1}));
  Value* target = graph.add_value("target");
  Attributes concat_axis;
  concat_axis.set("axis", int64_t{0});
  graph.add_node("concat0", "Concat", {batch_1d, minus_one}, {target}, concat_axis);
  Value* y = graph.add_value("y");
  graph.add_node("reshape0", "Reshape", {relu, target}, {y});
  graph.outputs.push_back(y);
  return graph;
}

Tensor counting_images(int64_t batch) {
  std::vector<float> values;
  for (int64_t n = 0; n < batch; ++n)
    for (int i = 1; i <= 9; ++i) values.push_back(static_cast<float>(i * (n % 2 ? -1 : 1)));
  return make_float_tensor({batch, 1, 3, 3}, values);
}

TEST(ReferenceInterpreter, SymbolicBatchOfOne) {
  Graph graph = make_symbolic_batch_graph();
  Result<std::vector<Tensor>> outputs = run_reference(graph, {counting_images(1)});
  ASSERT_TRUE(outputs.is_ok()) << outputs.error().to_string();
  ASSERT_EQ(outputs->size(), 1u);
  EXPECT_EQ((*outputs)[0].dims, (std::vector<int64_t>{1, 4}));
  EXPECT_THAT(values_of((*outputs)[0]), ElementsAre(12, 16, 24, 28));
}

TEST(ReferenceInterpreter, SymbolicBatchOfThree) {
  Graph graph = make_symbolic_batch_graph();
  Result<std::vector<Tensor>> outputs = run_reference(graph, {counting_images(3)});
  ASSERT_TRUE(outputs.is_ok()) << outputs.error().to_string();
  EXPECT_EQ((*outputs)[0].dims, (std::vector<int64_t>{3, 4}));
  // The second image is negated, so Relu zeroes it.
  EXPECT_THAT(values_of((*outputs)[0]), ElementsAre(12, 16, 24, 28, 0, 0, 0, 0, 12, 16, 24, 28));
}

TEST(ReferenceInterpreter, StaticDimMismatchNamesTheInput) {
  Graph graph;
  Shape shape = {Dim::symbolic("batch"), Dim::known(3), Dim::known(224), Dim::known(224)};
  Value* x = graph.add_value("x", TensorType{DType::Float32, shape});
  graph.inputs.push_back(x);
  Value* y = graph.add_value("y");
  graph.add_node("relu0", "Relu", {x}, {y});
  graph.outputs.push_back(y);
  Tensor wrong = make_float_tensor({1, 3, 200, 200}, std::vector<float>(3 * 200 * 200, 0.0f));
  Result<std::vector<Tensor>> outputs = run_reference(graph, {wrong});
  ASSERT_FALSE(outputs.is_ok());
  EXPECT_THAT(outputs.error().message, HasSubstr("input 'x': expected f32[batch,3,224,224], got "
                                                 "f32[1,3,200,200]"));
}

// Two inputs sharing the symbol `batch` must agree on its size.
Graph make_two_input_graph() {
  Graph graph;
  TensorType type{DType::Float32, Shape{Dim::symbolic("batch"), Dim::known(2)}};
  Value* a = graph.add_value("a", type);
  Value* b = graph.add_value("b", type);
  graph.inputs = {a, b};
  Value* sum = graph.add_value("sum");
  graph.add_node("add0", "Add", {a, b}, {sum});
  graph.outputs.push_back(sum);
  return graph;
}

TEST(ReferenceInterpreter, InconsistentSymbolIsAnError) {
  Graph graph = make_two_input_graph();
  Result<std::vector<Tensor>> outputs = run_reference(
      graph, {make_float_tensor({1, 2}, {1, 2}), make_float_tensor({3, 2}, {1, 2, 3, 4, 5, 6})});
  ASSERT_FALSE(outputs.is_ok());
  EXPECT_THAT(outputs.error().message, HasSubstr("input 'b'"));
  EXPECT_THAT(outputs.error().message, HasSubstr("'batch' is already bound to 1"));
}

TEST(ReferenceInterpreter, WrongDtypeRankAndCountAreErrors) {
  Graph graph = make_two_input_graph();
  Tensor good = make_float_tensor({1, 2}, {1, 2});
  Result<std::vector<Tensor>> missing = run_reference(graph, {good});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_THAT(missing.error().message, HasSubstr("takes 2 inputs, got 1"));
  Result<std::vector<Tensor>> wrong_dtype =
      run_reference(graph, {good, make_int64_tensor({1, 2}, {1, 2})});
  ASSERT_FALSE(wrong_dtype.is_ok());
  EXPECT_THAT(wrong_dtype.error().message, HasSubstr("input 'b'"));
  Result<std::vector<Tensor>> wrong_rank =
      run_reference(graph, {good, make_float_tensor({2}, {1, 2})});
  ASSERT_FALSE(wrong_rank.is_ok());
  EXPECT_THAT(wrong_rank.error().message, HasSubstr("wrong rank"));
  Tensor short_data{DType::Float32, {1, 2}, TensorData::copy_of("abcd", 4)};
  Result<std::vector<Tensor>> truncated = run_reference(graph, {good, short_data});
  ASSERT_FALSE(truncated.is_ok());
}

TEST(ReferenceInterpreter, MatchingSymbolsRun) {
  Graph graph = make_two_input_graph();
  Result<std::vector<Tensor>> outputs = run_reference(
      graph,
      {make_float_tensor({2, 2}, {1, 2, 3, 4}), make_float_tensor({2, 2}, {10, 20, 30, 40})});
  ASSERT_TRUE(outputs.is_ok()) << outputs.error().to_string();
  EXPECT_THAT(values_of((*outputs)[0]), ElementsAre(11, 22, 33, 44));
}

}  // namespace
}  // namespace kiln::testing
