// KerasGraphBuilder.cpp: node creation with immediate typing, and the NHWC <-> NCHW views.
#include "frontend/keras/KerasGraphBuilder.h"

#include "ir/ShapeRules.h"

namespace kiln::keras_import {
namespace {

const std::vector<int64_t> kNhwcToNchw = {0, 3, 1, 2};
const std::vector<int64_t> kNchwToNhwc = {0, 2, 3, 1};

}  // namespace

Result<Value*> KerasGraphBuilder::add(const std::string& layer, const std::string& op,
                                      std::vector<Value*> inputs, Attributes attrs,
                                      bool names_layer) {
  std::string node_name =
      names_layer && !graph_.find_node(layer) ? layer : graph_.unique_node_name(layer + "/" + op);
  Value* output = graph_.add_value(graph_.unique_value_name(layer + "/" + op));
  Node* node = graph_.add_node(node_name, op, std::move(inputs), {output}, std::move(attrs));
  ShapeContext context = make_shape_context(*node);
  Status inferred = infer_output_types(context);
  if (!inferred) return error(layer, op + ": " + inferred.error().message);
  if (!context.output_types.empty()) output->type = context.output_types[0];
  if (!context.output_known_dims.empty() && context.output_known_dims[0])
    output->known_dims = context.output_known_dims[0];
  return output;
}

Value* KerasGraphBuilder::constant(const std::string& layer, const std::string& role,
                                   Tensor tensor) {
  return graph_.add_constant(graph_.unique_value_name(layer + "/" + role), std::move(tensor));
}

Value* KerasGraphBuilder::int64_constant(const std::string& layer, const std::string& role,
                                         const std::vector<int64_t>& values) {
  return constant(layer, role, make_int64_tensor({static_cast<int64_t>(values.size())}, values));
}

Result<Value*> KerasGraphBuilder::keras_view(KerasTensor& tensor, const std::string& layer) {
  if (tensor.keras) return tensor.keras;
  if (!tensor.channels_first) return error(layer, "internal: a tensor with no value");
  Attributes attrs;
  attrs.set("perm", kNchwToNhwc);
  Result<Value*> view = add(layer, "Transpose", {tensor.channels_first}, attrs, false);
  if (view) tensor.keras = *view;
  return view;
}

Result<Value*> KerasGraphBuilder::channels_first_view(KerasTensor& tensor,
                                                      const std::string& layer) {
  if (tensor.channels_first) return tensor.channels_first;
  if (!tensor.keras) return error(layer, "internal: a tensor with no value");
  int64_t rank = rank_of(tensor.keras);
  if (rank != 4)
    return error(layer, "expects a rank-4 image input (batch, height, width, channels), got " +
                            tensor.keras->type.to_string());
  Attributes attrs;
  attrs.set("perm", kNhwcToNchw);
  Result<Value*> view = add(layer, "Transpose", {tensor.keras}, attrs, false);
  if (view) tensor.channels_first = *view;
  return view;
}

int64_t KerasGraphBuilder::rank_of(const Value* value) {
  return value && value->type.shape ? static_cast<int64_t>(value->type.shape->size()) : -1;
}

int64_t KerasGraphBuilder::static_dim(const Value* value, int64_t axis) {
  int64_t rank = rank_of(value);
  if (axis < 0) axis += rank;
  if (rank < 0 || axis < 0 || axis >= rank) return -1;
  const Dim& dim = (*value->type.shape)[static_cast<size_t>(axis)];
  return dim.is_static() ? dim.value : -1;
}

}  // namespace kiln::keras_import
