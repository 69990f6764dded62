// ConvShape.h: what the convolution schedule templates need to know of a convolution node (Conv
// or ConvTranspose, ir/Ops.def's kConvolution rows), whatever its weight layout.
#pragma once

#include <cstdint>
#include <optional>

#include "ir/IR.h"

namespace kiln {

/// Channel counts and reduction size of a 2-D f32 convolution with a constant weight.
struct ConvShape {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t width = 0;  ///< output columns
  int64_t group = 1;
  bool depthwise = false;     ///< a Conv with one input channel per group, as many outputs
  int64_t kernel_width = 1;   ///< taps along the columns
  int64_t column_stride = 1;  ///< input columns between neighbouring output columns (Conv)
  /// Multiply-adds per output element in the channel-blocked (conv_channels) form.
  int64_t reduction = 0;

  /// A 1x1 dense convolution: each output reads one input pixel, all its channels once.
  bool pointwise() const { return kernel_width == 1 && reduction == in_channels; }
};

/// Taps one output element of a ConvTranspose reads along a dim of kernel K, stride s and
/// dilation d, in the gather form of LowerConvTranspose.cpp: K for stride 1, ceil(K / s) for
/// dilation 1 (the kernel split into phases), K otherwise (every tap tested).
int64_t transposed_taps(int64_t kernel, int64_t stride, int64_t dilation);

/// The shape of a 4-D f32 convolution node with a constant, static weight and static channels
/// and width whose channel-blocked form exists (dense or depthwise Conv; a group-1
/// ConvTranspose that is not both strided and dilated); nullopt otherwise.
std::optional<ConvShape> channel_blockable_conv(const Node& node);

}  // namespace kiln
