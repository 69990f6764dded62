// Verifier.cpp: structural and type-consistency checks on a Graph (see ir/Verifier.h). Checks run
// in one pass over the nodes in order, so "defined before use" also rules out cycles.
#include "ir/Verifier.h"

#include <algorithm>
#include <cstdint>
#include <optional>
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

/// What an op's dtype rule (ir/Ops.def) asks of the dtypes of one node's inputs and outputs.
struct DTypeConstraints {
  size_t shared_begin = 0;  ///< inputs [shared_begin, shared_end) share one dtype
  size_t shared_end = 0;
  size_t integer_from = SIZE_MAX;  ///< inputs from here on must be i32/i64
  size_t bool_below = 0;           ///< inputs before this one must be bool
  bool output_shares = false;      ///< output 0 has the shared inputs' dtype
  std::optional<DType> output;     ///< output 0's dtype when the rule fixes it
};

DTypeConstraints constraints_of(DTypeRule rule, size_t inputs) {
  DTypeConstraints c;
  switch (rule) {
    case DTypeRule::AllSame:
      c.shared_end = inputs;
      c.output_shares = true;
      break;
    case DTypeRule::FirstInput:
      c.shared_end = 1;
      c.output_shares = true;
      break;
    case DTypeRule::FirstInputIndexed:
      c.shared_end = 1;
      c.integer_from = 1;
      c.output_shares = true;
      break;
    case DTypeRule::FromAttribute:  // checked against the attribute by check_to_attribute
      break;
    case DTypeRule::Int64:
      c.output = DType::Int64;
      break;
    case DTypeRule::Bool:
      c.shared_end = inputs;
      c.output = DType::Bool;
      break;
    case DTypeRule::Select:
      c.bool_below = 1;
      c.shared_begin = 1;
      c.shared_end = inputs;
      c.output_shares = true;
      break;
  }
  return c;
}

bool has_dtype(const Value* value) {
  return value && value->type.dtype != DType::Unknown;
}

Status check_to_attribute(const Node& node) {
  const Value* output = node.output(0);
  if (!has_dtype(output) || !node.attrs.has("to")) return Status::ok();
  std::string target = node.attrs.get_string("to", "");
  auto target_dtype = parse_dtype_name(target);
  if (!target_dtype || *target_dtype == DType::Unknown)
    return node_error(node, "attribute 'to' is not a dtype name: \"" + target + "\"");
  if (*target_dtype != output->type.dtype)
    return node_error(node, "output " + describe_value(output) + " is " +
                                dtype_name(output->type.dtype) + " but 'to' is " + target);
  return Status::ok();
}

/// Checks dtypes where they are known, by the op's dtype rule and its input flags;
/// unknown dtypes (before inference) are never an error.
Status check_node_types(const Node& node, const OpSchema& schema) {
  const Value* output = node.output(0);
  if (schema.dtype_rule == DTypeRule::FromAttribute) KILN_RETURN_IF_ERROR(check_to_attribute(node));
  const DTypeConstraints rule = constraints_of(schema.dtype_rule, node.inputs.size());
  if (rule.output && has_dtype(output) && output->type.dtype != *rule.output)
    return node_error(node, "output " + describe_value(output) + " must be " +
                                dtype_name(*rule.output) + ", not " +
                                dtype_name(output->type.dtype));
  const bool floating = schema.has(op_flags::kFloatInputs);
  const bool logical = schema.has(op_flags::kBoolInputs);
  const bool unsigned_only = schema.has(op_flags::kUnsignedInputs);

  // The first dtype-sharing input with a known dtype sets the dtype; the output must follow it.
  const Value* reference = nullptr;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Value* input = node.inputs[i];
    if (!has_dtype(input)) continue;
    DType dtype = input->type.dtype;
    if (logical && dtype != DType::Bool)
      return node_error(
          node, "input " + describe_value(input) + " must be bool, not " + dtype_name(dtype));
    if (unsigned_only && !is_unsigned(dtype))
      return node_error(node, "input " + describe_value(input) +
                                  " must be an unsigned integer, not " + dtype_name(dtype));
    if (floating && !is_floating(dtype))
      return node_error(node, "input " + describe_value(input) + " must be floating-point, not " +
                                  dtype_name(dtype));
    if (i < rule.bool_below && dtype != DType::Bool)
      return node_error(
          node, "input " + describe_value(input) + " must be bool, not " + dtype_name(dtype));
    bool shares_dtype = i >= rule.shared_begin && i < rule.shared_end;
    if (shares_dtype && !reference) {
      reference = input;
    } else if (shares_dtype && reference->type.dtype != dtype) {
      return node_error(node, describe_value(input) + " is " + dtype_name(dtype) + " but " +
                                  describe_value(reference) + " is " +
                                  dtype_name(reference->type.dtype) +
                                  " (these must share a dtype)");
    }
    if (i >= rule.integer_from && dtype != DType::Int64 && dtype != DType::Int32)
      return node_error(
          node, "input " + describe_value(input) + " must be i32 or i64, not " + dtype_name(dtype));
  }
  if (rule.output_shares && reference && has_dtype(output) &&
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
    KILN_RETURN_IF_ERROR(check_node_types(node, *schema));
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
