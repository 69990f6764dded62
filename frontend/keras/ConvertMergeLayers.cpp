// ConvertMergeLayers.cpp: the layers that join tensors (Add, Subtract, Multiply, Average,
// Maximum, Minimum, Concatenate). All operands are taken in one layout: NCHW when every one is
// held that way.
#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

/// The operands in one common layout; `channels_first` says which.
Result<std::vector<Value*>> merge_operands(LayerContext& context, bool& channels_first) {
  if (context.inputs.size() < 2)
    return context.error("expects at least two inputs, got " +
                         std::to_string(context.inputs.size()));
  channels_first = true;
  for (KerasTensor* input : context.inputs) channels_first &= input->channels_first != nullptr;
  std::vector<Value*> operands;
  for (KerasTensor* input : context.inputs) {
    if (channels_first) {
      operands.push_back(input->channels_first);
      continue;
    }
    Result<Value*> value = context.builder.keras_view(*input, context.layer.name);
    if (!value) return value.error();
    operands.push_back(*value);
  }
  return operands;
}

/// Folds the operands pairwise with a binary op.
Result<KerasTensor> convert_binary_chain(LayerContext& context, const std::string& op,
                                         double final_scale) {
  bool channels_first = false;
  Result<std::vector<Value*>> operands = merge_operands(context, channels_first);
  if (!operands) return operands.error();
  if (op == "Sub" && operands->size() != 2) return context.error("Subtract takes two inputs");
  Value* result = (*operands)[0];
  for (size_t i = 1; i < operands->size(); ++i) {
    Result<Value*> next = context.add(op, {result, (*operands)[i]});
    if (!next) return next.error();
    result = *next;
  }
  if (final_scale != 1.0) {
    Value* scale =
        context.constant("scale", make_float_tensor({}, {static_cast<float>(final_scale)}));
    Result<Value*> scaled = context.add("Mul", {result, scale});
    if (!scaled) return scaled.error();
    result = *scaled;
  }
  return tensor_in_layout(result, channels_first);
}

Result<KerasTensor> convert_add(LayerContext& context) {
  return convert_binary_chain(context, "Add", 1.0);
}

Result<KerasTensor> convert_subtract(LayerContext& context) {
  return convert_binary_chain(context, "Sub", 1.0);
}

Result<KerasTensor> convert_multiply(LayerContext& context) {
  return convert_binary_chain(context, "Mul", 1.0);
}

Result<KerasTensor> convert_average(LayerContext& context) {
  return convert_binary_chain(context, "Add", 1.0 / static_cast<double>(context.inputs.size()));
}

Result<KerasTensor> convert_maximum(LayerContext& context) {
  return convert_binary_chain(context, "Max", 1.0);
}

Result<KerasTensor> convert_minimum(LayerContext& context) {
  return convert_binary_chain(context, "Min", 1.0);
}

Result<KerasTensor> convert_concatenate(LayerContext& context) {
  bool channels_first = false;
  Result<std::vector<Value*>> operands = merge_operands(context, channels_first);
  if (!operands) return operands.error();
  int64_t axis = static_cast<int64_t>(config_number(context.config(), {"axis", "concat_axis"}, -1));
  int64_t rank = KerasGraphBuilder::rank_of(operands->front());
  if (axis < 0 && rank > 0) axis += rank;
  if (channels_first) axis = nhwc_axis_to_nchw(axis);
  Attributes attrs;
  attrs.set("axis", axis);
  Result<Value*> y = context.add("Concat", *operands, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

}  // namespace

void register_merge_layers(LayerConverterTable& table) {
  table["Add"] = convert_add;
  table["Subtract"] = convert_subtract;
  table["Multiply"] = convert_multiply;
  table["Average"] = convert_average;
  table["Maximum"] = convert_maximum;
  table["Minimum"] = convert_minimum;
  table["Concatenate"] = convert_concatenate;
}

}  // namespace kiln::keras_import
