// ConvertNormalizationLayers.cpp: BatchNormalization on any axis, with the Keras 1 weight forms,
// and LayerNormalization over trailing axes.
//
// Keras 1.1 and later store the moving variance (Keras 1 names it running_std, but fills it from
// the batch variance and feeds it to K.batch_normalization as a variance). Keras 1.0.x stored a
// true standard deviation and divided by (std + epsilon); such files are converted to the
// variance giving the same result: var = (std + eps)^2 - eps.
#include <algorithm>
#include <cmath>

#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

bool stores_true_std(const std::string& keras_version) {
  return keras_version.rfind("1.0", 0) == 0;
}

/// The Keras axis (normalised) of the layer, from an int or a one-element list.
Result<int64_t> normalisation_axis(LayerContext& context, int64_t rank) {
  const json& field = config_field(context.config(), {"axis"});
  int64_t axis = -1;
  if (field.is_number_integer())
    axis = field;
  else if (field.is_array() && field.size() == 1 && field[0].is_number_integer())
    axis = field[0];
  else if (!field.is_null())
    return context.error("unsupported axis " + field.dump());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return context.error("axis out of range for the input rank");
  return axis;
}

Result<KerasTensor> convert_batch_normalization(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  int64_t mode = static_cast<int64_t>(config_number(config, {"mode"}, 0));
  if (mode != 0)
    return context.error("Keras 1 BatchNormalization mode " + std::to_string(mode) +
                         " is not supported (only mode 0)");
  KerasTensor& in = **input;
  // Only the layout already held is read, so that no Transpose is made just to learn the rank.
  int64_t rank = KerasGraphBuilder::rank_of(in.keras ? in.keras : in.channels_first);
  Result<int64_t> axis = normalisation_axis(context, rank);
  if (!axis) return axis.error();
  // Channels-last image normalisation runs on the NCHW view, where BatchNormalization's axis is 1.
  bool use_nchw = rank == 4 && *axis == 3;
  Result<Value*> view = use_nchw ? context.builder.channels_first_view(in, context.layer.name)
                                 : context.builder.keras_view(in, context.layer.name);
  if (!view) return view.error();
  Value* x = *view;
  int64_t channels = KerasGraphBuilder::static_dim(x, use_nchw ? 1 : *axis);
  bool keras1 = context.keras_version.rfind("1.", 0) == 0;
  bool scale = keras1 || config_bool(config, {"scale"}, true);
  bool center = keras1 || config_bool(config, {"center"}, true);
  size_t count = (scale ? 1 : 0) + (center ? 1 : 0) + 2;
  KILN_RETURN_IF_ERROR(
      context.expect_weight_count(count, "gamma, beta, moving_mean, moving_variance"));
  std::vector<float> gamma(channels > 0 ? static_cast<size_t>(channels) : 0, 1.0f);
  std::vector<float> beta(gamma.size(), 0.0f);
  size_t index = 0;
  if (scale) {
    Result<WeightArray> w = context.weight(index++, "gamma", {channels}, 1.0f);
    if (!w) return w.error();
    gamma = w->values;
  }
  if (center) {
    Result<WeightArray> w = context.weight(index++, "beta", {channels}, 0.0f);
    if (!w) return w.error();
    beta = w->values;
  }
  Result<WeightArray> mean = context.weight(index++, "moving_mean", {channels}, 0.0f);
  if (!mean) return mean.error();
  Result<WeightArray> variance = context.weight(index++, "moving_variance", {channels}, 1.0f);
  if (!variance) return variance.error();
  double epsilon = config_number(config, {"epsilon"}, 1e-3);
  if (keras1 && stores_true_std(context.keras_version))
    for (float& v : variance->values)
      v = static_cast<float>((v + epsilon) * (v + epsilon) - epsilon);
  int64_t c = static_cast<int64_t>(mean->values.size());
  if (use_nchw || *axis == 1) {
    Attributes attrs;
    attrs.set("epsilon", epsilon);
    std::vector<Value*> operands = {
        x, context.constant("gamma", make_float_tensor({c}, gamma)),
        context.constant("beta", make_float_tensor({c}, beta)),
        context.constant("moving_mean", make_float_tensor({c}, mean->values)),
        context.constant("moving_variance", make_float_tensor({c}, variance->values))};
    Result<Value*> y = context.add("BatchNormalization", operands, attrs);
    if (!y) return y.error();
    return tensor_in_layout(*y, use_nchw);
  }
  // Any other axis: y = x * a + b with a, b broadcast along that axis.
  std::vector<float> multiplier(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (size_t i = 0; i < multiplier.size(); ++i) {
    multiplier[i] = static_cast<float>(gamma[i] / std::sqrt(variance->values[i] + epsilon));
    shift[i] = beta[i] - mean->values[i] * multiplier[i];
  }
  std::vector<int64_t> shape = {c};
  for (int64_t i = *axis + 1; i < rank; ++i) shape.push_back(1);
  Result<Value*> scaled =
      context.add("Mul", {x, context.constant("multiplier", make_float_tensor(shape, multiplier))});
  if (!scaled) return scaled.error();
  Result<Value*> y =
      context.add("Add", {*scaled, context.constant("shift", make_float_tensor(shape, shift))});
  if (!y) return y.error();
  return tensor_in_layout(*y, false);
}

/// LayerNormalization's axes (an int or a list), which must be the trailing ones of a tensor of
/// `rank`; returns the first of them.
Result<int64_t> first_trailing_axis(LayerContext& context, int64_t rank) {
  const json& field = config_field(context.config(), {"axis"});
  std::vector<int64_t> axes;
  if (field.is_number_integer()) {
    axes.push_back(field);
  } else if (field.is_array()) {
    for (const json& axis : field) {
      if (!axis.is_number_integer()) return context.error("unsupported axis " + field.dump());
      axes.push_back(axis);
    }
  } else if (field.is_null()) {
    axes.push_back(-1);
  } else {
    return context.error("unsupported axis " + field.dump());
  }
  for (int64_t& axis : axes) {
    if (axis < 0) axis += rank;
    if (axis < 1 || axis >= rank) return context.error("axis out of range for the input rank");
  }
  std::sort(axes.begin(), axes.end());
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - int64_t(axes.size()) + int64_t(i) || (i > 0 && axes[i] == axes[i - 1]))
      return context.error("LayerNormalization over axes " + field.dump() +
                           " is not supported (only the trailing axes of the input)");
  return axes.front();
}

