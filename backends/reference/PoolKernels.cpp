// PoolKernels.cpp: MaxPool, MaxPoolIndices, AveragePool, LpPool (ceil_mode, dilations,
// count_include_pad), the global pools and MaxUnpool. Max pooling ignores padding; average pooling
// divides by the window cells inside the input, or (count_include_pad) inside the padded input; Lp
// pooling takes (sum |x|^p)^(1/p) over the cells inside the input (padding adds zeros).
#include <cmath>
#include <limits>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"
#include "backends/reference/WindowPlan.h"

namespace kiln::reference {

namespace {

enum class PoolKind { Max, MaxIndex, Average, Lp };

// The flattened index of input element `at` (spatial coordinates in the plan's three slots) of
// `plane` (n * C + c): row-major, or with the spatial dims column-major (storage_order 1: the
// first spatial dim fastest), as ONNX Runtime numbers MaxPool's Indices.
int64_t window_input_index(const WindowPlan& p, int64_t plane, const std::array<int64_t, 3>& at,
                           bool column_major) {
  const int64_t plane_size = p.input[0] * p.input[1] * p.input[2];
  int64_t offset = (at[0] * p.input[1] + at[1]) * p.input[2] + at[2];
  if (column_major) {
    // Spatial dims in reverse: the last spatial dim outermost.
    offset = 0;
    for (int d = WindowPlan::kDims - 1; d >= 0; --d) offset = offset * p.input[d] + at[d];
  }
  return plane * plane_size + offset;
}

Status sliding_pool(KernelContext& ctx, PoolKind kind) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() < 3) return make_error("pooling needs an input of rank >= 3 [N,C,spatial...]");
  std::vector<int64_t> spatial(x.dims.begin() + 2, x.dims.end());
  std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  if (kernel.size() != spatial.size())
    return make_error("kernel_shape has " + std::to_string(kernel.size()) + " dims for " +
                      std::to_string(spatial.size()) + " spatial dims");
  Result<WindowPlan> planned = plan_window(ctx.attrs(), spatial, kernel);
  if (!planned) return planned.error();
  const WindowPlan& p = *planned;
  bool count_padding = ctx.attrs().get_int("count_include_pad", 0) != 0;
  const double p_norm = static_cast<double>(ctx.attrs().get_int("p", 2));
  const bool column_major = ctx.attrs().get_int("storage_order", 0) != 0;
  if (kind == PoolKind::Lp && p_norm < 1) return make_error("LpPool p must be positive");

  int64_t planes = x.dims[0] * x.dims[1];
  int64_t in_plane = p.input[0] * p.input[1] * p.input[2];
  int64_t out_plane = p.output[0] * p.output[1] * p.output[2];
  NumericView xv(x);
  TensorWriter out(kind == PoolKind::MaxIndex ? DType::Int64 : x.dtype, {planes, out_plane});
  std::array<int64_t, WindowPlan::kDims> origin{};
  for (int64_t plane = 0; plane < planes; ++plane) {
    for (int64_t o = 0; o < out_plane; ++o) {
      int64_t rest = o;
      for (int d = WindowPlan::kDims - 1; d >= 0; --d) {
        origin[d] = (rest % p.output[d]) * p.stride[d] - p.pad_begin[d];
        rest /= p.output[d];
      }
      double best = -std::numeric_limits<double>::infinity(), sum = 0.0, sum_p = 0.0;
      int64_t best_at = -1;
      int64_t inside_input = 0, inside_padding = 0;
      for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0)
        for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1)
          for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
            std::array<int64_t, WindowPlan::kDims> at = {origin[0] + k0 * p.dilation[0],
                                                         origin[1] + k1 * p.dilation[1],
                                                         origin[2] + k2 * p.dilation[2]};
            bool in_input = true, in_padded = true;
            for (int d = 0; d < WindowPlan::kDims; ++d) {
              in_input = in_input && at[d] >= 0 && at[d] < p.input[d];
              in_padded =
                  in_padded && at[d] >= -p.pad_begin[d] && at[d] < p.input[d] + p.pad_end[d];
            }
            if (in_padded) ++inside_padding;
            if (!in_input) continue;
            double v = xv[plane * in_plane + (at[0] * p.input[1] + at[1]) * p.input[2] + at[2]];
            ++inside_input;
            sum += v;
            sum_p += std::pow(std::fabs(v), p_norm);
            // The first maximum wins; a NaN wins over numbers, the first NaN over later ones.
            if (best_at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
              best = v;
              best_at = window_input_index(p, plane, at, column_major);
            }
          }
      double result = best;
      if (kind == PoolKind::Average)
        result = sum / static_cast<double>(count_padding ? inside_padding : inside_input);
      if (kind == PoolKind::Lp) result = std::pow(sum_p, 1.0 / p_norm);
      if (kind == PoolKind::MaxIndex)
        out.set_int(plane * out_plane + o, best_at);
      else
        out.set_double(plane * out_plane + o, result);
    }
  }
  std::vector<int64_t> out_dims = {x.dims[0], x.dims[1]};
  for (size_t d = WindowPlan::kDims - spatial.size(); d < WindowPlan::kDims; ++d)
    out_dims.push_back(p.output[d]);
  ctx.outputs.push_back(reshaped(out.finish(), out_dims));
  return Status::ok();
}

