// LowerBinary.cpp: Halide lowerings of the broadcasting binary ops beyond Add/Sub/Mul/Div (Pow,
// Mod, Min, Max, BitShift), the comparisons and logical ops (bool out) and Where: pure per-element
// expressions, so the float ones inline into their consumer or a conv epilogue like Add does.
#include <functional>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;

// f(i) = fn(a[bcast i], b[bcast i]) with both operands as they are stored; the output has
// `dtype` (input 0's when unset).
Result<NodeLowering> lower_pair(LoweringContext& ctx, const Node& node,
                                const std::function<Expr(const Expr&, const Expr&)>& fn,
                                std::optional<DType> dtype = std::nullopt) {
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(b, ctx.value(node.input(1)));
  std::vector<Expr> extents = broadcast_extents(a.extents, b.extents);
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> index = as_exprs(vars);
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, fn(a.at(broadcast_index(a, index)), b.at(broadcast_index(b, index))));
  return single_output(f, extents, dtype.value_or(a.dtype));
}

// Both operands of one type (they share a dtype by the op's rule; Pow's exponent is cast).
Result<NodeLowering> lower_same_type(LoweringContext& ctx, const Node& node,
                                     const std::function<Expr(const Expr&, const Expr&)>& fn,
                                     std::optional<DType> dtype = std::nullopt) {
  return lower_pair(
      ctx, node,
      [&](const Expr& a, const Expr& b) {
        return fn(a, b.type() == a.type() ? b : Halide::cast(a.type(), b));
      },
      dtype);
}

Expr zero_like(const Expr& e) {
  return Halide::cast(e.type(), 0);
}

// C's fmod (Halide has none): a - b * trunc(a / b), in double so f32 operands round once.
Expr float_fmod(const Expr& a, const Expr& b) {
  const Expr da = Halide::cast<double>(a), db = Halide::cast<double>(b);
  return Halide::cast(a.type(), da - db * Halide::trunc(da / db));
}

// The remainder with the sign of the dividend (C's % and fmod) for integers and floats.
Expr truncated_remainder(const Expr& a, const Expr& b) {
  if (a.type().is_float()) return float_fmod(a, b);
  // Halide's % is Euclidean (never negative); shift it to the dividend's sign.
  const Expr m = a % b;
  return Halide::select(m != zero_like(m) && a < zero_like(a), m - Halide::abs(b), m);
}

// A bool Expr of `e` (bools may be stored as bytes).
Expr as_bool(const Expr& e) {
  return e.type().is_bool() ? e : e != zero_like(e);
}

}  // namespace

Result<NodeLowering> lower_Pow(LoweringContext& ctx, const Node& node) {
  return lower_pair(ctx, node, [](const Expr& a, const Expr& b) {
    if (a.type().is_float()) return Halide::pow(a, Halide::cast(a.type(), b));
    // An integer base computes in double and truncates to its type, as the reference does.
    return Halide::cast(
        a.type(), Halide::trunc(Halide::pow(Halide::cast<double>(a), Halide::cast<double>(b))));
  });
}

Result<NodeLowering> lower_Mod(LoweringContext& ctx, const Node& node) {
  const bool fmod = node.attrs.get_int("fmod", 0) != 0;
  return lower_same_type(ctx, node, [=](const Expr& a, const Expr& b) {
    if (fmod) return truncated_remainder(a, b);
    if (a.type().is_float()) {
      const Expr r = float_fmod(a, b);
      return Halide::select(r != zero_like(r) && ((r < zero_like(r)) != (b < zero_like(b))), r + b,
                            r);
    }
    // Python's %: the sign of the divisor.
    const Expr m = a % b;  // Euclidean: 0 <= m < |b|
    return Halide::select(m != zero_like(m) && b < zero_like(b), m + b, m);
  });
}

Result<NodeLowering> lower_Min(LoweringContext& ctx, const Node& node) {
  return lower_same_type(ctx, node, [](const Expr& a, const Expr& b) {
    if (!a.type().is_float()) return Halide::min(a, b);
    return Halide::select(is_nan_bits(a) || is_nan_bits(b), a + b, Halide::min(a, b));
  });
}

Result<NodeLowering> lower_Max(LoweringContext& ctx, const Node& node) {
  return lower_same_type(ctx, node, [](const Expr& a, const Expr& b) {
    if (!a.type().is_float()) return Halide::max(a, b);
    return Halide::select(is_nan_bits(a) || is_nan_bits(b), a + b, Halide::max(a, b));
  });
}

// Unsigned shifts; a shift by the dtype's width or more gives 0, as in the reference.
Result<NodeLowering> lower_BitShift(LoweringContext& ctx, const Node& node) {
  const bool left = node.attrs.get_string("direction", "") == "LEFT";
  return lower_same_type(ctx, node, [left](const Expr& a, const Expr& b) {
    const Expr shifted = left ? a << b : a >> b;
    return Halide::select(b >= Halide::cast(b.type(), a.type().bits()), zero_like(a), shifted);
  });
}

#define KILN_COMPARISON_LOWERING(NAME, OP)                                            \
  Result<NodeLowering> lower_##NAME(LoweringContext& ctx, const Node& node) {         \
    return lower_same_type(                                                           \
        ctx, node, [](const Expr& a, const Expr& b) { return a OP b; }, DType::Bool); \
  }
KILN_COMPARISON_LOWERING(Equal, ==)
KILN_COMPARISON_LOWERING(Less, <)
KILN_COMPARISON_LOWERING(Greater, >)
KILN_COMPARISON_LOWERING(LessOrEqual, <=)
KILN_COMPARISON_LOWERING(GreaterOrEqual, >=)
#undef KILN_COMPARISON_LOWERING

Result<NodeLowering> lower_Where(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(c, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(y, ctx.value(node.input(2)));
  std::vector<Expr> extents = broadcast_extents(broadcast_extents(c.extents, x.extents), y.extents);
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> index = as_exprs(vars);
  Expr condition = as_bool(c.at(broadcast_index(c, index)));
  Expr ex = x.at(broadcast_index(x, index));
  Expr ey = y.at(broadcast_index(y, index));
  if (ey.type() != ex.type()) ey = Halide::cast(ex.type(), ey);
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, Halide::select(condition, ex, ey));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Not(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, !as_bool(x.at(as_exprs(vars))));
  return single_output(f, x.extents, DType::Bool);
}
Result<NodeLowering> lower_And(LoweringContext& ctx, const Node& node) {
  return lower_same_type(
      ctx, node, [](const Expr& a, const Expr& b) { return as_bool(a) && as_bool(b); },
      DType::Bool);
}
Result<NodeLowering> lower_Or(LoweringContext& ctx, const Node& node) {
  return lower_same_type(
      ctx, node, [](const Expr& a, const Expr& b) { return as_bool(a) || as_bool(b); },
      DType::Bool);
}
Result<NodeLowering> lower_Xor(LoweringContext& ctx, const Node& node) {
  return lower_same_type(
      ctx, node, [](const Expr& a, const Expr& b) { return as_bool(a) != as_bool(b); },
      DType::Bool);
}

}  // namespace kiln::halide_lowering
