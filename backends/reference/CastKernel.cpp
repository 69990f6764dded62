// CastKernel.cpp: Cast between every pair of IR dtypes. Integer sources are converted exactly
// (no trip through double); float -> integer truncates toward zero, anything -> bool is `!= 0`.
#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_Cast(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::string to = ctx.attrs().get_string("to", "");
  std::optional<DType> target = parse_dtype_name(to);
  if (!target || *target == DType::Unknown) return make_error("Cast to unknown dtype '" + to + "'");
  TensorWriter out(*target, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    // A u64 above INT64_MAX reads as a negative int64: to floats it goes by its value.
    const bool exact_int =
        is_integral(x.dtype) && !(x.dtype == DType::UInt64 && is_floating(*target));
    if (exact_int)
      out.set_int(i, x.element_as_int(i));
    else
      out.set_double(i, x.element_as_double(i));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
