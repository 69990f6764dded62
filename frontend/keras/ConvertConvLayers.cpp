// ConvertConvLayers.cpp: Conv2D (and Keras 1 Convolution2D), Conv2DTranspose, DepthwiseConv2D,
// SeparableConv2D and Dense. Kernels are converted at import: HWIO -> OIHW, depthwise
// [kh,kw,C,M] -> [C*M,1,kh,kw], transposed [kh,kw,O,I] -> [I,O,kh,kw].
#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

/// Window settings common to the convolution layers, under every Keras spelling.
struct ConvWindow {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::string padding;
  bool channels_first = false;
};

ConvWindow read_conv_window(const json& config) {
  ConvWindow window;
  window.kernel = config_pair(config, {"kernel_size"}, {});
  if (window.kernel.empty() && config.contains("nb_row"))  // Keras 1
    window.kernel = {config_field(config, {"nb_row"}).get<int64_t>(),
                     config_field(config, {"nb_col"}).get<int64_t>()};
  window.strides = config_pair(config, {"strides", "subsample"}, {1, 1});
  window.dilations = config_pair(config, {"dilation_rate", "atrous_rate"}, {1, 1});
  window.padding = config_string(config, {"padding", "border_mode"}, "valid");
  window.channels_first = is_channels_first(config);
  return window;
}

Result<Attributes> conv_attributes(LayerContext& context, const ConvWindow& window) {
  if (window.kernel.size() != 2) return context.error("has no valid kernel_size");
  Attributes attrs;
  attrs.set("kernel_shape", window.kernel);
  attrs.set("strides", window.strides);
  attrs.set("dilations", window.dilations);
  if (window.padding == "valid") {
    attrs.set("auto_pad", std::string("VALID"));
  } else if (window.padding == "same") {
    // Keras "same": total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0), the extra pixel at the
    // end.
    attrs.set("auto_pad", std::string("SAME_UPPER"));
  } else {
    return context.error("unsupported padding '" + window.padding + "'");
  }
  return attrs;
}

Result<KerasTensor> finish_with_activation(LayerContext& context, Value* output,
                                           bool channels_first) {
  // channels_last layers produce the NCHW view of their NHWC result.
  return apply_activation(context, tensor_in_layout(output, !channels_first),
                          activation_name(context.config()));
}

Result<Value*> optional_bias(LayerContext& context, bool use_bias, size_t index, int64_t size) {
  if (!use_bias) return static_cast<Value*>(nullptr);
  Result<WeightArray> bias = context.weight(index, "bias", {size}, 0.0f);
  if (!bias) return bias.error();
  return context.constant("bias", make_float_tensor(bias->dims, bias->values));
}

Result<KerasTensor> convert_conv2d(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  ConvWindow window = read_conv_window(config);
  Result<Attributes> attrs = conv_attributes(context, window);
  if (!attrs) return attrs.error();
  Result<Value*> x = context.nchw_input(**input, window.channels_first);
  if (!x) return x.error();
  Result<int64_t> filters = context.count_field({"filters", "nb_filter"}, -1);
  if (!filters) return filters.error();
  Result<int64_t> groups = context.count_field({"groups"}, 1);
  if (!groups) return groups.error();
  bool use_bias = config_bool(config, {"use_bias", "bias"}, true);
  int64_t in_channels = KerasGraphBuilder::static_dim(*x, 1);
  int64_t group_channels = in_channels > 0 ? in_channels / *groups : -1;
  KILN_RETURN_IF_ERROR(context.expect_weight_count(use_bias ? 2 : 1, "kernel, bias"));
  // Keras 1 with dim_ordering "th" stored kernels as [O, I, kh, kw] already.
  bool stored_oihw = config_string(config, {"dim_ordering"}, "") == "th";
  std::vector<int64_t> expected =
      stored_oihw
          ? std::vector<int64_t>{*filters, group_channels, window.kernel[0], window.kernel[1]}
          : std::vector<int64_t>{window.kernel[0], window.kernel[1], group_channels, *filters};
  Result<WeightArray> kernel = context.weight(0, "kernel", expected, 0.0f);
  if (!kernel) return kernel.error();
  std::vector<float> oihw = stored_oihw ? kernel->values : permute_array(*kernel, {3, 2, 0, 1});
  const std::vector<int64_t>& d = kernel->dims;
  std::vector<int64_t> oihw_dims = stored_oihw ? d : std::vector<int64_t>{d[3], d[2], d[0], d[1]};
  Value* weights = context.constant("kernel", make_float_tensor(oihw_dims, oihw));
  Result<Value*> bias = optional_bias(context, use_bias, 1, oihw_dims[0]);
  if (!bias) return bias.error();
  attrs->set("group", *groups);
  std::vector<Value*> operands = {*x, weights};
  if (*bias) operands.push_back(*bias);
  Result<Value*> y = context.add("Conv", operands, *attrs);
  if (!y) return y.error();
  return finish_with_activation(context, *y, window.channels_first);
}