Status global_pool(KernelContext& ctx, PoolKind kind) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() < 2) return make_error("global pooling needs an input of rank >= 2");
  int64_t planes = x.dims[0] * x.dims[1];
  int64_t plane_size = product(std::vector<int64_t>(x.dims.begin() + 2, x.dims.end()));
  NumericView xv(x);
  std::vector<int64_t> out_dims(x.dims.size(), 1);
  out_dims[0] = x.dims[0];
  out_dims[1] = x.dims[1];
  TensorWriter out(x.dtype, out_dims);
  for (int64_t plane = 0; plane < planes; ++plane) {
    double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
    for (int64_t i = 0; i < plane_size; ++i) {
      double v = xv[plane * plane_size + i];
      sum += v;
      if (v > best || std::isnan(v)) best = v;
    }
    out.set_double(plane, kind == PoolKind::Max ? best : sum / static_cast<double>(plane_size));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace

Status run_MaxPool(KernelContext& ctx) {
  return sliding_pool(ctx, PoolKind::Max);
}
Status run_MaxPoolIndices(KernelContext& ctx) {
  return sliding_pool(ctx, PoolKind::MaxIndex);
}
Status run_LpPool(KernelContext& ctx) {
  return sliding_pool(ctx, PoolKind::Lp);
}
Status run_AveragePool(KernelContext& ctx) {
  return sliding_pool(ctx, PoolKind::Average);
}
Status run_GlobalMaxPool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::Max);
}
Status run_GlobalAveragePool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::Average);
}

// Scatters X into zeros at the flat positions of I, counted in the unpooled shape [N, C,
// (in - 1) * stride + kernel - pads...]; output_shape may pad that shape at the end of each dim.
// Positions outside the unpooled tensor are dropped (a compiled kernel cannot report them); a
// position named twice keeps the later element.
Status run_MaxUnpool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (x.dims.size() < 3 || indices.dims != x.dims)
    return make_error("MaxUnpool needs X of rank >= 3 and indices of its shape");
  const size_t spatial = x.dims.size() - 2;
  std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  std::vector<int64_t> strides = ctx.attrs().get_ints("strides", std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * spatial, 0));
  if (strides.empty()) strides.assign(spatial, 1);
  if (pads.empty()) pads.assign(2 * spatial, 0);
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial)
    return make_error("MaxUnpool kernel_shape, strides and pads must match the spatial dims");
  std::vector<int64_t> unpooled = {x.dims[0], x.dims[1]};
  for (size_t i = 0; i < spatial; ++i)
    unpooled.push_back((x.dims[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + spatial]);
  std::vector<int64_t> dims = ctx.output_dims(0);
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] < unpooled[i]) return make_error("MaxUnpool output is smaller than unpooled");
  std::vector<int64_t> out_strides = row_major_strides(dims);
  const int64_t total = product(unpooled);
  TensorWriter out(x.dtype, dims);  // zeroed
  for (int64_t i = 0; i < x.element_count(); ++i) {
    int64_t position = indices.element_as_int(i);
    if (position < 0 || position >= total) continue;
    int64_t target = 0;
    for (size_t d = unpooled.size(); d-- > 0;) {
      target += (position % unpooled[d]) * out_strides[d];
      position /= unpooled[d];
    }
    out.copy_element(x, i, target);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
