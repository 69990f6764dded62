// AlongAxisKernels.cpp: ops that walk one axis of their input: CumSum (running sums, exact in
// int64 for integers, double for floats) and TopK (a stable sort of each slice).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

// The slices along `axis` of a tensor of `dims`: outer x inner slices of `extent` elements,
// element k of slice (o, i) at (o * extent + k) * inner + i.
struct AxisSlices {
  int64_t outer = 1, extent = 1, inner = 1;

  AxisSlices(const std::vector<int64_t>& dims, int64_t axis) : extent(dims[size_t(axis)]) {
    for (int64_t d = 0; d < axis; ++d) outer *= dims[size_t(d)];
    for (size_t d = size_t(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  }
  int64_t at(int64_t o, int64_t i, int64_t k) const { return (o * extent + k) * inner + i; }
};

}  // namespace

Status run_CumSum(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x.dims.size()));
  if (!axis) return axis.error();
  const bool exclusive = ctx.attrs().get_int("exclusive", 0) != 0;
  const bool reverse = ctx.attrs().get_int("reverse", 0) != 0;
  const AxisSlices slices(x.dims, *axis);
  const bool integral = is_integral(x.dtype);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t o = 0; o < slices.outer; ++o)
    for (int64_t i = 0; i < slices.inner; ++i) {
      uint64_t int_sum = 0;  // wraps like the dtype's arithmetic
      double real_sum = 0.0;
      for (int64_t step = 0; step < slices.extent; ++step) {
        const int64_t k = reverse ? slices.extent - 1 - step : step;
        const int64_t index = slices.at(o, i, k);
        if (exclusive) {
          if (integral)
            out.set_int(index, int64_t(int_sum));
          else
            out.set_double(index, real_sum);
        }
        if (integral)
          int_sum += uint64_t(x.element_as_int(index));
        else
          real_sum += x.element_as_double(index);
        if (!exclusive) {
          if (integral)
            out.set_int(index, int64_t(int_sum));
          else
            out.set_double(index, real_sum);
        }
      }
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

// Each slice sorted by value (descending when `largest`), equal values in index order, so the
// result is the same whatever `sorted` says. NaN counts as larger than any number.
Status run_TopK(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x.dims.size()));
  if (!axis) return axis.error();
  const int64_t k = ctx.attrs().get_int("k", 0);
  const bool largest = ctx.attrs().get_int("largest", 1) != 0;
  const AxisSlices in(x.dims, *axis);
  if (k < 0 || k > in.extent) return make_error("TopK k does not fit the axis");
  std::vector<int64_t> out_dims = x.dims;
  out_dims[size_t(*axis)] = k;
  const AxisSlices out_slices(out_dims, *axis);
  TensorWriter values(x.dtype, out_dims), indices(DType::Int64, out_dims);
  const bool integral = is_integral(x.dtype);
  const bool wide_unsigned = x.dtype == DType::UInt64;  // compared as uint64, not int64
  std::vector<int64_t> order(size_t(in.extent));
  for (int64_t o = 0; o < in.outer; ++o)
    for (int64_t i = 0; i < in.inner; ++i) {
      std::iota(order.begin(), order.end(), 0);
      auto before = [&](int64_t a, int64_t b) {
        const int64_t ia = in.at(o, i, a), ib = in.at(o, i, b);
        if (wide_unsigned) {
          const uint64_t va = uint64_t(x.element_as_int(ia)), vb = uint64_t(x.element_as_int(ib));
          return largest ? va > vb : va < vb;
        }
        if (integral) {
          const int64_t va = x.element_as_int(ia), vb = x.element_as_int(ib);
          return largest ? va > vb : va < vb;
        }
        const double va = x.element_as_double(ia), vb = x.element_as_double(ib);
        if (std::isnan(va) || std::isnan(vb)) return largest ? !std::isnan(vb) : !std::isnan(va);
        return largest ? va > vb : va < vb;
      };
      std::stable_sort(order.begin(), order.end(), before);
      for (int64_t j = 0; j < k; ++j) {
        values.copy_element(x, in.at(o, i, order[size_t(j)]), out_slices.at(o, i, j));
        indices.set_int(out_slices.at(o, i, j), order[size_t(j)]);
      }
    }
  ctx.outputs.push_back(values.finish());
  ctx.outputs.push_back(indices.finish());
  return Status::ok();
}

}  // namespace kiln::reference
