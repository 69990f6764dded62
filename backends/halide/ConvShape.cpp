// ConvShape.cpp: channel counts and reduction sizes of Conv and ConvTranspose nodes.
#include "backends/halide/ConvShape.h"

#include "ir/OpSchema.h"

namespace kiln {

int64_t transposed_taps(int64_t kernel, int64_t stride, int64_t dilation) {
  if (stride == 1 || dilation != 1) return kernel;
  return (kernel + stride - 1) / stride;
}

std::optional<ConvShape> channel_blockable_conv(const Node& node) {
  if (!is_convolution_op(node.op)) return std::nullopt;
  const Value* x = node.input(0);
  const Value* w = node.input(1);
  const Value* out = node.output(0);
  for (const Value* v : {x, w, out})
    if (!v || !v->type.shape || v->type.shape->size() != 4 || v->type.dtype != DType::Float32)
      return std::nullopt;
  if (!w->is_constant() || !is_static(*w->type.shape)) return std::nullopt;
  const Shape& out_shape = *out->type.shape;
  const Shape& w_shape = *w->type.shape;
  const Dim& in_channels = (*x->type.shape)[1];
  if (!out_shape[1].is_static() || !out_shape[3].is_static() || !in_channels.is_static())
    return std::nullopt;
  ConvShape s;
  s.in_channels = in_channels.value;
  s.out_channels = out_shape[1].value;
  s.width = out_shape[3].value;
  s.group = node.attrs.get_int("group", 1);
  s.kernel_width = w_shape[3].value;
  if (node.op == "ConvTranspose") {
    // Weight [C, M, KH, KW]; the blocked form is written for dense ones.
    if (s.group != 1) return std::nullopt;
    std::vector<int64_t> strides = node.attrs.get_ints("strides", {1, 1});
    std::vector<int64_t> dilations = node.attrs.get_ints("dilations", {1, 1});
    if (strides.size() != 2) strides = {1, 1};
    if (dilations.size() != 2) dilations = {1, 1};
    for (size_t i = 0; i < 2; ++i)
      if (strides[i] > 1 && dilations[i] > 1) return std::nullopt;
    s.reduction = s.in_channels * transposed_taps(w_shape[2].value, strides[0], dilations[0]) *
                  transposed_taps(w_shape[3].value, strides[1], dilations[1]);
    return s;
  }
  // Conv: weight [M, C / group, KH, KW]; dense or depthwise.
  s.depthwise = s.group > 1 && s.group == s.in_channels && s.group == s.out_channels;
  if (s.group != 1 && !s.depthwise) return std::nullopt;
  s.reduction = w_shape[1].value * w_shape[2].value * w_shape[3].value;
  const std::vector<int64_t> strides = node.attrs.get_ints("strides", {1, 1});
  if (strides.size() == 2) s.column_stride = strides[1];
  return s;
}

}  // namespace kiln
