// Verifier.cpp: structural and type-consistency checks on a Graph (see ir/Verifier.h). Checks run
// in one pass over the nodes in order, so "defined before use" also rules out cycles.
#include "ir/Verifier.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ir/OpSchema.h"

namespace kiln {

namespace {

Error node_error(const Node& node, const std::string& message) {
  return Error{"", node.name, node.op + ": " + message};
}

std::string describe_value(const Value* value) {
  return "%" + value->name;
}

std::string arity_text(int min, int max) {
  if (max < 0) return "at least " + std::to_string(min);
  if (min == max) return std::to_string(min);
  return std::to_string(min) + " to " + std::to_string(max);
}

/// How an op constrains the dtypes of its inputs and outputs.
struct TypeRule {
  std::string_view op;
  int same_dtype_inputs;    ///< leading inputs sharing output 0's dtype (-1 = all inputs)
  bool floating;            ///< every known input dtype must be floating-point
  int integer_inputs_from;  ///< inputs from here on must be i32/i64 (-1 = none)
};

constexpr TypeRule kTypeRules[] = {
    {"Add", -1, false, -1},
    {"Sub", -1, false, -1},
    {"Mul", -1, false, -1},
    {"Div", -1, false, -1},
    {"Concat", -1, false, -1},
    {"Conv", -1, true, -1},
    {"Gemm", -1, true, -1},
    {"MatMul", -1, true, -1},
    {"BatchNormalization", 1, true, -1},
    {"Clip", 1, false, -1},
    {"Relu", 1, false, -1},
    {"LeakyRelu", 1, false, -1},
    {"Sigmoid", 1, false, -1},
    {"Tanh", 1, false, -1},
    {"Softmax", 1, false, -1},
    {"Identity", 1, false, -1},
    {"Dropout", 1, false, -1},
    {"MaxPool", 1, false, -1},
    {"AveragePool", 1, false, -1},
    {"GlobalAveragePool", 1, false, -1},
    {"GlobalMaxPool", 1, false, -1},
    {"Flatten", 1, false, -1},
    {"Transpose", 1, false, -1},
    {"Squeeze", 1, false, -1},
    {"Unsqueeze", 1, false, -1},
    {"Pad", 1, false, -1},
    {"ReduceMean", 1, false, -1},
    {"Reshape", 1, false, 1},
    {"Gather", 1, false, 1},
    {"Slice", 1, false, 1},
};

const TypeRule* find_type_rule(std::string_view op) {
  for (const TypeRule& rule : kTypeRules)
    if (rule.op == op) return &rule;
  return nullptr;
}

/// Checks dtypes where they are known; unknown dtypes (before inference) are never an error.
Status check_node_types(const Node& node) {
  const Value* output = node.output(0);
  if (node.op == "Shape" && output && output->type.dtype != DType::Unknown &&
      output->type.dtype != DType::Int64)
    return node_error(node, "output " + describe_value(output) + " must be i64, not " +
                                dtype_name(output->type.dtype));
  if (node.op == "Cast" && output && output->type.dtype != DType::Unknown && node.attrs.has("to")) {
    std::string target = node.attrs.get_string("to", "");
    auto target_dtype = parse_dtype_name(target);
    if (!target_dtype || *target_dtype == DType::Unknown)
      return node_error(node, "attribute 'to' is not a dtype name: \"" + target + "\"");
    if (*target_dtype != output->type.dtype)
      return node_error(node, "output " + describe_value(output) + " is " +
                                  dtype_name(output->type.dtype) + " but 'to' is " + target);
  }
  const TypeRule* rule = find_type_rule(node.op);
  if (!rule) return Status::ok();

  // The first dtype-sharing input with a known dtype sets the dtype; the output must follow it.
  const Value* reference = nullptr;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Value* input = node.inputs[i];
    if (!input || input->type.dtype == DType::Unknown) continue;
    DType dtype = input->type.dtype;
    if (rule->floating && !is_floating(dtype))
      return node_error(node, "input " + describe_value(input) + " must be floating-point, not " +
                                  dtype_name(dtype));
    bool shares_dtype =
        rule->same_dtype_inputs < 0 || static_cast<int>(i) < rule->same_dtype_inputs;
    if (shares_dtype && !reference) {
      reference = input;
    } else if (shares_dtype && reference->type.dtype != dtype) {
      return node_error(node, describe_value(input) + " is " + dtype_name(dtype) + " but " +
                                  describe_value(reference) + " is " +
                                  dtype_name(reference->type.dtype) +
                                  " (these must share a dtype)");
    }
    bool must_be_integer =
        rule->integer_inputs_from >= 0 && static_cast<int>(i) >= rule->integer_inputs_from;
    if (must_be_integer && dtype != DType::Int64 && dtype != DType::Int32)
      return node_error(
          node, "input " + describe_value(input) + " must be i32 or i64, not " + dtype_name(dtype));
  }
  if (reference && output && output->type.dtype != DType::Unknown &&
      output->type.dtype != reference->type.dtype)
    return node_error(node, "output " + describe_value(output) + " is " +
                                dtype_name(output->type.dtype) + " but " +
                                describe_value(reference) + " is " +
                                dtype_name(reference->type.dtype) + " (these must share a dtype)");
  return Status::ok();
}

Status check_constant(const Value& value) {
  const Tensor& tensor = *value.constant;
  std::string what = "constant " + describe_value(&value);
  if (tensor.dtype == DType::Unknown) return Error{"", "", what + " has no dtype"};
  int64_t count = 1;
  for (int64_t dim : tensor.dims) {
    if (dim < 0) return Error{"", "", what + " has a negative dimension"};
    if (__builtin_mul_overflow(count, dim, &count))
      return Error{"", "", what + " has too many elements"};
  }
  size_t expected_bytes = static_cast<size_t>(count) * dtype_size(tensor.dtype);
  if (tensor.data.size() != expected_bytes)
    return Error{"", "",
                 what + " holds " + std::to_string(tensor.data.size()) +
                     " bytes but its type needs " + std::to_string(expected_bytes)};
  TensorType tensor_type{tensor.dtype, static_shape(tensor.dims)};
  if (!(value.type == tensor_type))
    return Error{"", "",
                 what + " has type " + value.type.to_string() + " but its data is " +
                     tensor_type.to_string()};
  return Status::ok();
}

/// Names identify values and nodes in IR text and errors, so they must be unique and non-empty.
Status check_names(const Graph& graph) {
  std::unordered_set<std::string_view> value_names, node_names;
  for (const auto& value : graph.values()) {
    if (value->name.empty()) return Error{"", "", "a value has an empty name"};
    if (!value_names.insert(value->name).second)
      return Error{"", "", "value name %" + value->name + " is used more than once"};
  }
  for (const auto& node : graph.nodes()) {
    if (!node) return Error{"", "", "the graph holds a null node"};
    if (node->name.empty()) return Error{"", "", "a " + node->op + " node has an empty name"};
    if (!node_names.insert(node->name).second)
      return Error{"", node->name, "node name is used more than once"};
  }
  return Status::ok();
}

Status check_arity(const Node& node, const OpSchema& schema) {
  int inputs = static_cast<int>(node.inputs.size());
  int outputs = static_cast<int>(node.outputs.size());
  if (inputs < schema.min_inputs || (schema.max_inputs >= 0 && inputs > schema.max_inputs))
    return node_error(node, "takes " + arity_text(schema.min_inputs, schema.max_inputs) +
                                " inputs, got " + std::to_string(inputs));
  if (outputs < schema.min_outputs || (schema.max_outputs >= 0 && outputs > schema.max_outputs))
    return node_error(node, "has " + arity_text(schema.min_outputs, schema.max_outputs) +
                                " outputs, got " + std::to_string(outputs));
  for (int i = 0; i < inputs; ++i) {
    bool required = i < schema.min_inputs || schema.max_inputs < 0;
    if (required && !node.inputs[i])
      return node_error(node, "input " + std::to_string(i) + " is required but omitted");
  }
  return Status::ok();
}

}  // namespace

