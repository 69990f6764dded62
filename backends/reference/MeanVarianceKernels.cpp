// MeanVarianceKernels.cpp: the normalisations by mean and variance over a set of axes:
// InstanceNormalization (the spatial dims, per-channel scale and bias), LayerNormalization (the
// trailing dims, broadcast scale and bias, optional Mean/InvStdDev outputs) and
// MeanVarianceNormalization. Statistics are computed in double, the variance as the mean squared
// deviation (two passes).
#include <cmath>
#include <optional>
#include <set>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

/// Per-slice statistics of a tensor reduced over some axes (slices indexed as the keepdims
/// result is), and for each element the slice it belongs to.
struct Moments {
  std::vector<int64_t> slice_of;  ///< per element of x
  std::vector<double> mean, variance;
  std::vector<int64_t> kept_dims;  ///< x's dims with the reduced ones as 1
};

Moments moments_over(const Tensor& x, const std::set<int64_t>& axes) {
  Moments m;
  m.kept_dims = x.dims;
  int64_t reduced_count = 1;
  for (int64_t axis : axes) {
    m.kept_dims[static_cast<size_t>(axis)] = 1;
    reduced_count *= x.dims[static_cast<size_t>(axis)];
  }
  m.slice_of = reduced_targets(x.dims, axes);
  const size_t slices = static_cast<size_t>(product(m.kept_dims));
  m.mean.assign(slices, 0.0);
  m.variance.assign(slices, 0.0);
  NumericView xv(x);
  const double count = static_cast<double>(std::max<int64_t>(reduced_count, 1));
  for (size_t i = 0; i < m.slice_of.size(); ++i) m.mean[m.slice_of[i]] += xv[int64_t(i)];
  for (double& mean : m.mean) mean /= count;
  for (size_t i = 0; i < m.slice_of.size(); ++i) {
    const double deviation = xv[int64_t(i)] - m.mean[m.slice_of[i]];
    m.variance[m.slice_of[i]] += deviation * deviation;
  }
  for (double& variance : m.variance) variance /= count;
  return m;
}

std::set<int64_t> axes_from(int64_t first, int64_t rank) {
  std::set<int64_t> axes;
  for (int64_t d = first; d < rank; ++d) axes.insert(d);
  return axes;
}

}  // namespace

Status run_InstanceNormalization(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  if (rank < 3) return make_error("InstanceNormalization needs an input of rank >= 3");
  const int64_t channels = x.dims[1];
  for (size_t i = 1; i < 3; ++i)
    if (ctx.input(i).element_count() != channels)
      return make_error("InstanceNormalization parameter " + std::to_string(i) + " must have " +
                        std::to_string(channels) + " elements");
  const double epsilon = ctx.attrs().get_float("epsilon", 1e-5);
  const Moments m = moments_over(x, axes_from(2, rank));
  NumericView xv(x), scale(ctx.input(1)), bias(ctx.input(2));
  const int64_t inner = product(std::vector<int64_t>(x.dims.begin() + 2, x.dims.end()));
  TensorWriter out(x.dtype, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    const int64_t c = (i / std::max<int64_t>(inner, 1)) % channels;
    const int64_t s = m.slice_of[size_t(i)];
    out.set_double(i,
                   scale[c] * (xv[i] - m.mean[s]) / std::sqrt(m.variance[s] + epsilon) + bias[c]);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_LayerNormalization(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<int64_t> axis = normalize_axis(ctx.attrs().get_int("axis", -1), rank);
  if (!axis) return axis.error();
  const double epsilon = ctx.attrs().get_float("epsilon", 1e-5);
  const Moments m = moments_over(x, axes_from(*axis, rank));
  const Tensor& scale = ctx.input(1);
  BroadcastIndexer scale_at(scale.dims, x.dims);
  NumericView xv(x), sv(scale);
  std::optional<NumericView> bv;
  std::optional<BroadcastIndexer> bias_at;
  if (ctx.has_input(2)) {
    bv.emplace(ctx.input(2));
    bias_at.emplace(ctx.input(2).dims, x.dims);
  }
  std::vector<double> inverse_deviation(m.variance.size());
  for (size_t s = 0; s < m.variance.size(); ++s)
    inverse_deviation[s] = 1.0 / std::sqrt(m.variance[s] + epsilon);
  TensorWriter y(x.dtype, x.dims);
  for (int64_t i = 0; i < y.element_count(); ++i) {
    const int64_t s = m.slice_of[size_t(i)];
    double value = (xv[i] - m.mean[s]) * inverse_deviation[s] * sv[scale_at.input_index(i)];
    if (bv) value += (*bv)[bias_at->input_index(i)];
    y.set_double(i, value);
  }
  ctx.outputs.push_back(y.finish());
  const size_t outputs = ctx.node->outputs.size();
  if (outputs > 1)
    ctx.outputs.push_back(tensor_from_doubles(ctx.output_dtype(1), m.kept_dims, m.mean));
  if (outputs > 2)
    ctx.outputs.push_back(tensor_from_doubles(ctx.output_dtype(2), m.kept_dims, inverse_deviation));
  return Status::ok();
}

Status run_MeanVarianceNormalization(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  std::set<int64_t> axes;
  for (int64_t axis : ctx.attrs().get_ints("axes", {0, 2, 3})) {
    Result<int64_t> resolved = normalize_axis(axis, rank);
    if (!resolved) return resolved.error();
    axes.insert(*resolved);
  }
  const Moments m = moments_over(x, axes);
  NumericView xv(x);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    const int64_t s = m.slice_of[size_t(i)];
    out.set_double(i, (xv[i] - m.mean[s]) / (std::sqrt(m.variance[s]) + 1e-9));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
