// LowerUnaryMath.cpp: Halide lowerings of the one-input math ops and activations of ir/Ops.def
// (Abs ... Atanh, Selu ... Gelu), each a pure per-element expression, so they inline into their
// consumer or a conv epilogue like Relu does.
#include <cmath>
#include <functional>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;

Result<NodeLowering> lower_map(LoweringContext& ctx, const Node& node,
                               const std::function<Expr(const Expr&)>& fn) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, fn(x.at(as_exprs(vars))));
  return single_output(f, x.extents, x.dtype);
}

// A constant of x's element type.
Expr k(const Expr& x, double value) {
  return Halide::cast(x.type(), Expr(value));
}

// max(x, 0) + log(1 + exp(-|x|)): exp never overflows.
Expr softplus(const Expr& x) {
  return Halide::max(x, k(x, 0)) + Halide::log(k(x, 1) + Halide::exp(-Halide::abs(x)));
}

// exp(x) - 1 for the negative branch of Elu-like ops; x is clamped so the unused branch of a
// positive input cannot overflow.
Expr exp_minus_one_below_zero(const Expr& x) {
  return Halide::exp(Halide::min(x, k(x, 0))) - k(x, 1);
}

}  // namespace

#define KILN_UNARY_LOWERING(NAME, FORMULA)                                      \
  Result<NodeLowering> lower_##NAME(LoweringContext& ctx, const Node& node) {   \
    return lower_map(ctx, node, [](const Expr& x) -> Expr { return FORMULA; }); \
  }
// Halide's abs of an integer is unsigned; cast back to the input's type.
KILN_UNARY_LOWERING(Abs, Halide::cast(x.type(), Halide::abs(x)))
KILN_UNARY_LOWERING(Neg, -x)
KILN_UNARY_LOWERING(Sign, Halide::select(x > k(x, 0), k(x, 1), x < k(x, 0), k(x, -1), x))
KILN_UNARY_LOWERING(Exp, Halide::exp(x))
KILN_UNARY_LOWERING(Log, Halide::log(x))
KILN_UNARY_LOWERING(Sqrt, Halide::sqrt(x))
KILN_UNARY_LOWERING(Reciprocal, k(x, 1) / x)
KILN_UNARY_LOWERING(Floor, Halide::floor(x))
KILN_UNARY_LOWERING(Ceil, Halide::ceil(x))
// Halves round to even, as ONNX says. Halide's round does so on the CPU and in CUDA, but its
// OpenCL code calls OpenCL's round(), which rounds halves away from zero; there the halves are
// settled explicitly (floor, plus one when above the half or at a half with an odd floor).
Result<NodeLowering> lower_Round(LoweringContext& ctx, const Node& node) {
  if (!ctx.target().has_feature(Halide::Target::OpenCL))
    return lower_map(ctx, node, [](const Expr& x) -> Expr { return Halide::round(x); });
  return lower_map(ctx, node, [](const Expr& x) -> Expr {
    if (!x.type().is_float()) return x;
    const Expr down = Halide::floor(x), above = x - down;
    const Expr odd = down - k(x, 2) * Halide::floor(down * k(x, 0.5));  // 0 or 1
    return Halide::select(above > k(x, 0.5), down + k(x, 1), above < k(x, 0.5), down, down + odd);
  });
}
KILN_UNARY_LOWERING(Erf, Halide::erf(x))
KILN_UNARY_LOWERING(Sin, Halide::sin(x))
KILN_UNARY_LOWERING(Cos, Halide::cos(x))
KILN_UNARY_LOWERING(Tan, Halide::tan(x))
KILN_UNARY_LOWERING(Asin, Halide::asin(x))
KILN_UNARY_LOWERING(Acos, Halide::acos(x))
KILN_UNARY_LOWERING(Atan, Halide::atan(x))
KILN_UNARY_LOWERING(Sinh, Halide::sinh(x))
KILN_UNARY_LOWERING(Cosh, Halide::cosh(x))
KILN_UNARY_LOWERING(Asinh, Halide::asinh(x))
KILN_UNARY_LOWERING(Acosh, Halide::acosh(x))
KILN_UNARY_LOWERING(Atanh, Halide::atanh(x))
KILN_UNARY_LOWERING(HardSwish, x* Halide::clamp(x / k(x, 6) + k(x, 0.5), k(x, 0), k(x, 1)))
KILN_UNARY_LOWERING(Softplus, softplus(x))
KILN_UNARY_LOWERING(Softsign, x / (k(x, 1) + Halide::abs(x)))
KILN_UNARY_LOWERING(Mish, x* Halide::tanh(softplus(x)))
#undef KILN_UNARY_LOWERING

