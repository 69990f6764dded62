// IndexingKernels.cpp: ops that pick or place elements by index: Gather, Slice, Pad
// (constant, reflect, edge, wrap) and Trilu. Negative indices count from the end, as in ONNX.
#include <algorithm>
#include <cstring>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

namespace {

// Reads an integer list input (int32 or int64) of a Slice.
Result<std::vector<int64_t>> read_index_list(const Tensor& tensor, const char* what) {
  if (tensor.dtype != DType::Int64 && tensor.dtype != DType::Int32)
    return make_error(std::string(what) + " must be i32 or i64, got " + dtype_name(tensor.dtype));
  if (tensor.dims.size() != 1) return make_error(std::string(what) + " must be 1-D");
  std::vector<int64_t> values;
  for (int64_t i = 0; i < tensor.element_count(); ++i) values.push_back(tensor.element_as_int(i));
  return values;
}

// The elements one axis of a Slice visits: `count` steps of `step` from `start`.
struct AxisRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

// ONNX Slice clamping: positive steps clamp into [0, dim], negative steps into [-1, dim-1].
AxisRange slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return AxisRange{0, step, 0};
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  // A step of `dim` or more visits one element, as `dim` itself does; clamped, the count below
  // cannot overflow.
  step = std::clamp(step, -dim, dim);
  if (step > 0) {
    start = std::clamp(start, int64_t{0}, dim);
    end = std::clamp(end, int64_t{0}, dim);
  } else {
    start = std::clamp(start, int64_t{0}, dim - 1);
    end = std::clamp(end, int64_t{-1}, dim - 1);
  }
  int64_t span = end - start;
  int64_t count = step > 0 ? (span + step - 1) / step : (span + step + 1) / step;
  return AxisRange{start, step, std::max<int64_t>(count, 0)};
}

}  // namespace

Status run_Gather(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (indices.dtype != DType::Int64 && indices.dtype != DType::Int32)
    return make_error(std::string("indices must be i32 or i64, got ") + dtype_name(indices.dtype));
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x.dims.size()));
  if (!axis) return axis.error();
  int64_t axis_size = x.dims[*axis];
  std::vector<int64_t> dims(x.dims.begin(), x.dims.begin() + *axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), x.dims.begin() + *axis + 1, x.dims.end());

  int64_t outer = product(std::vector<int64_t>(x.dims.begin(), x.dims.begin() + *axis));
  int64_t inner = product(std::vector<int64_t>(x.dims.begin() + *axis + 1, x.dims.end()));
  int64_t index_count = indices.element_count();
  TensorWriter out(x.dtype, dims);
  for (int64_t j = 0; j < index_count; ++j) {
    int64_t index = indices.element_as_int(j);
    if (index < -axis_size || index >= axis_size)
      return make_error("index " + std::to_string(index) + " is out of range for axis size " +
                        std::to_string(axis_size));
    if (index < 0) index += axis_size;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k)
        out.copy_element(x, (o * axis_size + index) * inner + k, (o * index_count + j) * inner + k);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Slice(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<std::vector<int64_t>> starts = read_index_list(ctx.input(1), "starts");
  if (!starts) return starts.error();
  Result<std::vector<int64_t>> ends = read_index_list(ctx.input(2), "ends");
  if (!ends) return ends.error();
  size_t n = starts->size();
  std::vector<int64_t> axes, steps(n, 1);
  for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (ctx.has_input(3)) {
    Result<std::vector<int64_t>> given = read_index_list(ctx.input(3), "axes");
    if (!given) return given.error();
    axes = *given;
  }
  if (ctx.has_input(4)) {
    Result<std::vector<int64_t>> given = read_index_list(ctx.input(4), "steps");
    if (!given) return given.error();
    steps = *given;
  }
  if (ends->size() != n || axes.size() != n || steps.size() != n)
    return make_error("starts, ends, axes and steps must have the same length");

  std::vector<AxisRange> ranges;
  for (int64_t d : x.dims) ranges.push_back(AxisRange{0, 1, d});
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    Result<int64_t> axis = normalize_axis(axes[i], rank);
    if (!axis) return axis.error();
    if (seen[*axis]) return make_error("axis " + std::to_string(axes[i]) + " is repeated");
    seen[*axis] = true;
    if (steps[i] == 0) return make_error("slice step must not be 0");
    ranges[*axis] = slice_axis(x.dims[*axis], (*starts)[i], (*ends)[i], steps[i]);
  }

  std::vector<int64_t> dims;
  for (const AxisRange& range : ranges) dims.push_back(range.count);
  std::vector<int64_t> in_strides = row_major_strides(x.dims);
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t coordinate = rest % dims[d];
      rest /= dims[d];
      source += (ranges[d].start + coordinate * ranges[d].step) * in_strides[d];
    }
    out.copy_element(x, source, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

namespace {

// The input coordinate an output element of a padded axis reads: `offset` is its position
// relative to the input's first element, `extent` the input's size. Constant mode reads nothing
// outside the input (-1); reflect mirrors about the edge elements without repeating them (numpy
// 'reflect', periodic past one reflection), edge repeats them, wrap tiles the input.
int64_t pad_source(const std::string& mode, int64_t offset, int64_t extent) {
  if (offset >= 0 && offset < extent) return offset;
  if (mode == "edge") return std::clamp<int64_t>(offset, 0, extent - 1);
  if (mode == "wrap") return ((offset % extent) + extent) % extent;
  if (mode == "reflect") {
    if (extent == 1) return 0;
    const int64_t period = 2 * (extent - 1);
    const int64_t m = ((offset % period) + period) % period;
    return m < extent ? m : period - m;
  }
  return -1;
}

}  // namespace

Status run_Pad(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  const std::string mode = ctx.attrs().get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return make_error("Pad mode '" + mode + "' is unknown");
  std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * rank, 0));
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return make_error("pads has " + std::to_string(pads.size()) + " entries, expected " +
                      std::to_string(2 * rank));
  const double fill =
      ctx.has_input(1) ? ctx.input(1).element_as_double(0) : ctx.attrs().get_float("value", 0.0);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(x.dims[d] + pads[d] + pads[d + rank]);
    if (dims.back() < 0) return make_error("negative pads remove more than the whole axis");
    if (mode != "constant" && x.dims[d] == 0 && dims.back() > 0)
      return make_error("Pad mode '" + mode + "' cannot pad an empty axis");
  }
  std::vector<int64_t> in_strides = row_major_strides(x.dims);
  TensorWriter out(x.dtype, dims);
  // Negative pads crop, which the same mapping handles: out-of-range sources take the fill.
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    bool inside = true;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t coordinate = pad_source(mode, rest % dims[d] - pads[d], x.dims[d]);
      rest /= dims[d];
      inside = inside && coordinate >= 0;
      source += coordinate * in_strides[d];
    }
    if (inside)
      out.copy_element(x, source, i);
    else
      out.set_double(i, fill);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Trilu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() < 2) return make_error("Trilu needs an input of rank >= 2");
  const bool upper = ctx.attrs().get_int("upper", 1) != 0;
  const int64_t k = ctx.has_input(1) ? ctx.input(1).element_as_int(0) : ctx.attrs().get_int("k", 0);
  const int64_t rows = x.dims[x.dims.size() - 2], cols = x.dims.back();
  TensorWriter out(x.dtype, x.dims);  // zeroed
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const int64_t col = i % cols, row = (i / cols) % rows;
    if (upper ? col - row >= k : col - row <= k) out.copy_element(x, i, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
