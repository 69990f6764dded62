// ResamplingKernels.cpp: the reference kernel of Resize: per output element, the weighted sum over
// the product of each dim's taps (ResizeGeometry.h), accumulated in double; nearest copies the
// one element it picks, so integer tensors stay exact.
#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"
#include "ir/shape_rules/ResizeGeometry.h"

namespace kiln::reference {

Status run_Resize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const size_t rank = x.dims.size();
  Result<ResizeAttributes> attrs = read_resize_attributes(ctx.attrs(), rank);
  if (!attrs) return attrs.error();
  Result<std::vector<ResizedDim>> dims = resolve_resize(*attrs, x.dims);
  if (!dims) return dims.error();
  std::vector<ResizeTaps> taps;
  std::vector<int64_t> out_dims;
  for (size_t d = 0; d < rank; ++d) {
    taps.push_back(resize_taps(*attrs, d, (*dims)[d]));
    out_dims.push_back((*dims)[d].output);
  }
  if (out_dims != ctx.output_dims(0)) return make_error("Resize output shape disagrees");
  const std::vector<int64_t> in_strides = row_major_strides(x.dims);
  const bool nearest = attrs->mode == ResizeMode::Nearest;
  NumericView xv(x);
  TensorWriter out(x.dtype, out_dims);
  std::vector<int64_t> at(rank), tap(rank);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i;
    bool outside = false;
    for (size_t d = rank; d-- > 0;) {
      at[d] = rest % out_dims[d];
      rest /= out_dims[d];
      outside = outside || taps[d].outside[size_t(at[d])];
    }
    if (outside) {
      out.set_double(i, attrs->extrapolation_value);
      continue;
    }
    // Every combination of one tap per dim, the last dim's tap fastest.
    std::fill(tap.begin(), tap.end(), 0);
    double sum = 0;
    while (true) {
      int64_t source = 0;
      double weight = 1;
      for (size_t d = 0; d < rank; ++d) {
        const size_t k = size_t(at[d] * taps[d].taps + tap[d]);
        source += taps[d].index[k] * in_strides[d];
        weight *= taps[d].weight[k];
      }
      if (nearest) {
        out.copy_element(x, source, i);
        break;
      }
      sum += weight * xv[source];
      size_t d = rank;
      while (d-- > 0 && ++tap[d] == taps[d].taps) tap[d] = 0;
      if (d == size_t(-1)) break;
    }
    if (!nearest) out.set_double(i, sum);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