// (x - mean) / sqrt(var + epsilon) * gamma + beta over the trailing axes, in Keras's layout.
Result<KerasTensor> convert_layer_normalization(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  if (config_bool(config, {"rms_scaling"}, false))
    return context.error("LayerNormalization with rms_scaling is not supported");
  Result<Value*> view = context.builder.keras_view(**input, context.layer.name);
  if (!view) return view.error();
  const int64_t rank = KerasGraphBuilder::rank_of(*view);
  Result<int64_t> axis = first_trailing_axis(context, rank);
  if (!axis) return axis.error();
  std::vector<int64_t> normalized;
  for (int64_t d = *axis; d < rank; ++d)
    normalized.push_back(KerasGraphBuilder::static_dim(*view, d));
  const bool scale = config_bool(config, {"scale"}, true);
  const bool center = config_bool(config, {"center"}, true);
  KILN_RETURN_IF_ERROR(
      context.expect_weight_count((scale ? 1 : 0) + (center ? 1 : 0), "gamma, beta"));
  size_t index = 0;
  Value* gamma = context.constant("gamma", make_float_tensor({}, {1.0f}));
  if (scale) {
    Result<WeightArray> w = context.weight(index++, "gamma", normalized, 1.0f);
    if (!w) return w.error();
    gamma = context.constant("gamma", make_float_tensor(w->dims, w->values));
  }
  std::vector<Value*> operands = {*view, gamma};
  if (center) {
    Result<WeightArray> w = context.weight(index++, "beta", normalized, 0.0f);
    if (!w) return w.error();
    operands.push_back(context.constant("beta", make_float_tensor(w->dims, w->values)));
  }
  Attributes attrs;
  attrs.set("axis", *axis);
  attrs.set("epsilon", config_number(config, {"epsilon"}, 1e-3));
  Result<Value*> y = context.add("LayerNormalization", operands, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, false);
}

}  // namespace

void register_normalization_layers(LayerConverterTable& table) {
  table["BatchNormalization"] = convert_batch_normalization;
  table["LayerNormalization"] = convert_layer_normalization;
}

}  // namespace kiln::keras_import
