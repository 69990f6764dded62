// ConvKernels.cpp: direct convolution and transposed convolution with groups, strides, dilations
// and padding, for 1-D, 2-D and 3-D inputs. Accumulates in double. The transposed convolution is
// written as its definition, a scatter of each input element through the kernel, independent of
// the Halide lowering's gather form.
#include <array>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"
#include "backends/reference/WindowPlan.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::reference {

Status run_Conv(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  if (x.dims.size() < 3 || w.dims.size() != x.dims.size())
    return make_error("Conv needs X [N,C,spatial...] and W [M,C/group,kernel...] of equal rank");
  int64_t batch = x.dims[0], in_channels = x.dims[1], out_channels = w.dims[0];
  int64_t group = ctx.attrs().get_int("group", 1);
  if (group <= 0 || in_channels % group != 0 || out_channels % group != 0 ||
      w.dims[1] * group != in_channels)
    return make_error("Conv channels do not match: X has " + std::to_string(in_channels) +
                      ", W expects " + std::to_string(w.dims[1]) + " per group, group " +
                      std::to_string(group));
  if (ctx.has_input(2) && ctx.input(2).element_count() != out_channels)
    return make_error("Conv bias must have " + std::to_string(out_channels) + " elements");

  std::vector<int64_t> spatial(x.dims.begin() + 2, x.dims.end());
  std::vector<int64_t> kernel(w.dims.begin() + 2, w.dims.end());
  if (ctx.attrs().has("kernel_shape") && ctx.attrs().get_ints("kernel_shape") != kernel)
    return make_error("Conv kernel_shape does not match the weight's spatial dims");
  Result<WindowPlan> planned = plan_window(ctx.attrs(), spatial, kernel);
  if (!planned) return planned.error();
  const WindowPlan& p = *planned;

  int64_t channels_per_group = in_channels / group;
  int64_t outputs_per_group = out_channels / group;
  int64_t in_plane = p.input[0] * p.input[1] * p.input[2];
  int64_t out_plane = p.output[0] * p.output[1] * p.output[2];
  int64_t kernel_volume = p.kernel[0] * p.kernel[1] * p.kernel[2];
  NumericView xv(x), wv(w);
  TensorWriter out(x.dtype, {batch, out_channels, out_plane});

  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      int64_t first_channel = (m / outputs_per_group) * channels_per_group;
      double bias = ctx.has_input(2) ? ctx.input(2).element_as_double(m) : 0.0;
      for (int64_t o0 = 0; o0 < p.output[0]; ++o0)
        for (int64_t o1 = 0; o1 < p.output[1]; ++o1)
          for (int64_t o2 = 0; o2 < p.output[2]; ++o2) {
            double sum = bias;
            for (int64_t c = 0; c < channels_per_group; ++c) {
              int64_t x_base = (n * in_channels + first_channel + c) * in_plane;
              int64_t w_base = (m * channels_per_group + c) * kernel_volume;
              for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
                int64_t i0 = o0 * p.stride[0] - p.pad_begin[0] + k0 * p.dilation[0];
                if (i0 < 0 || i0 >= p.input[0]) continue;
                for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
                  int64_t i1 = o1 * p.stride[1] - p.pad_begin[1] + k1 * p.dilation[1];
                  if (i1 < 0 || i1 >= p.input[1]) continue;
                  for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
                    int64_t i2 = o2 * p.stride[2] - p.pad_begin[2] + k2 * p.dilation[2];
                    if (i2 < 0 || i2 >= p.input[2]) continue;
                    sum += xv[x_base + (i0 * p.input[1] + i1) * p.input[2] + i2] *
                           wv[w_base + (k0 * p.kernel[1] + k1) * p.kernel[2] + k2];
                  }
                }
              }
            }
            out.set_double(
                (n * out_channels + m) * out_plane + (o0 * p.output[1] + o1) * p.output[2] + o2,
                sum);
          }
    }
  }
  std::vector<int64_t> out_dims = {batch, out_channels};
  for (size_t d = WindowPlan::kDims - spatial.size(); d < WindowPlan::kDims; ++d)
    out_dims.push_back(p.output[d]);
  ctx.outputs.push_back(reshaped(out.finish(), out_dims));
  return Status::ok();
}

