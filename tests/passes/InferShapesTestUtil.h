// InferShapesTestUtil.h: builds small graphs by hand for the shape-rule tests and runs shape
// inference on them, so each test reads as "these inputs, this op -> this type or this error".
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/IR.h"
#include "passes/InferShapes.h"

namespace kiln::testing {

/// Parses "f32[batch,3,224,224]" (dims: integers, symbols or ?) into a TensorType.
inline TensorType type_of(const std::string& text) {
  size_t open = text.find('[');
  TensorType type;
  type.dtype = *parse_dtype_name(text.substr(0, open));
  std::string body = text.substr(open + 1, text.size() - open - 2);
  Shape shape;
  size_t start = 0;
  while (!body.empty() && start <= body.size()) {
    size_t comma = body.find(',', start);
    std::string item =
        body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item == "?")
      shape.push_back(Dim::unknown());
    else if (!item.empty() && (std::isdigit(static_cast<unsigned char>(item[0])) != 0))
      shape.push_back(Dim::known(std::stoll(item)));
    else
      shape.push_back(Dim::symbolic(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  type.shape = shape;
  return type;
}

/// A graph under construction, plus shortcuts for the common node shapes.
class ShapeTestGraph {
 public:
  /// A graph input of the given type, e.g. input("x", "f32[batch,3,8,8]").
  Value* input(const std::string& name, const std::string& type) {
    Value* value = graph.add_value(name, type_of(type));
    graph.inputs.push_back(value);
    return value;
  }
  /// An i64 constant (a 1-D vector, or a scalar when `scalar`).
  Value* ints(const std::vector<int64_t>& values, bool scalar = false) {
    std::vector<int64_t> dims;
    if (!scalar) dims.push_back(static_cast<int64_t>(values.size()));
    return graph.add_constant(graph.unique_value_name("c"), make_int64_tensor(dims, values));
  }
  /// An f32 constant of zeros.
  Value* floats(const std::vector<int64_t>& dims) {
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    return graph.add_constant(graph.unique_value_name("w"),
                              make_float_tensor(dims, std::vector<float>(count, 0.0f)));
  }
  /// Appends a one-output node and returns its output.
  Value* node(const std::string& op, std::vector<Value*> inputs, Attributes attrs = {}) {
    std::string name = graph.unique_node_name(op);
    Value* out = graph.add_value(graph.unique_value_name(name + "_out"));
    graph.add_node(name, op, std::move(inputs), {out}, std::move(attrs));
    return out;
  }
  /// Runs shape inference.
  Status infer() { return infer_shapes(graph); }

  Graph graph;
};

/// Attributes from a list of (name, value) pairs.
inline Attributes attrs(std::initializer_list<std::pair<std::string, AttributeValue>> list) {
  Attributes result;
  for (const auto& [name, value] : list) result.set(name, value);
  return result;
}

using Ints = std::vector<int64_t>;

/// Runs inference and returns the type of `value` as text, or "error: <message>".
inline std::string inferred(ShapeTestGraph& g, const Value* value) {
  Status status = g.infer();
  if (!status) return "error: " + status.error().to_string();
  return value->type.to_string();
}

/// One op over graph inputs of the given types; returns the inferred output type or the error.
inline std::string infer_op(const std::string& op, const std::vector<std::string>& input_types,
                            Attributes attributes = {}) {
  ShapeTestGraph g;
  std::vector<Value*> inputs;
  for (size_t i = 0; i < input_types.size(); ++i)
    inputs.push_back(g.input("in" + std::to_string(i), input_types[i]));
  Value* out = g.node(op, inputs, std::move(attributes));
  return inferred(g, out);
}

/// Known dims as text, e.g. "[batch,3,-1]", or "none".
inline std::string known_dims_text(const Value* value) {
  if (!value->known_dims) return "none";
  std::string text = "[";
  for (size_t i = 0; i < value->known_dims->size(); ++i) {
    const Dim& dim = (*value->known_dims)[i];
    text += (i ? "," : "") + (dim.symbol.empty() ? std::to_string(dim.value) : dim.symbol);
  }
  return text + "]";
}

}  // namespace kiln::testing
