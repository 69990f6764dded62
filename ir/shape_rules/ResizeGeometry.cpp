// ResizeGeometry.cpp: Resize's attributes, output sizes, coordinate transforms and taps.
#include "ir/shape_rules/ResizeGeometry.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace kiln {
namespace {

constexpr int64_t kMaxResizedSize = (int64_t{1} << 31) - 1;

const std::set<std::string>& coordinate_modes() {
  static const std::set<std::string> modes = {
      "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
      "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  return modes;
}

std::string join(const std::set<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The input coordinate output coordinate `o` samples along a dim (ONNX's x_original).
double original_coordinate(const ResizeAttributes& attrs, size_t dim, const ResizedDim& g,
                           int64_t o) {
  const double x = double(o), in = double(g.input), scale = g.scale;
  const std::string& mode = attrs.coordinate_mode;
  if (mode == "asymmetric") return x / scale;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (mode == "pytorch_half_pixel") return g.output > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "align_corners")
    return g.output_width == 1.0 ? 0.0 : x * (in - 1) / (g.output_width - 1);
  if (mode == "tf_crop_and_resize") {
    const size_t rank = attrs.roi.size() / 2;
    const double start = attrs.roi[dim], end = attrs.roi[rank + dim];
    const double offset = g.output_width == 1.0
                              ? (end - start) * (in - 1) / 2
                              : x * (end - start) * (in - 1) / (g.output_width - 1);
    return offset + start * (in - 1);
  }
  if (mode == "half_pixel_symmetric") {
    // Centres the sampled region when rounding made the output smaller than scale * input.
    const double adjustment = double(g.output) / g.output_width;
    const double center = in / 2;
    return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  }
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

// Keys' cubic kernel at distance `x` with coefficient `a`.
double cubic_kernel(double x, double a) {
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0.0;
}

// Weights of the taps at floor + first, ..., floor + first + n - 1 for `ratio` in (0, 1] (the
// position past `floor`). Returns `first`.
int64_t interpolation_weights(const ResizeAttributes& attrs, double ratio, double scale,
                              std::vector<double>& weights) {
  const double a = attrs.cubic_coeff_a;
  weights.clear();
  if (attrs.antialias && scale < 1.0) {
    // The filter stretched by 1 / scale, its taps normalised to sum 1 (ONNX's reference).
    const double reach = attrs.mode == ResizeMode::Linear ? 1.0 : 2.0;
    const int64_t first = int64_t(std::floor(-reach / scale)) + 1;
    const int64_t count = 2 - 2 * first;
    double sum = 0;
    for (int64_t i = 0; i < count; ++i) {
      const double arg = (double(first + i) - ratio) * scale;
      const double w = attrs.mode == ResizeMode::Linear ? std::clamp(1 - std::fabs(arg), 0.0, 1.0)
                                                        : cubic_kernel(arg, a);
      weights.push_back(w);
      sum += w;
    }
    for (double& w : weights) w /= sum;
    return first;
  }
  if (attrs.mode == ResizeMode::Linear) {
    weights = {1 - ratio, ratio};
    return 0;
  }
  const double r = ratio, s = 1 - ratio;
  weights = {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
             ((a + 2) * r - (a + 3)) * r * r + 1, ((a + 2) * s - (a + 3)) * s * s + 1,
             ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a};
  return -1;
}

// The neighbour nearest_mode picks: `floor` or floor + 1, `ratio` in (0, 1] past floor.
int64_t nearest_neighbour(const std::string& mode, int64_t floor, double ratio) {
  if (ratio == 1.0) return floor + 1;  // an integral coordinate is itself
  bool up = false;
  if (mode == "round_prefer_floor") up = ratio > 0.5;
  if (mode == "round_prefer_ceil") up = ratio >= 0.5;
  if (mode == "ceil") up = true;
  return up ? floor + 1 : floor;
}

}  // namespace

Result<ResizeAttributes> read_resize_attributes(const Attributes& attrs, size_t rank) {
  ResizeAttributes r;
  const std::string mode = attrs.get_string("mode", "nearest");
  if (mode == "nearest") {
    r.mode = ResizeMode::Nearest;
  } else if (mode == "linear") {
    r.mode = ResizeMode::Linear;
  } else if (mode == "cubic") {
    r.mode = ResizeMode::Cubic;
  } else {
    return make_error("Resize mode '" + mode + "' is unknown (nearest, linear or cubic)");
  }
  r.coordinate_mode = attrs.get_string("coordinate_transformation_mode", "half_pixel");
  if (!coordinate_modes().count(r.coordinate_mode))
    return make_error("Resize coordinate_transformation_mode '" + r.coordinate_mode +
                      "' is unknown (" + join(coordinate_modes()) + ")");
  r.nearest_mode = attrs.get_string("nearest_mode", "round_prefer_floor");
  const std::set<std::string> nearest_modes = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                               "ceil"};
  if (!nearest_modes.count(r.nearest_mode))
    return make_error("Resize nearest_mode '" + r.nearest_mode + "' is unknown (" +
                      join(nearest_modes) + ")");
  r.cubic_coeff_a = attrs.get_float("cubic_coeff_a", -0.75);
  r.exclude_outside = attrs.get_int("exclude_outside", 0) != 0;
  r.extrapolation_value = attrs.get_float("extrapolation_value", 0.0);
  r.antialias = attrs.get_int("antialias", 0) != 0;
  r.aspect_policy = attrs.get_string("keep_aspect_ratio_policy", "stretch");
  if (r.aspect_policy != "stretch" && r.aspect_policy != "not_larger" &&
      r.aspect_policy != "not_smaller")
    return make_error("Resize keep_aspect_ratio_policy '" + r.aspect_policy +
                      "' is unknown (stretch, not_larger or not_smaller)");

  // The dims the per-axis lists name, in their order.
  std::vector<size_t> axes;
  if (attrs.has("axes")) {
    for (int64_t axis : attrs.get_ints("axes")) {
      const int64_t resolved = axis < 0 ? axis + int64_t(rank) : axis;
      if (resolved < 0 || resolved >= int64_t(rank))
        return make_error("Resize axis " + std::to_string(axis) + " is out of range for rank " +
                          std::to_string(rank));
      if (std::find(axes.begin(), axes.end(), size_t(resolved)) != axes.end())
        return make_error("Resize axes repeat axis " + std::to_string(axis));
      axes.push_back(size_t(resolved));
    }
  } else {
    for (size_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  r.resized.assign(rank, false);
  for (size_t axis : axes) r.resized[axis] = true;

  const bool has_scales = attrs.has("scales"), has_sizes = attrs.has("sizes");
  if (has_scales == has_sizes) return make_error("Resize needs exactly one of scales and sizes");
  const std::string count = std::to_string(axes.size());
  if (has_scales) {
    std::vector<double> scales = attrs.get_floats("scales");
    if (scales.size() != axes.size())
      return make_error("Resize has " + std::to_string(scales.size()) + " scales for " + count +
                        " axes");
    r.scales.assign(rank, 1.0);
    for (size_t i = 0; i < axes.size(); ++i) {
      if (!(scales[i] > 0) || !std::isfinite(scales[i]))
        return make_error("Resize scales must be positive and finite, got " +
                          std::to_string(scales[i]));
      r.scales[axes[i]] = scales[i];
    }
  } else {
    std::vector<int64_t> sizes = attrs.get_ints("sizes");
    if (sizes.size() != axes.size())
      return make_error("Resize has " + std::to_string(sizes.size()) + " sizes for " + count +
                        " axes");
    r.sizes.assign(rank, -1);
    for (size_t i = 0; i < axes.size(); ++i) {
      if (sizes[i] < 0 || sizes[i] > kMaxResizedSize)
        return make_error("Resize sizes must lie in [0, 2^31), got " + std::to_string(sizes[i]));
      r.sizes[axes[i]] = sizes[i];
    }
  }
  r.roi.assign(rank, 0.0);
  r.roi.resize(2 * rank, 1.0);
  if (attrs.has("roi") && r.coordinate_mode == "tf_crop_and_resize") {
    std::vector<double> roi = attrs.get_floats("roi");
    if (roi.size() != 2 * axes.size())
      return make_error("Resize roi has " + std::to_string(roi.size()) + " values for " + count +
                        " axes (starts then ends)");
    for (size_t i = 0; i < axes.size(); ++i) {
      r.roi[axes[i]] = roi[i];
      r.roi[rank + axes[i]] = roi[axes.size() + i];
    }
  }
  return r;
}

Result<std::vector<ResizedDim>> resolve_resize(const ResizeAttributes& attrs,
                                               const std::vector<int64_t>& input) {
  const size_t rank = input.size();
  if (attrs.resized.size() != rank)
    return make_error("Resize attributes are for rank " + std::to_string(attrs.resized.size()) +
                      " but the input has rank " + std::to_string(rank));
  std::vector<ResizedDim> dims(rank);
  // keep_aspect_ratio_policy: one scale for every resized dim.
  double shared_scale = 0;
  if (attrs.has_sizes() && attrs.aspect_policy != "stretch") {
    bool first = true;
    for (size_t d = 0; d < rank; ++d) {
      if (!attrs.resized[d]) continue;
      if (input[d] == 0) return make_error("Resize cannot keep the aspect ratio of an empty dim");
      const double ratio = double(attrs.sizes[d]) / double(input[d]);
      if (first ||
          (attrs.aspect_policy == "not_larger" ? ratio < shared_scale : ratio > shared_scale))
        shared_scale = ratio;
      first = false;
    }
  }
  for (size_t d = 0; d < rank; ++d) {
    ResizedDim& g = dims[d];
    g.input = input[d];
    if (!attrs.resized[d]) {
      g.output = g.input;
      g.scale = 1.0;
    } else if (!attrs.has_sizes()) {
      g.scale = attrs.scales[d];
      const double exact = double(g.input) * g.scale;
      if (exact >= double(kMaxResizedSize))
        return make_error("Resize output dim " + std::to_string(d) + " would reach 2^31");
      g.output = int64_t(std::floor(exact));
    } else if (attrs.aspect_policy != "stretch") {
      g.scale = shared_scale;
      g.output = int64_t(std::floor(shared_scale * double(g.input) + 0.5));
    } else {
      g.output = attrs.sizes[d];
      if (g.input == 0 && g.output > 0)
        return make_error("Resize cannot grow the empty dim " + std::to_string(d));
      g.scale = g.input > 0 ? double(g.output) / double(g.input) : 1.0;
    }
    if (g.output > kMaxResizedSize)
      return make_error("Resize output dim " + std::to_string(d) + " would reach 2^31");
    g.output_width = attrs.has_sizes() && attrs.aspect_policy == "stretch" && attrs.resized[d]
                         ? double(g.output)
                         : g.scale * double(g.input);
  }
  return dims;
}

bool ResizeTaps::is_identity() const {
  const int64_t outputs = taps > 0 ? int64_t(index.size()) / taps : 0;
  for (int64_t o = 0; o < outputs; ++o) {
    if (outside[size_t(o)]) return false;
    double own = 0;
    for (int64_t t = 0; t < taps; ++t) {
      const double w = weight[size_t(o * taps + t)];
      if (index[size_t(o * taps + t)] == o)
        own += w;
      else if (w != 0)
        return false;
    }
    if (own != 1.0) return false;
  }
  return true;
}

bool ResizeTaps::extrapolates() const {
  return std::find(outside.begin(), outside.end(), uint8_t{1}) != outside.end();
}

ResizeTaps resize_taps(const ResizeAttributes& attrs, size_t dim, const ResizedDim& g) {
  ResizeTaps taps;
  taps.outside.assign(size_t(g.output), 0);
  // A dim whose scale is 1 and size unchanged is copied (ONNX's reference skips it whatever the
  // coordinate mode).
  if (g.scale == 1.0 && g.output == g.input) {
    for (int64_t o = 0; o < g.output; ++o) {
      taps.index.push_back(o);
      taps.weight.push_back(1.0);
    }
    return taps;
  }
  std::vector<double> weights;
  taps.taps = attrs.mode == ResizeMode::Nearest ? 1 : 0;
  for (int64_t o = 0; o < g.output; ++o) {
    const double x = original_coordinate(attrs, dim, g, o);
    const bool outside =
        attrs.coordinate_mode == "tf_crop_and_resize" && (x < 0 || x > double(g.input - 1));
    taps.outside[size_t(o)] = outside ? 1 : 0;
    double floor = std::floor(x), ratio = x - floor;
    if (ratio == 0) {  // ratio in (0, 1]: an integral x is the upper neighbour of x - 1
      floor -= 1;
      ratio = 1;
    }
    const int64_t base = int64_t(floor);
    if (attrs.mode == ResizeMode::Nearest) {
      const int64_t chosen = nearest_neighbour(attrs.nearest_mode, base, ratio);
      taps.index.push_back(std::clamp<int64_t>(chosen, 0, g.input - 1));
      taps.weight.push_back(outside ? 0.0 : 1.0);
      continue;
    }
    const int64_t first = interpolation_weights(attrs, ratio, g.scale, weights);
    taps.taps = int64_t(weights.size());
    if (attrs.exclude_outside) {
      double sum = 0;
      for (size_t t = 0; t < weights.size(); ++t) {
        const int64_t at = base + first + int64_t(t);
        if (at < 0 || at >= g.input) weights[t] = 0;
        sum += weights[t];
      }
      if (sum != 0)
        for (double& w : weights) w /= sum;
    }
    for (size_t t = 0; t < weights.size(); ++t) {
      taps.index.push_back(std::clamp<int64_t>(base + first + int64_t(t), 0, g.input - 1));
      taps.weight.push_back(outside ? 0.0 : weights[t]);
    }
  }
  if (taps.taps == 0) taps.taps = attrs.mode == ResizeMode::Linear ? 2 : 4;
  return taps;
}

}  // namespace kiln