Status run_ConvTranspose(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const size_t spatial = x.dims.size() - 2;
  if (x.dims.size() < 3 || x.dims.size() > 5 || w.dims.size() != x.dims.size())
    return make_error(
        "ConvTranspose needs X [N,C,spatial...] (1 to 3 spatial dims) and W "
        "[C,M/group,kernel...] of equal rank");
  const int64_t batch = x.dims[0], in_channels = x.dims[1];
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1 || in_channels % group != 0 || w.dims[0] != in_channels)
    return make_error("ConvTranspose channels do not match: X has " + std::to_string(in_channels) +
                      ", W has " + std::to_string(w.dims[0]) + ", group " + std::to_string(group));
  const int64_t outputs_per_group = w.dims[1], out_channels = outputs_per_group * group;
  const int64_t inputs_per_group = in_channels / group;
  if (ctx.has_input(2) && ctx.input(2).element_count() != out_channels)
    return make_error("ConvTranspose bias must have " + std::to_string(out_channels) + " elements");
  std::vector<int64_t> kernel(w.dims.begin() + 2, w.dims.end());
  Result<TransposedWindowAttributes> window =
      read_transposed_window_attributes(ctx.attrs(), kernel);
  if (!window) return window.error();

  // Spatial dims padded to three, leading ones of size 1 (as WindowPlan does for Conv).
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, dilation{1, 1, 1},
      pad{0, 0, 0};
  std::vector<int64_t> out_dims = {batch, out_channels};
  for (size_t i = 0; i < spatial; ++i) {
    Result<WindowDim> dim = resolve_transposed_window_dim(*window, i, x.dims[i + 2]);
    if (!dim) return dim.error();
    const size_t slot = 3 - spatial + i;
    in[slot] = x.dims[i + 2];
    out[slot] = dim->output;
    k[slot] = kernel[i];
    stride[slot] = window->window.strides[i];
    dilation[slot] = window->window.dilations[i];
    pad[slot] = dim->pad_begin;
    out_dims.push_back(dim->output);
  }
  const int64_t in_plane = in[0] * in[1] * in[2], out_plane = out[0] * out[1] * out[2];
  const int64_t taps = k[0] * k[1] * k[2];
  NumericView xv(x), wv(w);
  std::vector<double> y(size_t(batch * out_channels * out_plane), 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < in_channels; ++c) {
      const int64_t first_output = (c / inputs_per_group) * outputs_per_group;
      for (int64_t i = 0; i < in_plane; ++i) {
        const std::array<int64_t, 3> at = {i / (in[1] * in[2]), (i / in[2]) % in[1], i % in[2]};
        const double value = xv[(n * in_channels + c) * in_plane + i];
        for (int64_t m = 0; m < outputs_per_group; ++m)
          for (int64_t t = 0; t < taps; ++t) {
            const std::array<int64_t, 3> tap = {t / (k[1] * k[2]), (t / k[2]) % k[1], t % k[2]};
            int64_t o = 0;
            bool inside = true;
            for (int d = 0; d < 3; ++d) {
              const int64_t coordinate = at[d] * stride[d] + tap[d] * dilation[d] - pad[d];
              inside = inside && coordinate >= 0 && coordinate < out[d];
              o = o * out[d] + coordinate;
            }
            if (!inside) continue;
            y[size_t((n * out_channels + first_output + m) * out_plane + o)] +=
                value * wv[(c * outputs_per_group + m) * taps + t];
          }
      }
    }
  TensorWriter result(x.dtype, out_dims);
  for (int64_t e = 0; e < result.element_count(); ++e) {
    const int64_t channel = (e / out_plane) % out_channels;
    const double bias = ctx.has_input(2) ? ctx.input(2).element_as_double(channel) : 0.0;
    result.set_double(e, y[size_t(e)] + bias);
  }
  ctx.outputs.push_back(result.finish());
  return Status::ok();
}

}  // namespace kiln::reference
