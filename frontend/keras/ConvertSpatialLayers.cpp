// ConvertSpatialLayers.cpp: pooling (MaxPooling2D, AveragePooling2D, the global pools),
// ZeroPadding2D and Cropping2D, in either data_format.
#include <climits>
#include <limits>

#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

Result<KerasTensor> convert_pool(LayerContext& context, const std::string& op) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  bool channels_first = is_channels_first(config);
  std::vector<int64_t> pool = config_pair(config, {"pool_size"}, {2, 2});
  std::vector<int64_t> strides = config_pair(config, {"strides"}, pool);
  std::string padding = config_string(config, {"padding", "border_mode"}, "valid");
  Attributes attrs;
  attrs.set("kernel_shape", pool);
  attrs.set("strides", strides);
  if (padding == "same") {
    attrs.set("auto_pad", std::string("SAME_UPPER"));  // Keras averages over real pixels only
  } else if (padding == "valid") {
    attrs.set("auto_pad", std::string("VALID"));
  } else {
    return context.error("unsupported padding '" + padding + "'");
  }
  Result<Value*> x = context.nchw_input(**input, channels_first);
  if (!x) return x.error();
  Result<Value*> y = context.add(op, {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, !channels_first);
}

Result<KerasTensor> convert_max_pooling(LayerContext& context) {
  return convert_pool(context, "MaxPool");
}

Result<KerasTensor> convert_average_pooling(LayerContext& context) {
  return convert_pool(context, "AveragePool");
}

Result<KerasTensor> convert_global_pool(LayerContext& context, const std::string& op) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  bool channels_first = is_channels_first(context.config());
  Result<Value*> x = context.nchw_input(**input, channels_first);
  if (!x) return x.error();
  Result<Value*> pooled = context.add(op, {*x});
  if (!pooled) return pooled.error();
  if (config_bool(context.config(), {"keepdims"}, false))
    return tensor_in_layout(*pooled, !channels_first);
  Attributes attrs;
  attrs.set("axis", int64_t{1});
  Result<Value*> flat = context.add("Flatten", {*pooled}, attrs);
  if (!flat) return flat.error();
  return tensor_in_layout(*flat, false);
}

Result<KerasTensor> convert_global_average_pooling(LayerContext& context) {
  return convert_global_pool(context, "GlobalAveragePool");
}

Result<KerasTensor> convert_global_max_pooling(LayerContext& context) {
  return convert_global_pool(context, "GlobalMaxPool");
}

/// ZeroPadding2D / Cropping2D amounts as {top, bottom, left, right}: an int, a (h, w) pair, a
/// ((top, bottom), (left, right)) pair of pairs, or Keras 1's flat 4-list.
Result<std::vector<int64_t>> edge_amounts(LayerContext& context, const char* key) {
  const json& field = config_field(context.config(), {key});
  if (field.is_null()) return std::vector<int64_t>{1, 1, 1, 1};
  auto is_int = [](const json& j) { return j.is_number_integer(); };
  if (is_int(field)) {
    int64_t p = field;
    return std::vector<int64_t>{p, p, p, p};
  }
  if (field.is_array() && field.size() == 2 && is_int(field[0]) && is_int(field[1]))
    return std::vector<int64_t>{field[0], field[0], field[1], field[1]};
  if (field.is_array() && field.size() == 4 && std::all_of(field.begin(), field.end(), is_int))
    return std::vector<int64_t>{field[0], field[1], field[2], field[3]};
  if (field.is_array() && field.size() == 2 && field[0].is_array() && field[1].is_array() &&
      field[0].size() == 2 && field[1].size() == 2 && is_int(field[0][0]) && is_int(field[0][1]) &&
      is_int(field[1][0]) && is_int(field[1][1]))
    return std::vector<int64_t>{field[0][0], field[0][1], field[1][0], field[1][1]};
  return context.error(std::string("cannot read '") + key + "' (" + field.type_name() +
                       "): expected an int, an (h, w) pair or ((top, bottom), (left, right))");
}

/// edge_amounts, each from 0 to 2^31 - 1 (no extent Kiln compiles is longer).
Result<std::vector<int64_t>> checked_edge_amounts(LayerContext& context, const char* key) {
  Result<std::vector<int64_t>> amounts = edge_amounts(context, key);
  if (!amounts) return amounts.error();
  for (int64_t amount : *amounts)
    if (amount < 0 || amount > INT32_MAX)
      return context.error(std::string("'") + key + "' amounts must be integers from 0 to " +
                           "2^31 - 1, not " + std::to_string(amount));
  return amounts;
}

