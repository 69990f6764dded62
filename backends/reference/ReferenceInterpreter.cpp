// ReferenceInterpreter.cpp: binds the graph inputs, then runs each node in order: its shape rule
// gives the concrete output types, its kernel computes the outputs.
#include "backends/reference/ReferenceInterpreter.h"

#include <map>
#include <string>

#include "backends/reference/KernelContext.h"
#include "ir/OpSchema.h"
#include "ir/ShapeRules.h"

namespace kiln {

namespace {

using reference::KernelContext;

TensorType concrete_type(const Tensor& tensor) {
  return TensorType{tensor.dtype, static_shape(tensor.dims)};
}

Error input_mismatch(const Value& input, const Tensor& tensor, const std::string& why) {
  return make_error("input '" + input.name + "': expected " + input.type.to_string() + ", got " +
                    concrete_type(tensor).to_string() + " (" + why + ")");
}

// Checks one runtime input against its declared type, binding symbolic dims on first sight.
Status check_input(const Value& input, const Tensor& tensor,
                   std::map<std::string, int64_t>& symbol_sizes) {
  const TensorType& declared = input.type;
  if (declared.dtype != DType::Unknown && declared.dtype != tensor.dtype)
    return input_mismatch(input, tensor, "wrong dtype");
  for (int64_t d : tensor.dims)
    if (d < 0) return input_mismatch(input, tensor, "negative dimension");
  if (tensor.data.size() != static_cast<size_t>(tensor.element_count()) * dtype_size(tensor.dtype))
    return input_mismatch(input, tensor,
                          "data holds " + std::to_string(tensor.data.size()) + " bytes");
  if (!declared.shape) return Status::ok();
  const Shape& shape = *declared.shape;
  if (shape.size() != tensor.dims.size()) return input_mismatch(input, tensor, "wrong rank");
  for (size_t i = 0; i < shape.size(); ++i) {
    const Dim& dim = shape[i];
    int64_t actual = tensor.dims[i];
    if (dim.is_static() && dim.value != actual)
      return input_mismatch(input, tensor, "dimension " + std::to_string(i) + " differs");
    if (!dim.is_symbolic()) continue;
    auto [it, inserted] = symbol_sizes.emplace(dim.symbol, actual);
    if (!inserted && it->second != actual)
      return input_mismatch(
          input, tensor, "'" + dim.symbol + "' is already bound to " + std::to_string(it->second));
  }
  return Status::ok();
}

// Small integer tensors are given to the shape rules as known dims too (Reshape's target shape,
// Slice's starts, ...), just as shape inference would for values it can fold.
std::optional<std::vector<Dim>> known_dims_of(const Tensor& tensor) {
  bool is_index_type = tensor.dtype == DType::Int64 || tensor.dtype == DType::Int32;
  if (!is_index_type || tensor.dims.size() > 1 || tensor.element_count() > 1024)
    return std::nullopt;
  std::vector<Dim> dims;
  for (int64_t i = 0; i < tensor.element_count(); ++i) {
    int64_t v = tensor.element_as_int(i);
    dims.push_back(v >= 0 ? Dim::known(v) : Dim{v, {}});
  }
  return dims;
}

Error with_node(Error error, const Node& node) {
  if (error.node.empty()) error.node = node.name;
  return error;
}

// Computes the outputs of one node from the tensors of its inputs.
Result<std::vector<Tensor>> run_node(const Node& node, const std::vector<const Tensor*>& inputs) {
  reference::KernelFn kernel = reference::find_kernel(node.op);
  const OpSchema* schema = find_op_schema(node.op);
  if (!kernel || !schema) return with_node(make_error("unknown op '" + node.op + "'"), node);
  // Kernels index their required inputs freely, so arity is checked once here.
  int input_count = static_cast<int>(inputs.size());
  if (input_count < schema->min_inputs ||
      (schema->max_inputs >= 0 && input_count > schema->max_inputs))
    return with_node(make_error(node.op + " takes " + std::to_string(schema->min_inputs) + " to " +
                                std::to_string(schema->max_inputs) + " inputs, got " +
                                std::to_string(input_count)),
                     node);
  for (int i = 0; i < schema->min_inputs; ++i)
    if (!inputs[i])
      return with_node(make_error("required input " + std::to_string(i) + " is missing"), node);

  std::vector<TensorType> input_types(inputs.size());
  std::vector<std::optional<std::vector<Dim>>> input_dims(inputs.size());
  ShapeContext shapes;
  shapes.op = node.op;
  shapes.node_name = node.name;
  shapes.attrs = &node.attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]) {
      input_types[i] = concrete_type(*inputs[i]);
      input_dims[i] = known_dims_of(*inputs[i]);
    }
    shapes.input_types.push_back(inputs[i] ? &input_types[i] : nullptr);
    shapes.input_constants.push_back(inputs[i]);
    shapes.input_known_dims.push_back(input_dims[i] ? &*input_dims[i] : nullptr);
  }
  Status inferred = infer_output_types(shapes);
  if (!inferred) return with_node(inferred.error(), node);
  if (shapes.output_types.size() < node.outputs.size())
    return with_node(make_error("shape rule gave " + std::to_string(shapes.output_types.size()) +
                                " outputs for " + std::to_string(node.outputs.size())),
                     node);
  // A rule types every output an op can have; a node may leave out trailing optional ones.
  shapes.output_types.resize(node.outputs.size());
  for (const TensorType& type : shapes.output_types)
    if (!type.is_known() || !is_static(*type.shape))
      return with_node(make_error("shape rule gave a non-concrete output type " + type.to_string()),
                       node);

  KernelContext ctx;
  ctx.node = &node;
  ctx.inputs = inputs;
  ctx.output_types = shapes.output_types;
  Status ran = kernel(ctx);
  if (!ran) return with_node(ran.error(), node);
  if (ctx.outputs.size() != node.outputs.size())
    return with_node(make_error("kernel produced the wrong number of outputs"), node);
  // The kernel and the shape rule are written independently; disagreement is a bug in one.
  for (size_t i = 0; i < ctx.outputs.size(); ++i) {
    TensorType produced = concrete_type(ctx.outputs[i]);
    if (!(produced == ctx.output_types[i]))
      return with_node(make_error("kernel produced " + produced.to_string() +
                                  " but the shape rule says " + ctx.output_types[i].to_string()),
                       node);
  }
  return std::move(ctx.outputs);
}

}  // namespace