Result<NodeLowering> lower_Selu(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 1.67326319217681884765625);
  const double gamma = node.attrs.get_float("gamma", 1.05070102214813232421875);
  return lower_map(ctx, node, [=](const Expr& x) {
    return k(x, gamma) * Halide::select(x > k(x, 0), x, k(x, alpha) * exp_minus_one_below_zero(x));
  });
}

Result<NodeLowering> lower_Celu(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 1.0);
  return lower_map(ctx, node, [=](const Expr& x) {
    return Halide::max(x, k(x, 0)) + k(x, alpha) * exp_minus_one_below_zero(x / k(x, alpha));
  });
}

Result<NodeLowering> lower_HardSigmoid(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 0.2);
  const double beta = node.attrs.get_float("beta", 0.5);
  return lower_map(ctx, node, [=](const Expr& x) {
    return Halide::clamp(k(x, alpha) * x + k(x, beta), k(x, 0), k(x, 1));
  });
}

Result<NodeLowering> lower_ThresholdedRelu(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 1.0);
  return lower_map(ctx, node,
                   [=](const Expr& x) { return Halide::select(x > k(x, alpha), x, k(x, 0)); });
}

Result<NodeLowering> lower_Shrink(LoweringContext& ctx, const Node& node) {
  const double lambd = node.attrs.get_float("lambd", 0.5);
  const double bias = node.attrs.get_float("bias", 0.0);
  return lower_map(ctx, node, [=](const Expr& x) {
    return Halide::select(x<k(x, -lambd), x + k(x, bias), x> k(x, lambd), x - k(x, bias), k(x, 0));
  });
}

Result<NodeLowering> lower_Gelu(LoweringContext& ctx, const Node& node) {
  const std::string approximate = node.attrs.get_string("approximate", "none");
  if (approximate == "tanh")
    return lower_map(ctx, node, [](const Expr& x) {
      const Expr inner = k(x, std::sqrt(2.0 / M_PI)) * (x + k(x, 0.044715) * x * x * x);
      return k(x, 0.5) * x * (k(x, 1) + Halide::tanh(inner));
    });
  if (approximate != "none")
    return make_error("Gelu approximate '" + approximate + "' is not \"none\" or \"tanh\"");
  return lower_map(ctx, node, [](const Expr& x) {
    return k(x, 0.5) * x * (k(x, 1) + Halide::erf(x * k(x, 1.0 / std::sqrt(2.0))));
  });
}

Result<NodeLowering> lower_IsNaN(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(lowered,
                     lower_map(ctx, node, [](const Expr& x) { return Halide::is_nan(x); }));
  lowered.outputs[0].dtype = DType::Bool;
  return lowered;
}

Result<NodeLowering> lower_IsInf(LoweringContext& ctx, const Node& node) {
  const bool negative = node.attrs.get_int("detect_negative", 1) != 0;
  const bool positive = node.attrs.get_int("detect_positive", 1) != 0;
  KILN_HALIDE_ASSIGN(lowered, lower_map(ctx, node, [=](const Expr& x) {
                       const Expr zero = k(x, 0);
                       return Halide::is_inf(x) &&
                              ((x > zero && positive) || (x < zero && negative));
                     }));
  lowered.outputs[0].dtype = DType::Bool;
  return lowered;
}

}  // namespace kiln::halide_lowering
