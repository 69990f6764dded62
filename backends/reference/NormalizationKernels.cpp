// NormalizationKernels.cpp: Softmax (max-subtracted for stability), BatchNormalization
// (inference formula) and ReduceMean.
#include <algorithm>
#include <cmath>
#include <set>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_Softmax(KernelContext& ctx) {
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
      for (int64_t j = 0; j < axis_size; ++j) largest = std::max(largest, xv[at(j)]);
      double total = 0.0;
      for (int64_t j = 0; j < axis_size; ++j) total += std::exp(xv[at(j)] - largest);
      for (int64_t j = 0; j < axis_size; ++j)
        out.set_double(at(j), std::exp(xv[at(j)] - largest) / total);
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

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

Status run_ReduceMean(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  std::set<int64_t> axes;
  if (ctx.attrs().has("axes")) {
    for (int64_t axis : ctx.attrs().get_ints("axes")) {
      Result<int64_t> resolved = normalize_axis(axis, rank);
      if (!resolved) return resolved.error();
      axes.insert(*resolved);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) axes.insert(d);
  }
  // Reduce into the keepdims shape; dropping the size-1 dims afterwards moves no data.
  std::vector<int64_t> kept_dims = x.dims, dropped_dims;
  for (int64_t d = 0; d < rank; ++d) {
    if (axes.count(d))
      kept_dims[d] = 1;
    else
      dropped_dims.push_back(x.dims[d]);
  }
  int64_t reduced_count = 1;
  for (int64_t axis : axes) reduced_count *= x.dims[axis];
  std::vector<int64_t> kept_strides = row_major_strides(kept_dims);
  std::vector<double> sums(static_cast<size_t>(product(kept_dims)), 0.0);
  NumericView xv(x);
  for (int64_t i = 0; i < x.element_count(); ++i) {
    int64_t rest = i, target = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (!axes.count(d)) target += (rest % x.dims[d]) * kept_strides[d];
      rest /= x.dims[d];
    }
    sums[target] += xv[i];
  }
  for (double& sum : sums) sum /= static_cast<double>(reduced_count);
  bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  ctx.outputs.push_back(tensor_from_doubles(x.dtype, keepdims ? kept_dims : dropped_dims, sums));
  return Status::ok();
}

}  // namespace kiln::reference