Result<std::vector<Tensor>> run_reference(const Graph& graph, const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph.inputs.size())
    return make_error("graph '" + graph.name + "' takes " + std::to_string(graph.inputs.size()) +
                      " inputs, got " + std::to_string(inputs.size()));
  std::map<const Value*, Tensor> values;
  std::map<std::string, int64_t> symbol_sizes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    KILN_RETURN_IF_ERROR(check_input(*graph.inputs[i], inputs[i], symbol_sizes));
    values[graph.inputs[i]] = inputs[i];
  }
  for (const auto& value : graph.values())
    if (value->is_constant()) values[value.get()] = *value->constant;

  for (const auto& node : graph.nodes()) {
    std::vector<const Tensor*> node_inputs;
    for (const Value* input : node->inputs) {
      if (!input) {
        node_inputs.push_back(nullptr);
        continue;
      }
      auto it = values.find(input);
      if (it == values.end())
        return with_node(make_error("input '" + input->name + "' has no value yet"), *node);
      node_inputs.push_back(&it->second);
    }
    Result<std::vector<Tensor>> outputs = run_node(*node, node_inputs);
    if (!outputs) return outputs.error();
    for (size_t i = 0; i < node->outputs.size(); ++i)
      if (node->outputs[i]) values[node->outputs[i]] = std::move(outputs.value()[i]);
  }

  std::vector<Tensor> results;
  for (const Value* output : graph.outputs) {
    auto it = values.find(output);
    if (it == values.end())
      return make_error("graph output '" + output->name + "' is never computed");
    results.push_back(it->second);
  }
  return results;
}

}  // namespace kiln
