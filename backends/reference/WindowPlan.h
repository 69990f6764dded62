// WindowPlan.h: the geometry of a sliding-window op (Conv, MaxPool, AveragePool) resolved for
// concrete input sizes, padded out to three spatial dims so one loop nest serves 1-D, 2-D and
// 3-D windows. The padding arithmetic itself comes from the shared ir/shape_rules/WindowGeometry.h.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::reference {

/// One sliding window over (up to) three spatial dims. Missing leading dims have size 1,
/// kernel 1, stride 1, dilation 1 and no padding.
struct WindowPlan {
  static constexpr int kDims = 3;
  std::array<int64_t, kDims> input{1, 1, 1};
  std::array<int64_t, kDims> output{1, 1, 1};
  std::array<int64_t, kDims> kernel{1, 1, 1};
  std::array<int64_t, kDims> stride{1, 1, 1};
  std::array<int64_t, kDims> dilation{1, 1, 1};
  std::array<int64_t, kDims> pad_begin{0, 0, 0};
  std::array<int64_t, kDims> pad_end{0, 0, 0};
};

/// Resolves the window attributes (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode)
/// of an op for `spatial_input` sizes. `kernel` is the kernel size per spatial dim (from the Conv
/// weight, or the kernel_shape attribute for pools). Errors for more than 3 spatial dims.
Result<WindowPlan> plan_window(const Attributes& attrs, const std::vector<int64_t>& spatial_input,
                               const std::vector<int64_t>& kernel);

}  // namespace kiln::reference
