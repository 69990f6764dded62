// IntegerLinearKernels.cpp: the integer convolutions and matrix products (ConvInteger,
// MatMulInteger) and their requantizing forms (QLinearConv, QLinearMatMul). Operands minus
// their zero points multiply and accumulate exactly in int64, stored as the i32 ONNX defines;
// requantizing multiplies the accumulator (as f32) by the f32 multiplier x_scale * w_scale /
// y_scale, rounds half to even and saturates, as ONNX Runtime computes it.
#include <cmath>

#include "backends/reference/KernelContext.h"
#include "backends/reference/QuantizeMath.h"
#include "backends/reference/TensorUtil.h"
#include "backends/reference/WindowPlan.h"

namespace kiln::reference {
namespace {

// A zero point: absent (0), per tensor, or one value per index along its axis.
int64_t zero_at(const Tensor* zero, int64_t index) {
  if (!zero) return 0;
  return zero->element_as_int(zero->element_count() == 1 ? 0 : index);
}

// Row-major int64 accumulators of an integer convolution, and their dims.
struct IntegerOutput {
  std::vector<int64_t> dims;
  std::vector<int64_t> acc;
};

// Conv of (x - x_zero) by (w - w_zero[m]) with ctx's window attributes; padding reads x_zero,
// so it contributes nothing.
Result<IntegerOutput> integer_conv(const KernelContext& ctx, const Tensor& x, const Tensor& w,
                                   const Tensor* x_zero, const Tensor* w_zero) {
  if (x.dims.size() < 3 || w.dims.size() != x.dims.size())
    return make_error("needs X [N,C,spatial...] and W [M,C/group,kernel...] of equal rank");
  const int64_t batch = x.dims[0], in_channels = x.dims[1], out_channels = w.dims[0];
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group <= 0 || in_channels % group != 0 || out_channels % group != 0 ||
      w.dims[1] * group != in_channels)
    return make_error("channels do not match the weight and group");
  std::vector<int64_t> spatial(x.dims.begin() + 2, x.dims.end());
  std::vector<int64_t> kernel(w.dims.begin() + 2, w.dims.end());
  Result<WindowPlan> planned = plan_window(ctx.attrs(), spatial, kernel);
  if (!planned) return planned.error();
  const WindowPlan& p = *planned;
  const int64_t per_group = in_channels / group, outputs_per_group = out_channels / group;
  const int64_t in_plane = p.input[0] * p.input[1] * p.input[2];
  const int64_t out_plane = p.output[0] * p.output[1] * p.output[2];
  const int64_t taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  const int64_t xz = zero_at(x_zero, 0);
  IntegerOutput result;
  result.dims = {batch, out_channels};
  for (size_t d = WindowPlan::kDims - spatial.size(); d < WindowPlan::kDims; ++d)
    result.dims.push_back(p.output[d]);
  result.acc.assign(size_t(batch * out_channels * out_plane), 0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t m = 0; m < out_channels; ++m) {
      const int64_t first = (m / outputs_per_group) * per_group, wz = zero_at(w_zero, m);
      for (int64_t o = 0; o < out_plane; ++o) {
        const int64_t o0 = o / (p.output[1] * p.output[2]), o1 = (o / p.output[2]) % p.output[1],
                      o2 = o % p.output[2];
        int64_t sum = 0;
        for (int64_t c = 0; c < per_group; ++c)
          for (int64_t t = 0; t < taps; ++t) {
            const int64_t k0 = t / (p.kernel[1] * p.kernel[2]),
                          k1 = (t / p.kernel[2]) % p.kernel[1], k2 = t % p.kernel[2];
            const int64_t i0 = o0 * p.stride[0] - p.pad_begin[0] + k0 * p.dilation[0];
            const int64_t i1 = o1 * p.stride[1] - p.pad_begin[1] + k1 * p.dilation[1];
            const int64_t i2 = o2 * p.stride[2] - p.pad_begin[2] + k2 * p.dilation[2];
            if (i0 < 0 || i0 >= p.input[0] || i1 < 0 || i1 >= p.input[1] || i2 < 0 ||
                i2 >= p.input[2])
              continue;
            const int64_t xv = x.element_as_int((n * in_channels + first + c) * in_plane +
                                                (i0 * p.input[1] + i1) * p.input[2] + i2);
            const int64_t wv = w.element_as_int((m * per_group + c) * taps + t);
            sum += (xv - xz) * (wv - wz);
          }
        result.acc[size_t((n * out_channels + m) * out_plane + o)] = sum;
      }
    }
  return result;
}

// numpy matmul of (a - a_zero[row]) by (b - b_zero[column]), batch dims broadcast.
Result<IntegerOutput> integer_matmul(const KernelContext& ctx, const Tensor& a, const Tensor& b,
                                     const Tensor* a_zero, const Tensor* b_zero) {
  std::vector<int64_t> a_dims = a.dims, b_dims = b.dims;
  if (a_dims.empty() || b_dims.empty()) return make_error("operands must not be scalars");
  if (a_dims.size() == 1) a_dims.insert(a_dims.begin(), 1);
  if (b_dims.size() == 1) b_dims.push_back(1);
  const int64_t m = a_dims[a_dims.size() - 2], k = a_dims.back(), n = b_dims.back();
  if (b_dims[b_dims.size() - 2] != k) return make_error("inner dims differ");
  const std::vector<int64_t> out_dims = ctx.output_dims(0);
  std::vector<int64_t> batch(out_dims.begin(), out_dims.end() - (a.dims.size() == 1 ? 0 : 1) -
                                                   (b.dims.size() == 1 ? 0 : 1));
  std::vector<int64_t> a_batch_dims(a_dims.begin(), a_dims.end() - 2);
  std::vector<int64_t> b_batch_dims(b_dims.begin(), b_dims.end() - 2);
  BroadcastIndexer a_batch(a_batch_dims, batch), b_batch(b_batch_dims, batch);
  IntegerOutput result;
  result.dims = out_dims;
  const int64_t batches = product(batch);
  for (int64_t s = 0; s < batches; ++s) {
    const int64_t a_base = a_batch.input_index(s) * m * k, b_base = b_batch.input_index(s) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const int64_t az = zero_at(a_zero, i), bz = zero_at(b_zero, j);
        int64_t sum = 0;
        for (int64_t r = 0; r < k; ++r)
          sum += (a.element_as_int(a_base + i * k + r) - az) *
                 (b.element_as_int(b_base + r * n + j) - bz);
        result.acc.push_back(sum);
      }
  }
  return result;
}

