// PoolKernels.cpp: MaxPool and AveragePool (ceil_mode, dilations, count_include_pad) and the
// global pools. Max pooling ignores padding; average pooling divides by the window cells inside
// the input, or (count_include_pad) inside the padded input.
#include <cmath>
#include <limits>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"
#include "backends/reference/WindowPlan.h"

namespace kiln::reference {

namespace {

enum class PoolKind { Max, Average };

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

  int64_t planes = x.dims[0] * x.dims[1];
  int64_t in_plane = p.input[0] * p.input[1] * p.input[2];
  int64_t out_plane = p.output[0] * p.output[1] * p.output[2];
  NumericView xv(x);
  TensorWriter out(x.dtype, {planes, out_plane});
  std::array<int64_t, WindowPlan::kDims> origin{};
  for (int64_t plane = 0; plane < planes; ++plane) {
    for (int64_t o = 0; o < out_plane; ++o) {
      int64_t rest = o;
      for (int d = WindowPlan::kDims - 1; d >= 0; --d) {
        origin[d] = (rest % p.output[d]) * p.stride[d] - p.pad_begin[d];
        rest /= p.output[d];
      }
      double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
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
            if (v > best || std::isnan(v)) best = v;
          }
      double result;
      if (kind == PoolKind::Max)
        result = best;
      else
        result = sum / static_cast<double>(count_padding ? inside_padding : inside_input);
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
Status run_AveragePool(KernelContext& ctx) {
  return sliding_pool(ctx, PoolKind::Average);
}
Status run_GlobalMaxPool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::Max);
}
Status run_GlobalAveragePool(KernelContext& ctx) {
  return global_pool(ctx, PoolKind::Average);
}

}  // namespace kiln::reference
