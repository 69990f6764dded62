// ResizeGeometry.h: the sampling geometry of Resize in one place, so the shape rule, the reference
// interpreter and the Halide lowering agree on output sizes, coordinates and interpolation
// weights (ONNX Resize, opsets 10 to 19; Upsample and Keras UpSampling2D import into it).
//
// Resize is separable: each output element is a weighted sum over the product of per-axis taps,
//   out[o_0, ..., o_r] = sum over (t_0..t_r) of prod_d weight_d[o_d][t_d] * in[index_d[o_d][t_d]]
// where axis d maps output coordinate o to x = transform(o) in the input (the
// coordinate_transformation_mode, in double precision as ONNX's reference computes it), then:
//   nearest  one tap: floor(x) or floor(x) + 1 by nearest_mode (an integral x is itself)
//   linear   two taps at floor(x), floor(x) + 1 with weights 1 - f, f (f = x - floor(x))
//   cubic    four taps from floor(x) - 1 with Keys' coefficients for cubic_coeff_a
// With antialias (opset 18) a downsampling linear/cubic axis stretches the filter by 1/scale
// (more taps, normalised to sum 1). Taps outside the input read the edge element; with
// exclude_outside their weights are zeroed and the rest renormalised. Under tf_crop_and_resize
// an x outside [0, in - 1] on any axis makes the element extrapolation_value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Resize's interpolation.
enum class ResizeMode { Nearest, Linear, Cubic };

/// Resize's attributes, validated, defaults filled in and per-axis lists spread over every dim.
struct ResizeAttributes {
  ResizeMode mode = ResizeMode::Nearest;
  std::string coordinate_mode = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0.0;
  bool antialias = false;
  std::string aspect_policy = "stretch";  ///< keep_aspect_ratio_policy (with sizes only)
  std::vector<bool> resized;              ///< per dim: listed in `axes` (every dim without axes)
  std::vector<double> scales;             ///< per dim (1 where not resized); empty with sizes
  std::vector<int64_t> sizes;             ///< per dim (-1 where not resized); empty with scales
  std::vector<double> roi;                ///< starts then ends, per dim ([0..., 1...] default)

  bool has_sizes() const { return !sizes.empty(); }
};

/// Reads Resize's attributes for an input of `rank` dims: mode, coordinate_transformation_mode,
/// nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value, antialias,
/// keep_aspect_ratio_policy, axes, and exactly one of scales (positive) / sizes (non-negative),
/// one entry per axis; roi (2 entries per axis) for tf_crop_and_resize.
Result<ResizeAttributes> read_resize_attributes(const Attributes& attrs, size_t rank);

/// One dim of a Resize resolved for a static input size.
struct ResizedDim {
  int64_t input = 0;
  int64_t output = 0;
  double scale = 1.0;         ///< what the coordinate transform divides by
  double output_width = 0.0;  ///< scale * input: the spec's length_resized, not rounded
};

/// Output sizes and effective scales of every dim for static input sizes: floor(in * scale)
/// with scales; the sizes (scale = size / in) otherwise, under keep_aspect_ratio_policy one scale
/// for the resized dims (the smaller or larger ratio) and sizes rounded half up from it.
Result<std::vector<ResizedDim>> resolve_resize(const ResizeAttributes& attrs,
                                               const std::vector<int64_t>& input);

/// Interpolation taps of one dim: for each output coordinate o, `taps` (index, weight) pairs at
/// o * taps + t. Indices are clamped into [0, input); `outside[o]` marks an extrapolated
/// coordinate (tf_crop_and_resize), whose weights are zero.
struct ResizeTaps {
  int64_t taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<uint8_t> outside;

  /// True when every output element copies the input element at its own coordinate.
  bool is_identity() const;
  /// True when some coordinate is extrapolated.
  bool extrapolates() const;
};

/// The taps of dim `dim` (its geometry from resolve_resize).
ResizeTaps resize_taps(const ResizeAttributes& attrs, size_t dim, const ResizedDim& geometry);

}  // namespace kiln