const Tensor* optional_input(const KernelContext& ctx, size_t i) {
  return ctx.has_input(i) ? &ctx.input(i) : nullptr;
}

Tensor to_int32(const IntegerOutput& result) {
  TensorWriter out(DType::Int32, result.dims);
  for (size_t i = 0; i < result.acc.size(); ++i) out.set_int(int64_t(i), result.acc[i]);
  return out.finish();
}

// Requantizes accumulators whose channel (per `channel_of(i)`) selects the weight scale.
template <typename ChannelOf>
Tensor requantize(const KernelContext& ctx, const IntegerOutput& result, size_t x_scale,
                  size_t w_scale, size_t y_scale, ChannelOf channel_of) {
  const DType dtype = ctx.output_dtype(0);
  const QuantizedRange range = quantized_range(dtype);
  const float xs = float(ctx.input(x_scale).element_as_double(0));
  const float ys = float(ctx.input(y_scale).element_as_double(0));
  const Tensor& ws = ctx.input(w_scale);
  const int64_t y_zero = ctx.input(y_scale + 1).element_as_int(0);
  TensorWriter out(dtype, result.dims);
  for (size_t i = 0; i < result.acc.size(); ++i) {
    const int64_t channel = ws.element_count() == 1 ? 0 : channel_of(int64_t(i));
    const float multiplier = xs * float(ws.element_as_double(channel)) / ys;
    const double steps = double(std::nearbyintf(float(result.acc[i]) * multiplier));
    out.set_int(int64_t(i), saturate(steps, y_zero, range));
  }
  return out.finish();
}

}  // namespace

Status run_ConvInteger(KernelContext& ctx) {
  Result<IntegerOutput> result =
      integer_conv(ctx, ctx.input(0), ctx.input(1), optional_input(ctx, 2), optional_input(ctx, 3));
  if (!result) return result.error();
  ctx.outputs.push_back(to_int32(*result));
  return Status::ok();
}

Status run_MatMulInteger(KernelContext& ctx) {
  Result<IntegerOutput> result = integer_matmul(ctx, ctx.input(0), ctx.input(1),
                                                optional_input(ctx, 2), optional_input(ctx, 3));
  if (!result) return result.error();
  ctx.outputs.push_back(to_int32(*result));
  return Status::ok();
}

Status run_QLinearConv(KernelContext& ctx) {
  Result<IntegerOutput> result =
      integer_conv(ctx, ctx.input(0), ctx.input(3), &ctx.input(2), &ctx.input(5));
  if (!result) return result.error();
  const int64_t channels = result->dims[1];
  const int64_t plane =
      channels == 0 ? 0 : int64_t(result->acc.size()) / result->dims[0] / channels;
  if (ctx.has_input(8)) {
    const Tensor& bias = ctx.input(8);
    if (bias.element_count() != channels)
      return make_error("QLinearConv bias must hold one value per output channel");
    for (size_t i = 0; i < result->acc.size(); ++i)
      result->acc[i] += bias.element_as_int((int64_t(i) / plane) % channels);
  }
  ctx.outputs.push_back(
      requantize(ctx, *result, 1, 4, 6, [&](int64_t i) { return (i / plane) % channels; }));
  return Status::ok();
}

Status run_QLinearMatMul(KernelContext& ctx) {
  Result<IntegerOutput> result =
      integer_matmul(ctx, ctx.input(0), ctx.input(3), &ctx.input(2), &ctx.input(5));
  if (!result) return result.error();
  const int64_t columns = result->dims.empty() ? 1 : result->dims.back();
  ctx.outputs.push_back(requantize(ctx, *result, 1, 4, 6, [&](int64_t i) { return i % columns; }));
  return Status::ok();
}

}  // namespace kiln::reference
