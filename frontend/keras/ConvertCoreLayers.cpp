// ConvertCoreLayers.cpp: activation layers (Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax), the
// inference-time identities (Dropout and friends), Flatten, Reshape, Permute and Rescaling.
#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

Result<KerasTensor> convert_activation(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  return apply_activation(context, **input, activation_name(context.config()));
}

/// Dropout, noise and regularisation layers do nothing at inference.
Result<KerasTensor> convert_identity(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  return **input;
}

Result<KerasTensor> convert_relu(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  double slope = config_number(config, {"negative_slope"}, 0.0);
  double threshold = config_number(config, {"threshold"}, 0.0);
  const json& max_value = config_field(config, {"max_value"});
  if (threshold != 0.0) return context.error("ReLU with a nonzero threshold is not supported");
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, **input, channels_first);
  if (!x) return x.error();
  Attributes attrs;
  Result<Value*> y = Error{};
  if (slope != 0.0) {
    attrs.set("alpha", slope);
    y = context.add("LeakyRelu", {*x}, attrs);
    if (y && max_value.is_number()) {
      Attributes clip;
      clip.set("max", max_value.get<double>());
      y = context.add("Clip", {*y}, clip);
    }
  } else if (max_value.is_number()) {
    attrs.set("min", 0.0);
    attrs.set("max", max_value.get<double>());
    y = context.add("Clip", {*x}, attrs);
  } else {
    y = context.add("Relu", {*x});
  }
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

