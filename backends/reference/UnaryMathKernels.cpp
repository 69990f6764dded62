// UnaryMathKernels.cpp: the per-element math ops and activations of ir/Ops.def that have one
// input and no parameters beyond float attributes (Abs ... Atanh, Selu ... Gelu), from one table
// of formulas in double precision. Abs, Neg and Sign keep integer inputs exact.
#include <cmath>
#include <functional>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

using FloatFn = std::function<double(double)>;
using IntFn = std::function<int64_t(int64_t)>;

Status map_unary(KernelContext& ctx, const FloatFn& float_fn, const IntFn& int_fn = nullptr) {
  const Tensor& x = ctx.input(0);
  TensorWriter out(ctx.output_dtype(0), x.dims);
  if (is_integral(x.dtype)) {
    if (!int_fn) return make_error(std::string("integer input of dtype ") + dtype_name(x.dtype));
    for (int64_t i = 0; i < out.element_count(); ++i) out.set_int(i, int_fn(x.element_as_int(i)));
  } else {
    NumericView in(x);
    for (int64_t i = 0; i < out.element_count(); ++i) out.set_double(i, float_fn(in[i]));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

double softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

double sign_of(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : x);  // keeps 0 and NaN
}

}  // namespace

#define KILN_UNARY_KERNEL(NAME, FORMULA)                     \
  Status run_##NAME(KernelContext& ctx) {                    \
    return map_unary(ctx, [](double x) { return FORMULA; }); \
  }
KILN_UNARY_KERNEL(Exp, std::exp(x))
KILN_UNARY_KERNEL(Log, std::log(x))
KILN_UNARY_KERNEL(Sqrt, std::sqrt(x))
KILN_UNARY_KERNEL(Reciprocal, 1.0 / x)
KILN_UNARY_KERNEL(Floor, std::floor(x))
KILN_UNARY_KERNEL(Ceil, std::ceil(x))
KILN_UNARY_KERNEL(Round, std::nearbyint(x))  // the default rounding mode: halves to even
KILN_UNARY_KERNEL(Erf, std::erf(x))
KILN_UNARY_KERNEL(Sin, std::sin(x))
KILN_UNARY_KERNEL(Cos, std::cos(x))
KILN_UNARY_KERNEL(Tan, std::tan(x))
KILN_UNARY_KERNEL(Asin, std::asin(x))
KILN_UNARY_KERNEL(Acos, std::acos(x))
KILN_UNARY_KERNEL(Atan, std::atan(x))
KILN_UNARY_KERNEL(Sinh, std::sinh(x))
KILN_UNARY_KERNEL(Cosh, std::cosh(x))
KILN_UNARY_KERNEL(Asinh, std::asinh(x))
KILN_UNARY_KERNEL(Acosh, std::acosh(x))
KILN_UNARY_KERNEL(Atanh, std::atanh(x))
KILN_UNARY_KERNEL(HardSwish, x* std::max(0.0, std::min(1.0, x / 6.0 + 0.5)))
KILN_UNARY_KERNEL(Softplus, softplus(x))
KILN_UNARY_KERNEL(Softsign, x / (1.0 + std::fabs(x)))
KILN_UNARY_KERNEL(Mish, x* std::tanh(softplus(x)))
#undef KILN_UNARY_KERNEL

Status run_Abs(KernelContext& ctx) {
  return map_unary(
      ctx, [](double x) { return std::fabs(x); },
      [](int64_t x) { return x < 0 ? static_cast<int64_t>(0 - uint64_t(x)) : x; });
}

Status run_Neg(KernelContext& ctx) {
  return map_unary(
      ctx, [](double x) { return -x; },
      [](int64_t x) { return static_cast<int64_t>(0 - uint64_t(x)); });
}

Status run_Sign(KernelContext& ctx) {
  return map_unary(ctx, sign_of, [](int64_t x) -> int64_t { return (x > 0) - (x < 0); });
}

Status run_Selu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.67326319217681884765625);
  const double gamma = ctx.attrs().get_float("gamma", 1.05070102214813232421875);
  return map_unary(ctx, [=](double x) { return gamma * (x > 0 ? x : alpha * std::expm1(x)); });
}

Status run_Celu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.0);
  return map_unary(ctx, [=](double x) {
    return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
  });
}

Status run_HardSigmoid(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 0.2);
  const double beta = ctx.attrs().get_float("beta", 0.5);
  return map_unary(ctx, [=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); });
}

Status run_ThresholdedRelu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.0);
  return map_unary(ctx, [=](double x) { return x > alpha ? x : 0.0; });
}

Status run_Shrink(KernelContext& ctx) {
  const double lambd = ctx.attrs().get_float("lambd", 0.5);
  const double bias = ctx.attrs().get_float("bias", 0.0);
  return map_unary(ctx, [=](double x) {
    if (x < -lambd) return x + bias;
    if (x > lambd) return x - bias;
    return 0.0;
  });
}

Status run_Gelu(KernelContext& ctx) {
  const std::string approximate = ctx.attrs().get_string("approximate", "none");
  if (approximate == "tanh")
    return map_unary(ctx, [](double x) {
      const double k = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    });
  if (approximate != "none") return make_error("Gelu approximate '" + approximate + "'");
  return map_unary(ctx, [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); });
}

Status run_IsNaN(KernelContext& ctx) {
  return map_unary(ctx, [](double x) { return std::isnan(x) ? 1.0 : 0.0; });
}

Status run_IsInf(KernelContext& ctx) {
  const bool negative = ctx.attrs().get_int("detect_negative", 1) != 0;
  const bool positive = ctx.attrs().get_int("detect_positive", 1) != 0;
  return map_unary(
      ctx, [=](double x) { return std::isinf(x) && (x > 0 ? positive : negative) ? 1.0 : 0.0; });
}

}  // namespace kiln::reference
