// ReductionKernels.cpp: the reductions over a set of axes (ReduceMean ... ReduceSumSquare), in
// double precision, and ArgMax/ArgMin along one axis. ReduceLogSumExp subtracts each slice's
// maximum before exponentiating, as the Halide lowering does.
#include <cmath>
#include <limits>
#include <set>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

enum class Reduction { Mean, Sum, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// The reduced axes: attribute `axes`, all axes when absent.
Result<std::set<int64_t>> reduced_axes(const KernelContext& ctx, int64_t rank) {
  std::set<int64_t> axes;
  if (!ctx.attrs().has("axes")) {
    for (int64_t d = 0; d < rank; ++d) axes.insert(d);
    return axes;
  }
  for (int64_t axis : ctx.attrs().get_ints("axes")) {
    Result<int64_t> resolved = normalize_axis(axis, rank);
    if (!resolved) return resolved.error();
    axes.insert(*resolved);
  }
  return axes;
}

Status run_reduction(KernelContext& ctx, Reduction kind) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<std::set<int64_t>> axes = reduced_axes(ctx, rank);
  if (!axes) return axes.error();
  // Reduce into the keepdims shape; dropping the size-1 dims afterwards moves no data.
  std::vector<int64_t> kept_dims = x.dims, dropped_dims;
  int64_t reduced_count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (axes->count(d)) {
      kept_dims[d] = 1;
      reduced_count *= x.dims[d];
    } else {
      dropped_dims.push_back(x.dims[d]);
    }
  }
  const std::vector<int64_t> targets = reduced_targets(x.dims, *axes);
  const size_t out_count = static_cast<size_t>(product(kept_dims));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double start = kind == Reduction::Prod  ? 1.0
                       : kind == Reduction::Max ? -kInf
                       : kind == Reduction::Min ? kInf
                                                : 0.0;
  std::vector<double> acc(out_count, start), shift(out_count, 0.0);
  NumericView xv(x);
  if (kind == Reduction::LogSumExp) {  // each slice's maximum, subtracted before exp
    shift.assign(out_count, -kInf);
    for (size_t i = 0; i < targets.size(); ++i)
      shift[targets[i]] = std::max(shift[targets[i]], xv[int64_t(i)]);
    for (double& m : shift)
      if (!std::isfinite(m)) m = 0.0;
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const double v = xv[int64_t(i)];
    double& a = acc[targets[i]];
    switch (kind) {
      case Reduction::Mean:
      case Reduction::Sum:
      case Reduction::LogSum:
        a += v;
        break;
      case Reduction::Max:
        a = std::max(a, v);
        break;
      case Reduction::Min:
        a = std::min(a, v);
        break;
      case Reduction::Prod:
        a *= v;
        break;
      case Reduction::L1:
        a += std::fabs(v);
        break;
      case Reduction::L2:
      case Reduction::SumSquare:
        a += v * v;
        break;
      case Reduction::LogSumExp:
        a += std::exp(v - shift[targets[i]]);
        break;
    }
  }
  for (size_t t = 0; t < out_count; ++t) {
    double& a = acc[t];
    if (kind == Reduction::Mean) a /= static_cast<double>(reduced_count);
    if (kind == Reduction::L2) a = std::sqrt(a);
    if (kind == Reduction::LogSum) a = std::log(a);
    if (kind == Reduction::LogSumExp) a = shift[t] + std::log(a);
  }
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  ctx.outputs.push_back(tensor_from_doubles(x.dtype, keepdims ? kept_dims : dropped_dims, acc));
  return Status::ok();
}

// ArgMax (`largest`) or ArgMin along attribute `axis`: the first extreme's index, or the last's
// with select_last_index.
Status run_arg_reduction(KernelContext& ctx, bool largest) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<int64_t> axis = normalize_axis(ctx.attrs().get_int("axis", 0), rank);
  if (!axis) return axis.error();
  const bool last = ctx.attrs().get_int("select_last_index", 0) != 0;
  const int64_t extent = x.dims[*axis];
  const int64_t inner = product(std::vector<int64_t>(x.dims.begin() + *axis + 1, x.dims.end()));
  const int64_t outer = extent * inner == 0 ? 0 : x.element_count() / (extent * inner);
  std::vector<int64_t> kept_dims = x.dims, dropped_dims = x.dims;
  kept_dims[*axis] = 1;
  dropped_dims.erase(dropped_dims.begin() + *axis);
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  TensorWriter out(DType::Int64, keepdims ? kept_dims : dropped_dims);
  NumericView xv(x);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      int64_t best = 0;
      double best_value = xv[o * extent * inner + in];
      for (int64_t k = 1; k < extent; ++k) {
        const double v = xv[(o * extent + k) * inner + in];
        const bool better = largest ? (v > best_value || (last && v == best_value))
                                    : (v < best_value || (last && v == best_value));
        if (better) {
          best = k;
          best_value = v;
        }
      }
      out.set_int(o * inner + in, best);
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace

Status run_ReduceMean(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::Mean);
}
Status run_ReduceSum(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::Sum);
}
Status run_ReduceMax(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::Max);
}
Status run_ReduceMin(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::Min);
}
Status run_ReduceProd(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::Prod);
}
Status run_ReduceL1(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::L1);
}
Status run_ReduceL2(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::L2);
}
Status run_ReduceLogSum(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::LogSum);
}
Status run_ReduceLogSumExp(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::LogSumExp);
}
Status run_ReduceSumSquare(KernelContext& ctx) {
  return run_reduction(ctx, Reduction::SumSquare);
}
Status run_ArgMax(KernelContext& ctx) {
  return run_arg_reduction(ctx, true);
}
Status run_ArgMin(KernelContext& ctx) {
  return run_arg_reduction(ctx, false);
}

}  // namespace kiln::reference
