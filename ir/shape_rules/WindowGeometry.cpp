// WindowGeometry.cpp: auto_pad resolution and output sizes of sliding windows.
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln {
namespace {

constexpr int64_t kMaxWindowValue = (int64_t{1} << 31) - 1;

int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -ceil_div(-a, b);
}

std::string list_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

}  // namespace

Result<AutoPad> parse_auto_pad(const std::string& name) {
  if (name == "NOTSET" || name.empty()) return AutoPad::NotSet;
  if (name == "SAME_UPPER") return AutoPad::SameUpper;
  if (name == "SAME_LOWER") return AutoPad::SameLower;
  if (name == "VALID") return AutoPad::Valid;
  return make_error("unknown auto_pad '" + name +
                    "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
}

Result<WindowAttributes> read_window_attributes(const Attributes& attrs,
                                                const std::vector<int64_t>& kernel) {
  const size_t n = kernel.size();
  WindowAttributes w;
  w.kernel = kernel;
  w.strides = attrs.get_ints("strides", std::vector<int64_t>(n, 1));
  w.dilations = attrs.get_ints("dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = attrs.get_ints("pads", std::vector<int64_t>(2 * n, 0));
  // An empty list attribute means the default.
  if (w.strides.empty()) w.strides.assign(n, 1);
  if (w.dilations.empty()) w.dilations.assign(n, 1);
  if (pads.empty()) pads.assign(2 * n, 0);
  const std::string dims = std::to_string(n) + " spatial dim" + (n == 1 ? "" : "s");
  if (w.strides.size() != n)
    return make_error("strides " + list_to_string(w.strides) + " do not match the " + dims);
  if (w.dilations.size() != n)
    return make_error("dilations " + list_to_string(w.dilations) + " do not match the " + dims);
  if (pads.size() != 2 * n)
    return make_error("pads " + list_to_string(pads) + " should hold " + std::to_string(2 * n) +
                      " values (begins then ends) for the " + dims);
  for (size_t i = 0; i < n; ++i) {
    if (w.kernel[i] < 1)
      return make_error("kernel size " + list_to_string(w.kernel) + " must be positive");
    if (w.strides[i] < 1)
      return make_error("strides " + list_to_string(w.strides) + " must be positive");
    if (w.dilations[i] < 1)
      return make_error("dilations " + list_to_string(w.dilations) + " must be positive");
  }
  for (int64_t pad : pads)
    if (pad < 0) return make_error("pads " + list_to_string(pads) + " must not be negative");
  // No extent Kiln compiles reaches 2^31, and below it the window arithmetic cannot overflow.
  for (const auto* list : {&w.kernel, &w.strides, &w.dilations, &pads})
    for (int64_t value : *list)
      if (value > kMaxWindowValue)
        return make_error("window attributes (kernel " + list_to_string(w.kernel) + ", strides " +
                          list_to_string(w.strides) + ", dilations " + list_to_string(w.dilations) +
                          ", pads " + list_to_string(pads) + ") must be below 2^31");
  w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<long>(n));
  w.pad_end.assign(pads.begin() + static_cast<long>(n), pads.end());
  Result<AutoPad> auto_pad = parse_auto_pad(attrs.get_string("auto_pad", "NOTSET"));
  if (!auto_pad) return auto_pad.error();
  w.auto_pad = *auto_pad;
  w.ceil_mode = attrs.get_int("ceil_mode", 0) != 0;
  return w;
}

Result<WindowDim> resolve_window_dim(const WindowAttributes& window, size_t dim, int64_t input) {
  const int64_t stride = window.strides[dim];
  const int64_t span = window.span(dim);
  WindowDim out;
  switch (window.auto_pad) {
    case AutoPad::SameUpper:
    case AutoPad::SameLower: {
      out.output = ceil_div(input, stride);
      int64_t total = std::max<int64_t>((out.output - 1) * stride + span - input, 0);
      int64_t smaller = total / 2;
      out.pad_begin = window.auto_pad == AutoPad::SameUpper ? smaller : total - smaller;
      out.pad_end = total - out.pad_begin;
      return out;
    }
    case AutoPad::Valid:
      break;
    case AutoPad::NotSet:
      out.pad_begin = window.pad_begin[dim];
      out.pad_end = window.pad_end[dim];
      break;
  }
  const int64_t room = input + out.pad_begin + out.pad_end - span;
  const bool ceil_mode = window.ceil_mode && window.auto_pad == AutoPad::NotSet;
  // Under ceil_mode a window that overhangs the padded input by less than a stride still gives
  // one output (PyTorch and ONNX Runtime agree): it starts inside the input.
  const bool overhang_allowed = ceil_mode && room < 0 && -room < stride;
  if (room < 0 && !overhang_allowed)
    return make_error("window of extent " + std::to_string(span) + " (kernel " +
                      std::to_string(window.kernel[dim]) + ", dilation " +
                      std::to_string(window.dilations[dim]) + ") does not fit in spatial dim " +
                      std::to_string(dim) + " of size " + std::to_string(input) + " padded by " +
                      std::to_string(out.pad_begin) + "+" + std::to_string(out.pad_end));
  if (ceil_mode) {
    out.output = ceil_div(room, stride) + 1;
    // The last window must start inside the input or its left padding.
    if ((out.output - 1) * stride >= input + out.pad_begin) --out.output;
  } else {
    out.output = floor_div(room, stride) + 1;
  }
  return out;
}

Result<std::vector<WindowDim>> resolve_window(const WindowAttributes& window,
                                              const std::vector<int64_t>& input) {
  if (input.size() != window.spatial_rank())
    return make_error("input has " + std::to_string(input.size()) +
                      " spatial dims but the window " + "has " +
                      std::to_string(window.spatial_rank()));
  std::vector<WindowDim> dims;
  for (size_t i = 0; i < input.size(); ++i) {
    Result<WindowDim> dim = resolve_window_dim(window, i, input[i]);
    if (!dim) return dim.error();
    dims.push_back(*dim);
  }
  return dims;
}

Result<TransposedWindowAttributes> read_transposed_window_attributes(
    const Attributes& attrs, const std::vector<int64_t>& kernel) {
  Result<WindowAttributes> window = read_window_attributes(attrs, kernel);
  if (!window) return window.error();
  const size_t n = kernel.size();
  TransposedWindowAttributes t;
  t.window = *window;
  t.output_padding = attrs.get_ints("output_padding", std::vector<int64_t>(n, 0));
  if (t.output_padding.empty()) t.output_padding.assign(n, 0);
  if (t.output_padding.size() != n)
    return make_error("output_padding " + list_to_string(t.output_padding) +
                      " does not match the " + std::to_string(n) + " spatial dims");
  for (int64_t pad : t.output_padding)
    if (pad < 0 || pad > kMaxWindowValue)
      return make_error("output_padding " + list_to_string(t.output_padding) +
                        " must lie in [0, 2^31)");
  std::vector<int64_t> shape = attrs.get_ints("output_shape");
  if (!shape.empty()) {
    if (shape.size() < n)
      return make_error("output_shape " + list_to_string(shape) + " has fewer than " +
                        std::to_string(n) + " spatial dims");
    t.output_shape.assign(shape.end() - static_cast<long>(n), shape.end());
    for (int64_t size : t.output_shape)
      if (size < 1 || size > kMaxWindowValue)
        return make_error("output_shape " + list_to_string(shape) + " must lie in [1, 2^31)");
  }
  return t;
}

Result<WindowDim> resolve_transposed_window_dim(const TransposedWindowAttributes& attrs, size_t dim,
                                                int64_t input) {
  const WindowAttributes& w = attrs.window;
  const int64_t natural = w.strides[dim] * (input - 1) + attrs.output_padding[dim] + w.span(dim);
  WindowDim out;
  const bool same = w.auto_pad == AutoPad::SameUpper || w.auto_pad == AutoPad::SameLower;
  if (!attrs.output_shape.empty() || same) {
    out.output = attrs.output_shape.empty() ? input * w.strides[dim] : attrs.output_shape[dim];
    const int64_t total = natural - out.output;
    const int64_t half = floor_div(total, 2);
    out.pad_begin = w.auto_pad == AutoPad::SameUpper ? half : total - half;
    out.pad_end = total - out.pad_begin;
  } else {
    if (w.auto_pad == AutoPad::NotSet) {
      out.pad_begin = w.pad_begin[dim];
      out.pad_end = w.pad_end[dim];
    }
    out.output = natural - out.pad_begin - out.pad_end;
  }
  if (input < 1 || out.output < 1)
    return make_error("transposed window (kernel " + std::to_string(w.kernel[dim]) + ", stride " +
                      std::to_string(w.strides[dim]) + ") over spatial dim " + std::to_string(dim) +
                      " of size " + std::to_string(input) + " with pads " +
                      std::to_string(out.pad_begin) + "+" + std::to_string(out.pad_end) +
                      " leaves no output");
  return out;
}

}  // namespace kiln
