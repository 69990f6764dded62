// NormalizationKernels.cpp: Softmax and LogSoftmax (max-subtracted for stability), Hardmax and
// BatchNormalization (inference formula).
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

}  // namespace kiln::reference
