// NormalizationKernels.cpp: Softmax and LogSoftmax (max-subtracted for stability), Hardmax,
// BatchNormalization (inference formula), LpNormalization and LRN.
#include <algorithm>
#include <cmath>
#include <set>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

namespace {

enum class AlongAxis { Softmax, LogSoftmax, Hardmax };

// Softmax, LogSoftmax or Hardmax along attribute `axis` (-1).
Status run_along_axis(KernelContext& ctx, AlongAxis kind) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<int64_t> axis = normalize_axis(ctx.attrs().get_int("axis", -1), rank);
  if (!axis) return axis.error();
  int64_t axis_size = x.dims[*axis];
  int64_t inner = product(std::vector<int64_t>(x.dims.begin() + *axis + 1, x.dims.end()));
  int64_t outer = axis_size * inner == 0 ? 0 : x.element_count() / (axis_size * inner);
  NumericView xv(x);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      auto at = [&](int64_t j) { return (o * axis_size + j) * inner + k; };
      double largest = -INFINITY;
      int64_t first_largest = 0;
      for (int64_t j = 0; j < axis_size; ++j)
        if (xv[at(j)] > largest || j == 0) {
          largest = xv[at(j)];
          first_largest = j;
        }
      if (kind == AlongAxis::Hardmax) {
        for (int64_t j = 0; j < axis_size; ++j) out.set_double(at(j), j == first_largest ? 1 : 0);
        continue;
      }
      double total = 0.0;
      for (int64_t j = 0; j < axis_size; ++j) total += std::exp(xv[at(j)] - largest);
      for (int64_t j = 0; j < axis_size; ++j)
        out.set_double(at(j), kind == AlongAxis::Softmax
                                  ? std::exp(xv[at(j)] - largest) / total
                                  : xv[at(j)] - largest - std::log(total));
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace

Status run_Softmax(KernelContext& ctx) { return run_along_axis(ctx, AlongAxis::Softmax); }
Status run_LogSoftmax(KernelContext& ctx) { return run_along_axis(ctx, AlongAxis::LogSoftmax); }
Status run_Hardmax(KernelContext& ctx) { return run_along_axis(ctx, AlongAxis::Hardmax); }

Status run_BatchNormalization(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() < 2) return make_error("BatchNormalization needs an input of rank >= 2");
  int64_t channels = x.dims[1];
  for (size_t i = 1; i < 5; ++i)
    if (ctx.input(i).element_count() != channels)
      return make_error("BatchNormalization parameter " + std::to_string(i) + " must have " +
                        std::to_string(channels) + " elements");
  double epsilon = ctx.attrs().get_float("epsilon", 1e-5);
  NumericView xv(x), scale(ctx.input(1)), bias(ctx.input(2)), mean(ctx.input(3)),
      variance(ctx.input(4));
  int64_t inner = product(std::vector<int64_t>(x.dims.begin() + 2, x.dims.end()));
  TensorWriter out(x.dtype, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t c = (i / inner) % channels;
    double normalized = (xv[i] - mean[c]) / std::sqrt(variance[c] + epsilon);
    out.set_double(i, scale[c] * normalized + bias[c]);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_LpNormalization(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", -1), std::max<int64_t>(rank, 1));
  if (!axis) return axis.error();
  const int64_t p = ctx.attrs().get_int("p", 2);
  const int64_t extent = rank == 0 ? 1 : x.dims[size_t(*axis)];
  const int64_t inner =
      rank == 0 ? 1 : product(std::vector<int64_t>(x.dims.begin() + *axis + 1, x.dims.end()));
  const int64_t outer = extent * inner == 0 ? 0 : x.element_count() / (extent * inner);
  NumericView xv(x);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < inner; ++k) {
      auto at = [&](int64_t j) { return (o * extent + j) * inner + k; };
      double norm = 0.0;
      for (int64_t j = 0; j < extent; ++j)
        norm += p == 1 ? std::fabs(xv[at(j)]) : xv[at(j)] * xv[at(j)];
      if (p == 2) norm = std::sqrt(norm);
      // A zero vector stays zero (as ONNX Runtime computes it) instead of becoming NaN.
      for (int64_t j = 0; j < extent; ++j) out.set_double(at(j), norm == 0 ? 0 : xv[at(j)] / norm);
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_LRN(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() < 3) return make_error("LRN needs an input of rank >= 3");
  const int64_t size = ctx.attrs().get_int("size", 1);
  const double alpha = ctx.attrs().get_float("alpha", 1e-4);
  const double beta = ctx.attrs().get_float("beta", 0.75);
  const double bias = ctx.attrs().get_float("bias", 1.0);
  const int64_t channels = x.dims[1];
  const int64_t inner = product(std::vector<int64_t>(x.dims.begin() + 2, x.dims.end()));
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  NumericView xv(x);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    const int64_t c = (i / inner) % channels;
    const int64_t base = i - c * inner;  // channel 0 of this pixel
    double square_sum = 0.0;
    for (int64_t k = std::max<int64_t>(0, c - before); k <= std::min(channels - 1, c + after); ++k)
      square_sum += xv[base + k * inner] * xv[base + k * inner];
    out.set_double(i, xv[i] / std::pow(bias + alpha / double(size) * square_sum, beta));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
