// GeneratorKernels.cpp: ops whose output is generated rather than read from an input's
// elements: Range, EyeLike and Size.
#include <cmath>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_Range(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype;
  const bool floating = is_floating(dtype);
  const double first = ctx.input(0).element_as_double(0), limit = ctx.input(1).element_as_double(0),
               delta = ctx.input(2).element_as_double(0);
  if (delta == 0) return make_error("Range delta must not be 0");
  int64_t count = 0;
  if (floating) {
    count = int64_t(std::ceil((limit - first) / delta));
  } else {  // exact: ceil((limit - start) / delta) in integers
    const int64_t span = ctx.input(1).element_as_int(0) - ctx.input(0).element_as_int(0);
    const int64_t step = ctx.input(2).element_as_int(0);
    count = span / step + ((span % step != 0 && (span % step > 0) == (step > 0)) ? 1 : 0);
  }
  TensorWriter out(dtype, {std::max<int64_t>(count, 0)});
  for (int64_t i = 0; i < out.element_count(); ++i) {
    if (floating)
      out.set_double(i, first + double(i) * delta);
    else
      out.set_int(i, ctx.input(0).element_as_int(0) + i * ctx.input(2).element_as_int(0));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_EyeLike(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dims.size() != 2) return make_error("EyeLike needs a 2-D input");
  const int64_t k = ctx.attrs().get_int("k", 0), cols = x.dims[1];
  TensorWriter out(ctx.output_dtype(0), x.dims);  // zeroed
  for (int64_t i = 0; i < out.element_count(); ++i)
    if (i % cols - i / cols == k) out.set_int(i, 1);
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Size(KernelContext& ctx) {
  TensorWriter out(DType::Int64, {});
  out.set_int(0, ctx.input(0).element_count());
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
