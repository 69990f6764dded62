// ReferenceTestUtil.h: helpers for the reference-interpreter tests: run one op on given tensors,
// and read results back as plain vectors.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "backends/reference/ReferenceInterpreter.h"

namespace kiln::testing {

/// Runs a one-node graph of `op`. Each input becomes a graph input with its exact static type,
/// except those whose index is listed in `constant_inputs`, which become constants (as weights and
/// shape operands usually are). Returns the node's first output.
inline Result<Tensor> run_op(const std::string& op, const std::vector<Tensor>& inputs,
                             Attributes attrs = {},
                             const std::vector<size_t>& constant_inputs = {}) {
  Graph graph;
  graph.name = op + "_test";
  std::vector<Value*> node_inputs;
  std::vector<Tensor> runtime_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string name = "in" + std::to_string(i);
    bool constant =
        std::find(constant_inputs.begin(), constant_inputs.end(), i) != constant_inputs.end();
    if (constant) {
      node_inputs.push_back(graph.add_constant(name, inputs[i]));
    } else {
      Value* value =
          graph.add_value(name, TensorType{inputs[i].dtype, static_shape(inputs[i].dims)});
      graph.inputs.push_back(value);
      node_inputs.push_back(value);
      runtime_inputs.push_back(inputs[i]);
    }
  }
  Value* output = graph.add_value("out");
  graph.add_node(op + "_node", op, node_inputs, {output}, std::move(attrs));
  graph.outputs.push_back(output);
  Result<std::vector<Tensor>> outputs = run_reference(graph, runtime_inputs);
  if (!outputs) return outputs.error();
  return outputs.value()[0];
}

/// Product of dims (element count).
inline int64_t product_of(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  return count;
}

/// Every element as a double.
inline std::vector<double> values_of(const Tensor& tensor) {
  std::vector<double> values;
  for (int64_t i = 0; i < tensor.element_count(); ++i)
    values.push_back(tensor.element_as_double(i));
  return values;
}

/// Every element as an integer.
inline std::vector<int64_t> ints_of(const Tensor& tensor) {
  std::vector<int64_t> values;
  for (int64_t i = 0; i < tensor.element_count(); ++i) values.push_back(tensor.element_as_int(i));
  return values;
}

/// A tensor of any dtype from integers.
inline Tensor typed_tensor(DType dtype, const std::vector<int64_t>& dims,
                           const std::vector<int64_t>& values) {
  std::vector<uint8_t> bytes(values.size() * dtype_size(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t v = values[i];
    switch (dtype) {
      case DType::Int32: {
        int32_t x = static_cast<int32_t>(v);
        std::memcpy(&bytes[i * 4], &x, 4);
        break;
      }
      case DType::Int64:
      case DType::UInt64:
        std::memcpy(&bytes[i * 8], &v, 8);
        break;
      case DType::UInt32: {
        uint32_t x = static_cast<uint32_t>(v);
        std::memcpy(&bytes[i * 4], &x, 4);
        break;
      }
      case DType::Int16:
      case DType::UInt16: {
        uint16_t x = static_cast<uint16_t>(v);
        std::memcpy(&bytes[i * 2], &x, 2);
        break;
      }
      case DType::UInt8:
      case DType::Bool:
      case DType::Int8:
        bytes[i] = static_cast<uint8_t>(v);
        break;
      default:
        ADD_FAILURE() << "typed_tensor: unsupported dtype";
    }
  }
  return Tensor{dtype, dims, TensorData::from_vector(std::move(bytes))};
}

/// Attributes from a list of name/value pairs.
inline Attributes attrs_of(std::initializer_list<std::pair<std::string, AttributeValue>> entries) {
  Attributes attrs;
  for (const auto& [name, value] : entries) attrs.set(name, value);
  return attrs;
}

}  // namespace kiln::testing

/// Unwraps a Result<Tensor> inside a test, failing with the error text.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                  \
  auto lhs##_result = (expr);                                            \
  ASSERT_TRUE(lhs##_result.is_ok()) << lhs##_result.error().to_string(); \
  auto lhs = std::move(lhs##_result.value())
