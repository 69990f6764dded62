// ResamplingKernels.cpp: reference kernels of the resampling ops (UpsampleNearest).
#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_UpsampleNearest(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> scales = ctx.attrs().get_ints("scales");
  std::vector<int64_t> dims = ctx.output_dims(0);
  if (scales.size() != x.dims.size()) return make_error("UpsampleNearest: scales/rank mismatch");
  std::vector<int64_t> in_strides = row_major_strides(x.dims);
  const int64_t rank = static_cast<int64_t>(dims.size());
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      source += ((rest % dims[d]) / scales[d]) * in_strides[d];
      rest /= dims[d];
    }
    out.copy_element(x, source, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
