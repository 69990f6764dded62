// OnnxInitializerTest.cpp: initializers in every TensorProto encoding, Constant nodes, inputs
// that are also initializers, dim_param dims and generated node names.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {
namespace {

/// A model whose output is Identity(w) for the initializer `tensor` (named "w").
onnx::ModelProto identity_of_initializer(onnx::TensorProto tensor) {
  onnx::ModelProto model = make_model(13);
  tensor.set_name("w");
  add_initializer(model, tensor);
  add_node(model, "Identity", {"w"}, {"y"}, "id");
  add_output(model, "y");
  return model;
}

onnx::TensorProto typed_tensor(int32_t type, const std::vector<int64_t>& dims) {
  onnx::TensorProto tensor;
  tensor.set_data_type(type);
  for (int64_t d : dims) tensor.add_dims(d);
  return tensor;
}

const Tensor& constant_named(const Graph& graph, const std::string& name) {
  const Value* value = graph.find_value(name);
  EXPECT_NE(value, nullptr) << name;
  EXPECT_TRUE(value->is_constant()) << name;
  return *value->constant;
}

TEST(OnnxInitializers, RawDataFloat) {
  Result<Graph> graph =
      import_model(identity_of_initializer(raw_float_tensor("w", {2, 2}, {1, 2, 3, 4})));
  ASSERT_TRUE(graph) << graph.error().to_string();
  const Tensor& w = constant_named(*graph, "w");
  EXPECT_EQ(w.dtype, DType::Float32);
  EXPECT_EQ(w.dims, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(w.element_as_double(3), 4.0);
  EXPECT_TRUE(graph->inputs.empty());
}

TEST(OnnxInitializers, TypedFieldsOfEveryDtype) {
  onnx::TensorProto f32 = typed_tensor(onnx::TensorProto::FLOAT, {3});
  for (float v : {1.5f, -2.f, 3.f}) f32.add_float_data(v);
  onnx::TensorProto f64 = typed_tensor(onnx::TensorProto::DOUBLE, {2});
  for (double v : {0.25, -8.0}) f64.add_double_data(v);
  onnx::TensorProto i64 = typed_tensor(onnx::TensorProto::INT64, {2});
  for (int64_t v : {int64_t{1} << 40, int64_t{-3}}) i64.add_int64_data(v);
  onnx::TensorProto i32 = typed_tensor(onnx::TensorProto::INT32, {2});
  for (int32_t v : {7, -9}) i32.add_int32_data(v);
  onnx::TensorProto i16 = typed_tensor(onnx::TensorProto::INT16, {2});
  for (int32_t v : {-300, 300}) i16.add_int32_data(v);
  onnx::TensorProto i8 = typed_tensor(onnx::TensorProto::INT8, {2});
  for (int32_t v : {-128, 127}) i8.add_int32_data(v);
  onnx::TensorProto u8 = typed_tensor(onnx::TensorProto::UINT8, {2});
  for (int32_t v : {0, 255}) u8.add_int32_data(v);
  onnx::TensorProto u16 = typed_tensor(onnx::TensorProto::UINT16, {2});
  for (int32_t v : {0, 65535}) u16.add_int32_data(v);
  onnx::TensorProto u32 = typed_tensor(onnx::TensorProto::UINT32, {2});
  for (uint64_t v : {7ull, 4294967295ull}) u32.add_uint64_data(v);
  onnx::TensorProto u64 = typed_tensor(onnx::TensorProto::UINT64, {2});
  for (uint64_t v : {1ull, 1ull << 63}) u64.add_uint64_data(v);
  onnx::TensorProto flag = typed_tensor(onnx::TensorProto::BOOL, {3});
  for (int32_t v : {1, 0, 5}) flag.add_int32_data(v);
  onnx::TensorProto f16 = typed_tensor(onnx::TensorProto::FLOAT16, {2});
  for (int32_t bits : {0x3c00, 0xc000}) f16.add_int32_data(bits);  // 1.0, -2.0

  struct Case {
    onnx::TensorProto proto;
    DType dtype;
    std::vector<double> values;
  };
  std::vector<Case> cases = {
      {f32, DType::Float32, {1.5, -2, 3}},
      {f64, DType::Float64, {0.25, -8}},
      {i64, DType::Int64, {1099511627776.0, -3}},
      {i32, DType::Int32, {7, -9}},
      {i16, DType::Int16, {-300, 300}},
      {i8, DType::Int8, {-128, 127}},
      {u8, DType::UInt8, {0, 255}},
      {u16, DType::UInt16, {0, 65535}},
      {u32, DType::UInt32, {7, 4294967295.0}},
      {u64, DType::UInt64, {1, 9223372036854775808.0}},
      {flag, DType::Bool, {1, 0, 1}},
      {f16, DType::Float16, {1, -2}},
  };
  for (const Case& c : cases) {
    Result<Graph> graph = import_model(identity_of_initializer(c.proto));
    ASSERT_TRUE(graph) << graph.error().to_string();
    const Tensor& w = constant_named(*graph, "w");
    EXPECT_EQ(w.dtype, c.dtype) << dtype_name(c.dtype);
    ASSERT_EQ(w.element_count(), static_cast<int64_t>(c.values.size()));
    ASSERT_EQ(w.data.size(), c.values.size() * dtype_size(c.dtype));
    for (size_t i = 0; i < c.values.size(); ++i)
      EXPECT_EQ(w.element_as_double(i), c.values[i]) << dtype_name(c.dtype) << " element " << i;
  }
}

TEST(OnnxInitializers, RawDataOfIntegerTypes) {
  onnx::TensorProto tensor = typed_tensor(onnx::TensorProto::INT64, {2});
  int64_t values[] = {5, -6};
  tensor.set_raw_data(std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  Result<Graph> graph = import_model(identity_of_initializer(tensor));
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(constant_named(*graph, "w").element_as_int(1), -6);
}

TEST(OnnxInitializers, ScalarAndEmptyTensors) {
  onnx::TensorProto scalar = typed_tensor(onnx::TensorProto::FLOAT, {});
  scalar.add_float_data(2.5f);
  Result<Graph> graph = import_model(identity_of_initializer(scalar));
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_TRUE(constant_named(*graph, "w").dims.empty());

  Result<Graph> empty =
      import_model(identity_of_initializer(typed_tensor(onnx::TensorProto::FLOAT, {0, 3})));
  ASSERT_TRUE(empty) << empty.error().to_string();
  EXPECT_EQ(constant_named(*empty, "w").element_count(), 0);
}

void expect_initializer_error(const onnx::TensorProto& tensor, const std::string& fragment) {
  Result<Graph> graph = import_model(identity_of_initializer(tensor));
  ASSERT_FALSE(graph);
  std::string text = graph.error().to_string();
  EXPECT_NE(text.find("model.onnx"), std::string::npos) << text;
  EXPECT_NE(text.find("initializer 'w'"), std::string::npos) << text;
  EXPECT_NE(text.find(fragment), std::string::npos) << text;
}

TEST(OnnxInitializers, RejectsUnsupportedDtypesAndBadSizes) {
  onnx::TensorProto text = typed_tensor(onnx::TensorProto::STRING, {1});
  text.add_string_data("hello");
  expect_initializer_error(text, "STRING");
  onnx::TensorProto complex = typed_tensor(onnx::TensorProto::COMPLEX64, {1});
  complex.add_float_data(1);
  complex.add_float_data(2);
  expect_initializer_error(complex, "COMPLEX64");
  expect_initializer_error(typed_tensor(onnx::TensorProto::FLOAT, {-2, 3}), "negative dimension");
  expect_initializer_error(raw_float_tensor("w", {2, 3}, {1, 2, 3}), "raw_data has 12 bytes");
  onnx::TensorProto short_field = typed_tensor(onnx::TensorProto::INT64, {4});
  short_field.add_int64_data(1);
  expect_initializer_error(short_field, "int64_data holds 1 values");
  expect_initializer_error(typed_tensor(onnx::TensorProto::FLOAT, {1 << 30, 1 << 30, 1 << 30}),
                           "impossibly large");
}

TEST(OnnxInitializers, GraphInputThatIsAnInitializerBecomesAConstant) {
  onnx::ModelProto model = make_model(13);
  add_input(model, "x", {int64_t{2}});
  add_input(model, "w", {int64_t{2}});
  add_initializer(model, raw_float_tensor("w", {2}, {1, 2}));
  add_node(model, "Add", {"x", "w"}, {"y"}, "add");
  add_output(model, "y");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  ASSERT_EQ(graph->inputs.size(), 1u);
  EXPECT_EQ(graph->inputs[0]->name, "x");
  EXPECT_TRUE(graph->find_value("w")->is_constant());
}

TEST(OnnxInitializers, ConstantNodesBecomeConstants) {
  onnx::ModelProto model = make_model(13);
  onnx::NodeProto* tensor_node = add_node(model, "Constant", {}, {"c_tensor"});
  onnx::AttributeProto* value = add_attribute(tensor_node, "value", onnx::AttributeProto::TENSOR);
  *value->mutable_t() = raw_float_tensor("", {2}, {3, 4});
  set_float(add_node(model, "Constant", {}, {"c_float"}), "value_float", 0.5f);
  onnx::AttributeProto* floats = add_attribute(add_node(model, "Constant", {}, {"c_floats"}),
                                               "value_floats", onnx::AttributeProto::FLOATS);
  floats->add_floats(1);
  floats->add_floats(2);
  set_int(add_node(model, "Constant", {}, {"c_int"}), "value_int", 7);
  set_ints(add_node(model, "Constant", {}, {"c_ints"}), "value_ints", {1, 2, 3});
  add_node(model, "Add", {"c_tensor", "c_floats"}, {"y"}, "add");
  add_output(model, "y");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(graph->nodes().size(), 1u);  // Constant makes no IR node
  EXPECT_EQ(constant_named(*graph, "c_tensor").element_as_double(1), 4.0);
  EXPECT_EQ(constant_named(*graph, "c_float").dims.size(), 0u);
  EXPECT_EQ(constant_named(*graph, "c_float").element_as_double(0), 0.5);
  EXPECT_EQ(constant_named(*graph, "c_floats").dims, (std::vector<int64_t>{2}));
  EXPECT_EQ(constant_named(*graph, "c_int").dtype, DType::Int64);
  EXPECT_EQ(constant_named(*graph, "c_ints").element_as_int(2), 3);
}

TEST(OnnxInitializers, ConstantOfShapeFoldsIntoAConstant) {
  onnx::ModelProto model = make_model(13);
  add_initializer(model, int64_tensor("shape", {3}, {2, 1, 3}));
  add_node(model, "ConstantOfShape", {"shape"}, {"zeros"});
  onnx::AttributeProto* value =
      add_attribute(add_node(model, "ConstantOfShape", {"shape"}, {"fill"}), "value",
                    onnx::AttributeProto::TENSOR);
  *value->mutable_t() = int64_tensor("", {1}, {7});
  set_int(add_node(model, "Cast", {"fill"}, {"fill_f"}, "cast"), "to", onnx::TensorProto::FLOAT);
  add_node(model, "Add", {"zeros", "fill_f"}, {"y"}, "add");
  add_output(model, "y");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  EXPECT_EQ(graph->nodes().size(), 2u);  // Cast and Add: ConstantOfShape makes no IR node
  const Tensor& zeros = constant_named(*graph, "zeros");
  EXPECT_EQ(zeros.dtype, DType::Float32);
  EXPECT_EQ(zeros.dims, (std::vector<int64_t>{2, 1, 3}));
  EXPECT_EQ(zeros.element_as_double(5), 0.0);
  const Tensor& fill = constant_named(*graph, "fill");
  EXPECT_EQ(fill.dtype, DType::Int64);
  EXPECT_EQ(fill.element_count(), 6);
  EXPECT_EQ(fill.element_as_int(4), 7);
}

TEST(OnnxInitializers, ConstantOfShapeErrorsNameTheNode) {
  struct Case {
    std::vector<int64_t> shape;
    bool constant;
    const char* message;
  };
  for (const Case& c :
       {Case{{2, -1}, true, "negative"}, Case{{1 << 20, 1 << 20}, true, "larger than"},
        Case{{2}, false, "must be a constant"}}) {
    onnx::ModelProto model = make_model(13);
    if (c.constant) {
      add_initializer(model, int64_tensor("shape", {int64_t(c.shape.size())}, c.shape));
    } else {
      add_input(model, "shape", {int64_t{1}}, onnx::TensorProto::INT64);
    }
    add_node(model, "ConstantOfShape", {"shape"}, {"y"}, "fill");
    add_output(model, "y");
    Result<Graph> graph = import_model(model);
    ASSERT_FALSE(graph) << c.message;
    EXPECT_EQ(graph.error().node, "fill");
    EXPECT_NE(graph.error().message.find(c.message), std::string::npos) << graph.error().message;
  }
}

TEST(OnnxOps, SumBecomesAChainOfAdds) {
  onnx::ModelProto model = make_model(13);
  for (const char* name : {"a", "b", "c"}) add_input(model, name, {int64_t{2}, int64_t{3}});
  add_node(model, "Sum", {"a", "b", "c"}, {"y"}, "sum");
  add_node(model, "Sum", {"y"}, {"z"}, "sum_one");
  add_output(model, "z");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  std::vector<std::string> ops;
  for (const auto& node : graph->nodes()) ops.push_back(node->op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Add", "Add", "Identity"}));
}

TEST(OnnxInitializers, ConstantWithStringValueIsAnError) {
  onnx::ModelProto model = make_model(13);
  set_string(add_node(model, "Constant", {}, {"c"}, "bad_const"), "value_string", "x");
  add_output(model, "c");
  Result<Graph> graph = import_model(model);
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().node, "bad_const");
  EXPECT_NE(graph.error().message.find("value_string"), std::string::npos);
}

TEST(OnnxInputs, DimParamsAndUnknownDims) {
  onnx::ModelProto model = make_model(13);
  add_input(model, "x", {std::string("batch"), int64_t{3}, std::monostate{}});
  add_node(model, "Relu", {"x"}, {"y"}, "relu");
  add_output(model, "y");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  ASSERT_EQ(graph->inputs.size(), 1u);
  const TensorType& type = graph->inputs[0]->type;
  EXPECT_EQ(type.dtype, DType::Float32);
  ASSERT_TRUE(type.shape.has_value());
  EXPECT_EQ((*type.shape)[0], Dim::symbolic("batch"));
  EXPECT_EQ((*type.shape)[1], Dim::known(3));
  EXPECT_TRUE((*type.shape)[2].is_unknown());
}

TEST(OnnxInputs, NegativeDimIsAnError) {
  onnx::ModelProto model = make_model(13);
  add_input(model, "x", {int64_t{-4}});
  add_node(model, "Relu", {"x"}, {"y"}, "relu");
  add_output(model, "y");
  Result<Graph> graph = import_model(model);
  ASSERT_FALSE(graph);
  EXPECT_NE(graph.error().message.find("negative dimension"), std::string::npos);
}

TEST(OnnxNodeNames, GeneratedForEmptyAndDuplicateNames) {
  onnx::ModelProto model = make_model(13);
  add_input(model, "x", {int64_t{2}});
  add_node(model, "Relu", {"x"}, {"a"}, "");
  add_node(model, "Relu", {"a"}, {"b"}, "same");
  add_node(model, "Relu", {"b"}, {"c"}, "same");
  add_node(model, "Relu", {"c"}, {"d"}, "Relu_0");  // collides with a generated name
  add_output(model, "d");
  Result<Graph> graph = import_model(model);
  ASSERT_TRUE(graph) << graph.error().to_string();
  std::vector<std::string> names;
  for (const auto& node : graph->nodes()) names.push_back(node->name);
  EXPECT_EQ(names, (std::vector<std::string>{"Relu_0_1", "same", "Relu_2", "Relu_0"}));
  EXPECT_EQ(graph->nodes()[1]->outputs[0]->name, "b");
}

}  // namespace
}  // namespace kiln::testing
