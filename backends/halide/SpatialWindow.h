// SpatialWindow.h: the sliding-window geometry shared by the Conv and pooling lowerings: kernel,
// strides, dilations and the padding each spatial dim resolves to (auto_pad included).
#pragma once

#include <Halide.h>

#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::halide_lowering {

/// One window per spatial dim, in IR order (H before W).
struct SpatialWindow {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_begin;
  std::vector<int64_t> pad_end;

  size_t spatial_rank() const { return kernel.size(); }
  /// True when some pad is non-zero (reads may fall outside the input).
  bool has_padding() const;
};

/// Resolves the window of `node` given its kernel and the spatial extents of its input and
/// output (IR order). auto_pad SAME_* needs static extents; an error says so otherwise.
Result<SpatialWindow> resolve_spatial_window(const Node& node, std::vector<int64_t> kernel,
                                             const std::vector<Halide::Expr>& input_extents,
                                             const std::vector<Halide::Expr>& output_extents);

/// `input` extended past its spatial dims (the last `spatial_rank` IR dims) with `exterior`.
/// Reads stay clamped inside the input, so bounds inference never asks for more than it holds.
Halide::Func pad_spatial(const Halide::Func& input, const std::vector<Halide::Expr>& extents,
                         size_t spatial_rank, const Halide::Expr& exterior,
                         const std::string& name);

}  // namespace kiln::halide_lowering
