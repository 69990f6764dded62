// WindowGeometry.h: the geometry of sliding-window ops (Conv, ConvTranspose, the pools) in one
// place, so the shape rules, the reference interpreter and the Halide lowering agree on padding and
// output sizes.
//
// For each spatial dim with input size W, kernel F, stride S, dilation d and pads (pb, pe):
//   span   = (F - 1) * d + 1                       (the extent one window covers)
//   output = floor((W + pb + pe - span) / S) + 1    (ceil_mode = 0)
//   output = ceil((W + pb + pe - span) / S) + 1     (ceil_mode = 1), minus one when the last window
//            would start at or past W + pb, i.e. entirely inside the right padding (ONNX/PyTorch).
//            A window longer than the padded input by less than S still gives one output there.
// auto_pad replaces the explicit pads: VALID means no padding; SAME_UPPER / SAME_LOWER pick
// output = ceil(W / S) and total padding max((output - 1) * S + span - W, 0), with the odd extra
// pixel at the end (UPPER) or the beginning (LOWER).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// How a window op's padding is chosen (the ONNX auto_pad attribute).
enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

/// The window attributes of one op, validated and with defaults filled in; one entry per
/// spatial dim in IR order (H before W).
struct WindowAttributes {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_begin;  ///< explicit pads (ignored unless auto_pad is NotSet)
  std::vector<int64_t> pad_end;
  AutoPad auto_pad = AutoPad::NotSet;
  bool ceil_mode = false;

  size_t spatial_rank() const { return kernel.size(); }
  /// The extent one window covers along `dim`: (kernel - 1) * dilation + 1.
  int64_t span(size_t dim) const { return (kernel[dim] - 1) * dilations[dim] + 1; }
};

/// Reads strides, dilations, pads, auto_pad and ceil_mode from `attrs` for a window with the given
/// kernel sizes (the Conv weight's spatial dims, or a pool's kernel_shape). Errors for lists whose
/// length does not match the kernel, non-positive kernel/stride/dilation, negative pads and an
/// unknown auto_pad.
Result<WindowAttributes> read_window_attributes(const Attributes& attrs,
                                                const std::vector<int64_t>& kernel);

/// The resolved geometry of one spatial dim for a concrete input size.
struct WindowDim {
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
  int64_t output = 0;
};

/// Resolves auto_pad and computes the output size along spatial dim `dim` for input size
/// `input`. Errors when the window does not fit in the (padded) input at all.
Result<WindowDim> resolve_window_dim(const WindowAttributes& window, size_t dim, int64_t input);

/// resolve_window_dim for every spatial dim; `input` holds the spatial input sizes.
Result<std::vector<WindowDim>> resolve_window(const WindowAttributes& window,
                                              const std::vector<int64_t>& input);

/// Parses an auto_pad attribute value; an error for unknown names.
Result<AutoPad> parse_auto_pad(const std::string& name);

// Transposed windows (ConvTranspose). Input i and kernel tap k feed output
//   o = i * S + k * d - pb
// so the output covers S * (W - 1) + output_padding + span - pb - pe elements. output_shape (when
// given) fixes the output size and derives the pads from total = S * (W - 1) + output_padding +
// span - output: SAME_UPPER puts floor(total / 2) first, otherwise total - floor(total / 2) goes
// first (floor division, so a negative total - an output past the natural one - extends it at the
// end, as ONNX's node tests expect). auto_pad SAME_* without output_shape asks for W * S outputs,
// split the same way; VALID drops the pads.

/// A transposed window: the forward window attributes plus the output_padding and output_shape
/// (spatial dims) of ConvTranspose.
struct TransposedWindowAttributes {
  WindowAttributes window;
  std::vector<int64_t> output_padding;
  std::vector<int64_t> output_shape;  ///< empty when not given
};

/// Reads a ConvTranspose's window attributes for `kernel` (the weight's spatial dims): those of
/// read_window_attributes plus output_padding (non-negative) and output_shape (its last
/// spatial-rank entries, positive).
Result<TransposedWindowAttributes> read_transposed_window_attributes(
    const Attributes& attrs, const std::vector<int64_t>& kernel);

/// Resolves the pads and output size of spatial dim `dim` for input size `input`. Pads may come
/// out negative (an output_shape past the natural size); errors when no output remains.
Result<WindowDim> resolve_transposed_window_dim(const TransposedWindowAttributes& attrs, size_t dim,
                                                int64_t input);

}  // namespace kiln