/// Pads and output_padding of one dim of a Keras Conv2DTranspose, which TensorFlow computes as
/// the gradient of a convolution from an output of Keras's length L (deconv_output_length) to
/// the input: the full transposed result, (in - 1) * s + k_eff long, loses
/// max(total, 0) = max((in - 1) * s + k_eff - L, 0) elements, the smaller half first (TF's SAME
/// split), and a negative total extends it with zeros at the end. total does not depend on the
/// input size, so symbolic sizes convert too.
struct TransposedPadding {
  int64_t begin = 0, end = 0, output_padding = 0;
};
TransposedPadding keras_transposed_padding(int64_t kernel, int64_t stride, int64_t dilation,
                                           bool same, std::optional<int64_t> output_padding) {
  const int64_t span = (kernel - 1) * dilation + 1;
  int64_t total;  // (in - 1) * s + span - L
  if (output_padding) {
    const int64_t pad = same ? span / 2 : 0;
    total = 2 * pad - *output_padding;
  } else {
    total = same ? span - stride : std::min<int64_t>(span - stride, 0);
  }
  TransposedPadding p;
  const int64_t cropped = std::max<int64_t>(total, 0);
  p.begin = cropped / 2;
  p.end = cropped - p.begin;
  p.output_padding = std::max<int64_t>(-total, 0);
  return p;
}

Result<KerasTensor> convert_conv2d_transpose(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  ConvWindow window = read_conv_window(config);
  if (window.kernel.size() != 2) return context.error("has no valid kernel_size");
  if (window.padding != "valid" && window.padding != "same")
    return context.error("unsupported padding '" + window.padding + "'");
  std::optional<std::vector<int64_t>> output_padding;
  if (config.contains("output_padding") && !config["output_padding"].is_null())
    output_padding = config_pair(config, {"output_padding"}, {0, 0});
  Result<Value*> x = context.nchw_input(**input, window.channels_first);
  if (!x) return x.error();
  Result<int64_t> filters = context.count_field({"filters"}, -1);
  if (!filters) return filters.error();
  bool use_bias = config_bool(config, {"use_bias"}, true);
  KILN_RETURN_IF_ERROR(context.expect_weight_count(use_bias ? 2 : 1, "kernel, bias"));
  const int64_t in_channels = KerasGraphBuilder::static_dim(*x, 1);
  Result<WeightArray> kernel = context.weight(
      0, "kernel", {window.kernel[0], window.kernel[1], *filters, in_channels}, 0.0f);
  if (!kernel) return kernel.error();
  const std::vector<int64_t>& d = kernel->dims;
  Value* weights = context.constant(
      "kernel", make_float_tensor({d[3], d[2], d[0], d[1]}, permute_array(*kernel, {3, 2, 0, 1})));
  Result<Value*> bias = optional_bias(context, use_bias, 1, d[2]);
  if (!bias) return bias.error();
  std::vector<int64_t> begins, ends, extra;
  for (size_t i = 0; i < 2; ++i) {
    if (output_padding && ((*output_padding)[i] < 0 || (*output_padding)[i] >= window.strides[i]))
      return context.error("output_padding must lie in [0, strides)");
    TransposedPadding p = keras_transposed_padding(
        window.kernel[i], window.strides[i], window.dilations[i], window.padding == "same",
        output_padding ? std::optional<int64_t>((*output_padding)[i]) : std::nullopt);
    begins.push_back(p.begin);
    ends.push_back(p.end);
    extra.push_back(p.output_padding);
  }
  Attributes attrs;
  attrs.set("kernel_shape", window.kernel);
  attrs.set("strides", window.strides);
  attrs.set("dilations", window.dilations);
  attrs.set("pads", std::vector<int64_t>{begins[0], begins[1], ends[0], ends[1]});
  attrs.set("output_padding", extra);
  std::vector<Value*> operands = {*x, weights};
  if (*bias) operands.push_back(*bias);
  Result<Value*> y = context.add("ConvTranspose", operands, attrs);
  if (!y) return y.error();
  return finish_with_activation(context, *y, window.channels_first);
}

/// A depthwise kernel [kh,kw,C,M] as grouped-Conv weights [C*M,1,kh,kw].
Value* depthwise_weights(LayerContext& context, const WeightArray& kernel) {
  const std::vector<int64_t>& d = kernel.dims;
  std::vector<float> values = permute_array(kernel, {2, 3, 0, 1});
  return context.constant("depthwise_kernel",
                          make_float_tensor({d[2] * d[3], 1, d[0], d[1]}, values));
}

