// LowerElementwise.cpp: Halide lowerings of per-element ops (activations, Clip, Cast, the
// broadcasting arithmetic ops, BatchNormalization) and the identities.
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

Result<NodeLowering> lower_unary(LoweringContext& ctx, const Node& node,
                                 const std::function<Expr(const Expr&)>& fn) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Func f = ctx.make_func(node);
  define_pure(f, vars, fn(x.at(as_exprs(vars))));
  return single_output(f, x.extents, x.dtype);
}

Result<NodeLowering> lower_binary(LoweringContext& ctx, const Node& node,
                                  const std::function<Expr(const Expr&, const Expr&)>& fn) {
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(b, ctx.value(node.input(1)));
  std::vector<Expr> extents = broadcast_extents(a.extents, b.extents);
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> index = as_exprs(vars);
  Expr ea = a.at(broadcast_index(a, index));
  Expr eb = b.at(broadcast_index(b, index));
  if (eb.type() != ea.type()) eb = Halide::cast(ea.type(), eb);
  Func f = ctx.make_func(node);
  define_pure(f, vars, fn(ea, eb));
  return single_output(f, extents, a.dtype);
}

// A Halide constant of the element type of `like` (float attributes feed integer tensors too).
Expr constant_like(const Expr& like, double value) {
  return Halide::cast(like.type(), Expr(value));
}

}  // namespace

Result<NodeLowering> lower_Relu(LoweringContext& ctx, const Node& node) {
  return lower_unary(ctx, node, [](const Expr& x) { return Halide::max(x, constant_like(x, 0)); });
}

Result<NodeLowering> lower_LeakyRelu(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 0.01);
  return lower_unary(ctx, node, [alpha](const Expr& x) {
    return Halide::select(x < constant_like(x, 0), x * constant_like(x, alpha), x);
  });
}

Result<NodeLowering> lower_Elu(LoweringContext& ctx, const Node& node) {
  const double alpha = node.attrs.get_float("alpha", 1.0);
  return lower_unary(ctx, node, [alpha](const Expr& x) {
    const Expr zero = constant_like(x, 0);
    // exp of a positive input is never selected; clamping keeps it from overflowing to inf.
    return Halide::select(
        x > zero, x,
        constant_like(x, alpha) * (Halide::exp(Halide::min(x, zero)) - constant_like(x, 1)));
  });
}

Result<NodeLowering> lower_Sigmoid(LoweringContext& ctx, const Node& node) {
  return lower_unary(ctx, node, [](const Expr& x) {
    const Expr one = constant_like(x, 1);
    return one / (one + Halide::exp(-x));
  });
}

Result<NodeLowering> lower_Tanh(LoweringContext& ctx, const Node& node) {
  return lower_unary(ctx, node, [](const Expr& x) { return Halide::tanh(x); });
}

Result<NodeLowering> lower_Clip(LoweringContext& ctx, const Node& node) {
  // A bound is an attribute when constant, else a one-element input read at run time.
  std::optional<Expr> bounds[2];
  for (size_t i = 0; i < 2; ++i) {
    if (node.input(i + 1)) {
      KILN_HALIDE_ASSIGN(bound, ctx.value(node.input(i + 1)));
      bounds[i] = bound.at(std::vector<Expr>(bound.rank(), 0));
    }
  }
  const bool has_min = node.attrs.has("min"), has_max = node.attrs.has("max");
  const double lo = node.attrs.get_float("min", 0), hi = node.attrs.get_float("max", 0);
  return lower_unary(ctx, node, [=](const Expr& x) {
    Expr y = x;
    if (bounds[0])
      y = Halide::max(y, *bounds[0]);
    else if (has_min)
      y = Halide::max(y, constant_like(x, lo));
    if (bounds[1])
      y = Halide::min(y, *bounds[1]);
    else if (has_max)
      y = Halide::min(y, constant_like(x, hi));
    return y;
  });
}

Result<NodeLowering> lower_Cast(LoweringContext& ctx, const Node& node) {
  const std::string to = node.attrs.get_string("to", "");
  std::optional<DType> dtype = parse_dtype_name(to);
  if (!dtype) return make_error("Cast has an unknown target type '" + to + "'");
  KILN_HALIDE_ASSIGN(type, to_halide_type(*dtype));
  KILN_HALIDE_ASSIGN(lowered, lower_unary(ctx, node, [type = type](const Expr& x) {
                       if (type.is_bool()) return Expr(x != Halide::cast(x.type(), 0));
                       return Halide::cast(type, x);
                     }));
  lowered.outputs[0].dtype = *dtype;
  return lowered;
}

Result<NodeLowering> lower_Identity(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  NodeLowering lowering;
  lowering.outputs.push_back(x);  // an alias: no Func of its own
  return lowering;
}

Result<NodeLowering> lower_Dropout(LoweringContext& ctx, const Node& node) {
  return lower_Identity(ctx, node);
}

Result<NodeLowering> lower_Add(LoweringContext& ctx, const Node& node) {
  return lower_binary(ctx, node, [](const Expr& a, const Expr& b) { return a + b; });
}

Result<NodeLowering> lower_Sub(LoweringContext& ctx, const Node& node) {
  return lower_binary(ctx, node, [](const Expr& a, const Expr& b) { return a - b; });
}

Result<NodeLowering> lower_Mul(LoweringContext& ctx, const Node& node) {
  return lower_binary(ctx, node, [](const Expr& a, const Expr& b) { return a * b; });
}

Result<NodeLowering> lower_Div(LoweringContext& ctx, const Node& node) {
  return lower_binary(ctx, node, [](const Expr& a, const Expr& b) {
    if (a.type().is_float()) return a / b;
    // ONNX integer division truncates; Halide's rounds toward negative infinity.
    Expr q = Halide::cast<double>(a) / Halide::cast<double>(b);
    return Halide::cast(a.type(), Halide::trunc(q));
  });
}

Result<NodeLowering> lower_PRelu(LoweringContext& ctx, const Node& node) {
  return lower_binary(ctx, node, [](const Expr& x, const Expr& slope) {
    return Halide::select(x < constant_like(x, 0), x * slope, x);
  });
}

Result<NodeLowering> lower_BatchNormalization(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() < 2) return make_error("BatchNormalization needs an input of rank >= 2");
  KILN_HALIDE_ASSIGN(scale, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(bias, ctx.value(node.input(2)));
  KILN_HALIDE_ASSIGN(mean, ctx.value(node.input(3)));
  KILN_HALIDE_ASSIGN(var, ctx.value(node.input(4)));
  const double epsilon = node.attrs.get_float("epsilon", 1e-5);
  // Per-channel factor and offset, computed once per run instead of per element.
  Halide::Var c("c");
  Func factor = ctx.make_func(node, "factor"), offset = ctx.make_func(node, "offset");
  Expr var_c = var.func(c);
  factor(c) = scale.func(c) / Halide::sqrt(var_c + Halide::cast(var_c.type(), Expr(epsilon)));
  offset(c) = bias.func(c) - mean.func(c) * factor(c);
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(as_exprs(vars)) * factor(vars[1]) + offset(vars[1]));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = {factor, offset};
  return lowering;
}

}  // namespace kiln::halide_lowering