// A one-input activation layer whose only parameter is an `alpha` attribute of `op`.
Result<KerasTensor> convert_alpha_activation(LayerContext& context, const char* op,
                                             std::initializer_list<const char*> alpha_keys,
                                             double default_alpha) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, **input, channels_first);
  if (!x) return x.error();
  Attributes attrs;
  attrs.set("alpha", config_number(context.config(), alpha_keys, default_alpha));
  Result<Value*> y = context.add(op, {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

Result<KerasTensor> convert_leaky_relu(LayerContext& context) {
  return convert_alpha_activation(context, "LeakyRelu", {"negative_slope", "alpha"}, 0.3);
}

// ELU: x if x > 0 else alpha * (exp(x) - 1).
Result<KerasTensor> convert_elu(LayerContext& context) {
  return convert_alpha_activation(context, "Elu", {"alpha"}, 1.0);
}

// PReLU: x if x >= 0 else alpha * x, alpha of the input's shape (no batch) with 1s along the
// shared axes; on the NCHW view of an image the alpha array is permuted to match.
Result<KerasTensor> convert_prelu(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  Result<Value*> keras = context.builder.keras_view(**input, context.layer.name);
  if (!keras) return keras.error();
  const int64_t rank = KerasGraphBuilder::rank_of(*keras);
  if (rank < 2) return context.error("PReLU needs an input of rank >= 2");
  std::vector<int64_t> alpha_dims;
  for (int64_t d = 1; d < rank; ++d) alpha_dims.push_back(KerasGraphBuilder::static_dim(*keras, d));
  const json& shared = config_field(context.config(), {"shared_axes"});
  if (shared.is_number_integer() || shared.is_array()) {
    for (const json& axis : shared.is_array() ? shared : json::array({shared})) {
      if (!axis.is_number_integer() || axis < 1 || axis >= rank)
        return context.error("unsupported shared_axes " + shared.dump());
      alpha_dims[axis.get<size_t>() - 1] = 1;
    }
  } else if (!shared.is_null()) {
    return context.error("unsupported shared_axes " + shared.dump());
  }
  KILN_RETURN_IF_ERROR(context.expect_weight_count(1, "alpha"));
  Result<WeightArray> alpha = context.weight(0, "alpha", alpha_dims, 0.25f);
  if (!alpha) return alpha.error();
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, **input, channels_first);
  if (!x) return x.error();
  Tensor slope = make_float_tensor(alpha->dims, alpha->values);
  if (channels_first) {  // (h, w, c) -> (c, h, w)
    const std::vector<int64_t> perm = {2, 0, 1};
    slope = make_float_tensor({alpha->dims[2], alpha->dims[0], alpha->dims[1]},
                              permute_array(*alpha, perm));
  }
  Result<Value*> y = context.add("PRelu", {*x, context.constant("alpha", std::move(slope))});
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

Result<KerasTensor> convert_softmax(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& axis_field = config_field(context.config(), {"axis"});
  int64_t axis = -1;
  if (axis_field.is_number_integer()) axis = axis_field;
  if (axis_field.is_array() && axis_field.size() == 1) axis = axis_field[0];
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, **input, channels_first);
  if (!x) return x.error();
  if (channels_first) axis = nhwc_axis_to_nchw(axis < 0 ? axis + 4 : axis);
  Attributes attrs;
  attrs.set("axis", axis);
  Result<Value*> y = context.add("Softmax", {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

/// Flatten in Keras's element order; a channels_first Flatten moves channels last first, as
/// Keras does so that Dense weights do not depend on the data format.
Result<KerasTensor> convert_flatten(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  Result<Value*> x = context.builder.keras_view(**input, context.layer.name);
  if (!x) return x.error();
  if (is_channels_first(context.config()) && KerasGraphBuilder::rank_of(*x) == 4) {
    Attributes perm;
    perm.set("perm", std::vector<int64_t>{0, 2, 3, 1});
    x = context.add("Transpose", {*x}, perm);
    if (!x) return x.error();
  }
  Attributes attrs;
  attrs.set("axis", int64_t{1});
  Result<Value*> y = context.add("Flatten", {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, false);
}

Result<KerasTensor> convert_reshape(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& target = config_field(context.config(), {"target_shape", "dims"});
  if (!target.is_array()) return context.error("has no target_shape");
  std::vector<int64_t> shape = {0};  // 0 copies the batch dimension
  for (const json& dim : target) {
    if (!dim.is_number_integer()) return context.error("target_shape " + target.dump());
    shape.push_back(dim);
  }
  Result<Value*> x = context.builder.keras_view(**input, context.layer.name);
  if (!x) return x.error();
  Value* shape_value = context.builder.int64_constant(context.layer.name, "shape", shape);
  Result<Value*> y = context.add("Reshape", {*x, shape_value});
  if (!y) return y.error();
  return tensor_in_layout(*y, false);
}

// Permute: dims are Keras's 1-based axes (the batch stays first).
Result<KerasTensor> convert_permute(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& dims = config_field(context.config(), {"dims"});
  Result<Value*> x = context.builder.keras_view(**input, context.layer.name);
  if (!x) return x.error();
  const int64_t rank = KerasGraphBuilder::rank_of(*x);
  if (!dims.is_array() || int64_t(dims.size()) != rank - 1)
    return context.error("Permute needs dims listing the " + std::to_string(rank - 1) +
                         " non-batch axes, got " + dims.dump());
  std::vector<int64_t> perm = {0};
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (const json& dim : dims) {
    if (!dim.is_number_integer() || dim < 1 || dim >= rank || seen[dim.get<size_t>()])
      return context.error("Permute dims " + dims.dump() + " are not a permutation of 1.." +
                           std::to_string(rank - 1));
    seen[dim.get<size_t>()] = true;
    perm.push_back(dim);
  }
  Attributes attrs;
  attrs.set("perm", perm);
  Result<Value*> y = context.add("Transpose", {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, false);
}

Result<KerasTensor> convert_rescaling(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& scale = config_field(context.config(), {"scale"});
  const json& offset = config_field(context.config(), {"offset"});
  if ((!scale.is_null() && !scale.is_number()) || (!offset.is_null() && !offset.is_number()))
    return context.error("only scalar scale and offset are supported");
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, **input, channels_first);
  if (!x) return x.error();
  Value* scale_value = context.constant(
      "scale", make_float_tensor({}, {scale.is_number() ? scale.get<float>() : 1.0f}));
  Result<Value*> y = context.add("Mul", {*x, scale_value});
  if (y && offset.is_number() && offset.get<double>() != 0.0) {
    Value* offset_value = context.constant("offset", make_float_tensor({}, {offset.get<float>()}));
    y = context.add("Add", {*y, offset_value});
  }
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

}  // namespace

void register_core_layers(LayerConverterTable& table) {
  table["Activation"] = convert_activation;
  table["ReLU"] = convert_relu;
  table["LeakyReLU"] = convert_leaky_relu;
  table["ELU"] = convert_elu;
  table["PReLU"] = convert_prelu;
  table["Softmax"] = convert_softmax;
  for (const char* name : {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                           "AlphaDropout", "ActivityRegularization"})
    table[name] = convert_identity;
  table["Flatten"] = convert_flatten;
  table["Reshape"] = convert_reshape;
  table["Permute"] = convert_permute;
  table["Rescaling"] = convert_rescaling;
}

}  // namespace kiln::keras_import