Result<KerasTensor> convert_depthwise_or_separable(LayerContext& context, bool separable) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  const json& config = context.config();
  ConvWindow window = read_conv_window(config);
  Result<Attributes> attrs = conv_attributes(context, window);
  if (!attrs) return attrs.error();
  Result<Value*> x = context.nchw_input(**input, window.channels_first);
  if (!x) return x.error();
  int64_t channels = KerasGraphBuilder::static_dim(*x, 1);
  Result<int64_t> depth_multiplier = context.count_field({"depth_multiplier"}, 1);
  if (!depth_multiplier) return depth_multiplier.error();
  const int64_t multiplier = *depth_multiplier;
  bool use_bias = config_bool(config, {"use_bias", "bias"}, true);
  KILN_RETURN_IF_ERROR(context.expect_weight_count(
      (separable ? 2 : 1) + (use_bias ? 1 : 0),
      separable ? "depthwise_kernel, pointwise_kernel, bias" : "depthwise_kernel, bias"));
  Result<WeightArray> kernel = context.weight(
      0, "depthwise_kernel", {window.kernel[0], window.kernel[1], channels, multiplier}, 0.0f);
  if (!kernel) return kernel.error();
  int64_t depth_out = kernel->dims[2] * kernel->dims[3];
  attrs->set("group", kernel->dims[2]);
  std::vector<Value*> operands = {*x, depthwise_weights(context, *kernel)};
  if (!separable) {
    Result<Value*> bias = optional_bias(context, use_bias, 1, depth_out);
    if (!bias) return bias.error();
    if (*bias) operands.push_back(*bias);
  }
  Result<Value*> y = context.add("Conv", operands, *attrs);
  if (!y) return y.error();
  if (separable) {
    Result<int64_t> filters = context.count_field({"filters", "nb_filter"}, -1);
    if (!filters) return filters.error();
    Result<WeightArray> pointwise =
        context.weight(1, "pointwise_kernel", {1, 1, depth_out, *filters}, 0.0f);
    if (!pointwise) return pointwise.error();
    std::vector<float> oihw = permute_array(*pointwise, {3, 2, 0, 1});
    Value* weights = context.constant(
        "pointwise_kernel", make_float_tensor({pointwise->dims[3], depth_out, 1, 1}, oihw));
    Result<Value*> bias = optional_bias(context, use_bias, 2, pointwise->dims[3]);
    if (!bias) return bias.error();
    std::vector<Value*> pointwise_operands = {*y, weights};
    if (*bias) pointwise_operands.push_back(*bias);
    Attributes pointwise_attrs;
    pointwise_attrs.set("kernel_shape", std::vector<int64_t>{1, 1});
    y = context.add("Conv", pointwise_operands, pointwise_attrs);
    if (!y) return y.error();
  }
  return finish_with_activation(context, *y, window.channels_first);
}

Result<KerasTensor> convert_depthwise_conv2d(LayerContext& context) {
  return convert_depthwise_or_separable(context, false);
}

Result<KerasTensor> convert_separable_conv2d(LayerContext& context) {
  return convert_depthwise_or_separable(context, true);
}

/// Dense on the last axis: Gemm for rank 2, MatMul + Add otherwise.
Result<KerasTensor> convert_dense(LayerContext& context) {
  Result<KerasTensor*> input = context.single_input();
  if (!input) return input.error();
  Result<Value*> x = context.builder.keras_view(**input, context.layer.name);
  if (!x) return x.error();
  const json& config = context.config();
  Result<int64_t> units_field = context.count_field({"units", "output_dim"}, -1);
  if (!units_field) return units_field.error();
  const int64_t units = *units_field;
  bool use_bias = config_bool(config, {"use_bias", "bias"}, true);
  KILN_RETURN_IF_ERROR(context.expect_weight_count(use_bias ? 2 : 1, "kernel, bias"));
  Result<WeightArray> kernel =
      context.weight(0, "kernel", {KerasGraphBuilder::static_dim(*x, -1), units}, 0.0f);
  if (!kernel) return kernel.error();
  Value* weights = context.constant("kernel", make_float_tensor(kernel->dims, kernel->values));
  Result<Value*> bias = optional_bias(context, use_bias, 1, kernel->dims[1]);
  if (!bias) return bias.error();
  Result<Value*> y = Error{};
  if (KerasGraphBuilder::rank_of(*x) == 2) {
    std::vector<Value*> operands = {*x, weights};
    if (*bias) operands.push_back(*bias);
    y = context.add("Gemm", operands);
  } else {
    y = context.add("MatMul", {*x, weights});
    if (y && *bias) y = context.add("Add", {*y, *bias});
  }
  if (!y) return y.error();
  return apply_activation(context, tensor_in_layout(*y, false), activation_name(config));
}

}  // namespace

void register_conv_layers(LayerConverterTable& table) {
  table["Conv2D"] = convert_conv2d;
  table["Conv2DTranspose"] = convert_conv2d_transpose;
  table["Convolution2D"] = convert_conv2d;
  table["DepthwiseConv2D"] = convert_depthwise_conv2d;
  table["SeparableConv2D"] = convert_separable_conv2d;
  table["SeparableConvolution2D"] = convert_separable_conv2d;
  table["Dense"] = convert_dense;
}

}  // namespace kiln::keras_import