Result<KerasTensor> convert_zero_padding(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  Result<std::vector<int64_t>> amounts = checked_edge_amounts(context, "padding");
  if (!amounts) return amounts.error();
  bool channels_first = is_channels_first(context.config());
  Result<Value*> x = context.nchw_input(**input, channels_first);
  if (!x) return x.error();
  const std::vector<int64_t>& a = *amounts;
  Attributes attrs;
  attrs.set("pads", std::vector<int64_t>{0, 0, a[0], a[2], 0, 0, a[1], a[3]});
  Result<Value*> y = context.add("Pad", {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, !channels_first);
}

// UpSampling2D: a Resize by the integral factors `size`. 'nearest' repeats each pixel
// (o / size: asymmetric coordinates, floor); 'bilinear' is TensorFlow's resize with half-pixel
// centres and no antialiasing, which is ONNX's half_pixel linear (edge pixels clamp the same way).
Result<KerasTensor> convert_up_sampling(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const nlohmann::json& interpolation = config_field(context.config(), {"interpolation"});
  const std::string method =
      interpolation.is_string() ? interpolation.get<std::string>() : "nearest";
  if (method != "nearest" && method != "bilinear")
    return context.error("UpSampling2D interpolation '" + method +
                         "' is not supported (nearest or bilinear)");
  std::vector<int64_t> size = config_pair(context.config(), {"size"}, {2, 2});
  if (size[0] < 1 || size[1] < 1) return context.error("UpSampling2D size must be positive");
  bool channels_first = is_channels_first(context.config());
  Result<Value*> x = context.nchw_input(**input, channels_first);
  if (!x) return x.error();
  Attributes attrs;
  attrs.set("scales", std::vector<double>{1, 1, double(size[0]), double(size[1])});
  if (method == "nearest") {
    attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
    attrs.set("nearest_mode", std::string("floor"));
  } else {
    attrs.set("mode", std::string("linear"));
  }
  Result<Value*> y = context.add("Resize", {*x}, attrs);
  if (!y) return y.error();
  return tensor_in_layout(*y, !channels_first);
}

Result<KerasTensor> convert_cropping(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  Result<std::vector<int64_t>> amounts = checked_edge_amounts(context, "cropping");
  if (!amounts) return amounts.error();
  bool channels_first = is_channels_first(context.config());
  Result<Value*> x = context.nchw_input(**input, channels_first);
  if (!x) return x.error();
  const std::vector<int64_t>& a = *amounts;
  // Keras refuses a crop that leaves nothing; as a Slice it would clamp to an empty tensor.
  for (int axis : {2, 3}) {
    const int64_t size = KerasGraphBuilder::static_dim(*x, axis);
    const int64_t crop = a[2 * (axis - 2)] + a[2 * (axis - 2) + 1];
    if (size >= 0 && crop >= size)
      return context.error("cropping " + std::to_string(crop) + " of a " +
                           (axis == 2 ? "height" : "width") + " of " + std::to_string(size) +
                           " leaves nothing");
  }
  // A zero crop at the end keeps everything: slice to the largest end instead of to -0.
  auto end_of = [](int64_t crop) { return crop ? -crop : std::numeric_limits<int64_t>::max(); };
  KerasGraphBuilder& builder = context.builder;
  Value* starts = builder.int64_constant(context.layer.name, "starts", {a[0], a[2]});
  Value* ends = builder.int64_constant(context.layer.name, "ends", {end_of(a[1]), end_of(a[3])});
  Value* axes = builder.int64_constant(context.layer.name, "axes", {2, 3});
  Result<Value*> y = context.add("Slice", {*x, starts, ends, axes});
  if (!y) return y.error();
  return tensor_in_layout(*y, !channels_first);
}

}  // namespace

void register_spatial_layers(LayerConverterTable& table) {
  table["MaxPooling2D"] = convert_max_pooling;
  table["MaxPool2D"] = convert_max_pooling;
  table["AveragePooling2D"] = convert_average_pooling;
  table["AvgPool2D"] = convert_average_pooling;
  table["GlobalAveragePooling2D"] = convert_global_average_pooling;
  table["GlobalAvgPool2D"] = convert_global_average_pooling;
  table["GlobalMaxPooling2D"] = convert_global_max_pooling;
  table["GlobalMaxPool2D"] = convert_global_max_pooling;
  table["ZeroPadding2D"] = convert_zero_padding;
  table["Cropping2D"] = convert_cropping;
  table["UpSampling2D"] = convert_up_sampling;
}

}  // namespace kiln::keras_import