Status verify_graph(const Graph& graph) {
  KILN_RETURN_IF_ERROR(check_names(graph));
  std::unordered_set<const Value*> owned;
  for (const auto& value : graph.values()) owned.insert(value.get());
  std::unordered_map<const Node*, size_t> node_position;
  for (size_t i = 0; i < graph.nodes().size(); ++i) node_position[graph.nodes()[i].get()] = i;

  for (const auto& value : graph.values()) {
    const Node* producer = value->producer;
    if (!producer) continue;
    if (!node_position.count(producer))
      return Error{"", "",
                   "value " + describe_value(value.get()) +
                       " names a producer node that is not in the graph"};
    const auto& outs = producer->outputs;
    if (std::find(outs.begin(), outs.end(), value.get()) == outs.end())
      return Error{"", producer->name,
                   "value " + describe_value(value.get()) +
                       " names this node as producer but is not its output"};
  }

  std::unordered_set<const Value*> defined;
  for (const Value* input : graph.inputs) {
    if (!input) return Error{"", "", "a graph input is null"};
    std::string what = "graph input " + (owned.count(input) ? describe_value(input) : "?");
    if (!owned.count(input)) return Error{"", "", what + " is not owned by the graph"};
    if (input->is_constant()) return Error{"", "", what + " is also a constant"};
    if (input->producer)
      return Error{"", "", what + " is also produced by node '" + input->producer->name + "'"};
    if (!defined.insert(input).second) return Error{"", "", what + " is listed twice"};
  }
  for (const Value* constant : graph.constants()) {
    KILN_RETURN_IF_ERROR(check_constant(*constant));
    if (constant->producer)
      return Error{"", constant->producer->name,
                   "constant " + describe_value(constant) + " is also a node output"};
    defined.insert(constant);
  }

  for (const auto& node_ptr : graph.nodes()) {
    const Node& node = *node_ptr;
    const OpSchema* schema = find_op_schema(node.op);
    if (!schema) return Error{"", node.name, "unknown op '" + node.op + "'"};
    KILN_RETURN_IF_ERROR(check_arity(node, *schema));
    for (const Value* input : node.inputs) {
      if (!input) continue;
      if (!owned.count(input))
        return node_error(node, "reads a value that is not owned by the graph");
      if (defined.count(input)) continue;
      const Node* producer = input->producer;
      if (producer && node_position[producer] >= node_position[&node])
        return node_error(node, "reads " + describe_value(input) + " before node '" +
                                    producer->name +
                                    "' produces it (nodes out of topological order, or a cycle)");
      return node_error(node, "reads " + describe_value(input) + ", which is never defined");
    }
    for (const Value* output : node.outputs) {
      if (!output) return node_error(node, "has a null output");
      if (!owned.count(output))
        return node_error(node, "writes a value that is not owned by the graph");
      if (output->producer != &node)
        return node_error(
            node, "output " + describe_value(output) + " does not name this node as its producer");
      if (!defined.insert(output).second)
        return node_error(node, "output " + describe_value(output) + " is already defined");
    }
    KILN_RETURN_IF_ERROR(check_node_types(node));
  }

  for (const Value* output : graph.outputs) {
    if (!output) return Error{"", "", "a graph output is null"};
    if (!owned.count(output)) return Error{"", "", "a graph output is not owned by the graph"};
    if (!defined.count(output))
      return Error{"", "", "graph output " + describe_value(output) + " is never defined"};
  }
  return Status::ok();
}

}  // namespace kiln
