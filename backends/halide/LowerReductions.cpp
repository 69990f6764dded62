// LowerReductions.cpp: Halide lowerings of Softmax, LogSoftmax and Hardmax (along one axis), the
// Reduce<Kind> ops (over any set of axes, with or without kept dims) and ArgMax/ArgMin.
#include <set>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {

using Halide::Expr;
using Halide::Func;

namespace {

enum class AlongAxis { Softmax, LogSoftmax, Hardmax };

// Softmax, LogSoftmax (max-subtracted) or Hardmax (1 at the first maximum) along attribute
// `axis`. The row statistics are helpers that keep the axis as a dim of extent one, so they
// share the output's Vars.
Result<NodeLowering> lower_along_axis(LoweringContext& ctx, const Node& node, AlongAxis kind) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", -1), x.rank()));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Halide::RDom r(0, x.extents[size_t(axis)], ctx.make_func(node, "r").name());
  std::vector<Expr> along = as_exprs(vars);
  along[size_t(axis)] = r;
  std::vector<Expr> reduced_index = as_exprs(vars);
  reduced_index[size_t(axis)] = 0;
  Func f = ctx.make_func(node);
  if (kind == AlongAxis::Hardmax) {
    Func first_max = ctx.make_func(node, "argmax");
    define_pure(first_max, vars, Halide::argmax(x.at(along))[0]);
    KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
    define_pure(f, vars,
                Halide::select(vars[size_t(axis)] == first_max(to_halide_order(reduced_index)),
                               Halide::cast(type, 1), Halide::cast(type, 0)));
    NodeLowering lowering = single_output(f, x.extents, x.dtype);
    lowering.funcs.helpers = {first_max};
    return lowering;
  }
  Func max_along = ctx.make_func(node, "max");
  define_pure(max_along, vars, Halide::maximum(x.at(along)));
  Func exp_shifted = ctx.make_func(node, "exp");
  define_pure(exp_shifted, vars,
              Halide::exp(x.at(as_exprs(vars)) - max_along(to_halide_order(reduced_index))));
  Func sum_along = ctx.make_func(node, "sum");
  define_pure(sum_along, vars, Halide::sum(exp_shifted(to_halide_order(along))));
  const Expr sum = sum_along(to_halide_order(reduced_index));
  if (kind == AlongAxis::Softmax)
    define_pure(f, vars, exp_shifted(to_halide_order(as_exprs(vars))) / sum);
  else
    define_pure(f, vars,
                x.at(as_exprs(vars)) - max_along(to_halide_order(reduced_index)) - Halide::log(sum));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = {max_along, exp_shifted, sum_along};
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_Softmax(LoweringContext& ctx, const Node& node) {
  return lower_along_axis(ctx, node, AlongAxis::Softmax);
}
Result<NodeLowering> lower_LogSoftmax(LoweringContext& ctx, const Node& node) {
  return lower_along_axis(ctx, node, AlongAxis::LogSoftmax);
}
Result<NodeLowering> lower_Hardmax(LoweringContext& ctx, const Node& node) {
  return lower_along_axis(ctx, node, AlongAxis::Hardmax);
}

namespace {

enum class Reduction { Mean, Sum, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// Reduce<Kind> over attribute `axes` (all when absent), keeping them as 1s with `keepdims`. Sums
// accumulate in the input's type; L2, LogSum and LogSumExp of integers go through f64.
Result<NodeLowering> lower_reduction(LoweringContext& ctx, const Node& node, Reduction kind) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
  std::set<size_t> axes;
  if (node.attrs.has("axes")) {
    for (int64_t a : node.attrs.get_ints("axes")) {
      KILN_HALIDE_ASSIGN(axis, normalize_axis(a, x.rank()));
      axes.insert(size_t(axis));
    }
  } else {
    for (size_t i = 0; i < x.rank(); ++i) axes.insert(i);
  }
  Halide::Region region;  // innermost first
  for (size_t i = x.rank(); i-- > 0;)
    if (axes.count(i)) region.emplace_back(0, x.extents[i]);
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  // No reduced axis (a scalar input): each inline reduction is of one element, the element.
  const bool reduces = !region.empty();
  Halide::RDom r = reduces ? Halide::RDom(region, ctx.make_func(node, "r").name()) : Halide::RDom();
  auto sum = [&](const Expr& e) { return reduces ? Halide::sum(e) : e; };
  auto maximum = [&](const Expr& e) { return reduces ? Halide::maximum(e) : e; };
  auto minimum = [&](const Expr& e) { return reduces ? Halide::minimum(e) : e; };
  auto product = [&](const Expr& e) { return reduces ? Halide::product(e) : e; };

  std::vector<Expr> out_extents, reduced_extents;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (axes.count(i)) {
      reduced_extents.push_back(x.extents[i]);
      if (keepdims) out_extents.push_back(1);
    } else {
      out_extents.push_back(x.extents[i]);
    }
  }
  std::vector<Halide::Var> vars = ctx.make_vars(out_extents.size());
  std::vector<Expr> index;
  int next_r = int(axes.size()) - 1;  // r[0] is the innermost reduced axis
  size_t next_var = 0;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (axes.count(i)) {
      index.push_back(r[next_r--]);
      if (keepdims) ++next_var;
    } else {
      index.push_back(vars[next_var++]);
    }
  }
  const Expr v = x.at(index);
  const Halide::Type real = type.is_float() ? type : Halide::Float(64);
  Func f = ctx.make_func(node);
  NodeLowering lowering;
  Expr value;
  switch (kind) {
    case Reduction::Mean:
      value = sum(v) / Halide::cast(type, element_count(reduced_extents));
      break;
    case Reduction::Sum:
      value = sum(v);
      break;
    case Reduction::Max:
      value = maximum(v);
      break;
    case Reduction::Min:
      value = minimum(v);
      break;
    case Reduction::Prod:
      value = product(v);
      break;
    case Reduction::L1:
      value = sum(Halide::cast(type, Halide::abs(v)));
      break;
    case Reduction::SumSquare:
      value = sum(v * v);
      break;
    case Reduction::L2:
      value = Halide::sqrt(sum(Halide::cast(real, v) * Halide::cast(real, v)));
      break;
    case Reduction::LogSum:
      value = Halide::log(sum(Halide::cast(real, v)));
      break;
    case Reduction::LogSumExp: {
      // Each slice's maximum is subtracted before exp (0 where it is not finite).
      Func max_along = ctx.make_func(node, "max");
      define_pure(max_along, vars, maximum(Halide::cast(real, v)));
      const Expr m = max_along(to_halide_order(as_exprs(vars)));
      const Expr shift = Halide::select(Halide::is_finite(m), m, Halide::cast(real, 0));
      value = shift + Halide::log(sum(Halide::exp(Halide::cast(real, v) - shift)));
      lowering.funcs.helpers = {max_along};
      break;
    }
  }
  define_pure(f, vars, Halide::cast(type, value));
  NodeLowering result = single_output(f, out_extents, x.dtype);
  result.funcs.helpers = lowering.funcs.helpers;
  return result;
}

// ArgMax (`largest`) or ArgMin along attribute `axis`; Halide's argmax/argmin give the first
// extreme, so select_last_index walks the axis backwards.
Result<NodeLowering> lower_arg_reduction(LoweringContext& ctx, const Node& node, bool largest) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), x.rank()));
  const bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
  const bool last = node.attrs.get_int("select_last_index", 0) != 0;
  const Expr extent = x.extents[size_t(axis)];
  std::vector<Expr> out_extents;
  for (size_t i = 0; i < x.rank(); ++i)
    if (i != size_t(axis) || keepdims)
      out_extents.push_back(i == size_t(axis) ? Expr(1) : x.extents[i]);
  std::vector<Halide::Var> vars = ctx.make_vars(out_extents.size());
  Halide::RDom r(0, extent, ctx.make_func(node, "r").name());
  const Expr k = last ? extent - 1 - r.x : Expr(r.x);
  std::vector<Expr> index;
  size_t next_var = 0;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (i == size_t(axis)) {
      index.push_back(k);
      if (keepdims) ++next_var;
    } else {
      index.push_back(vars[next_var++]);
    }
  }
  const Expr found = largest ? Halide::argmax(x.at(index))[0] : Halide::argmin(x.at(index))[0];
  Func f = ctx.make_func(node);
  define_pure(f, vars, Halide::cast(Halide::Int(64), last ? extent - 1 - found : found));
  return single_output(f, out_extents, DType::Int64);
}

}  // namespace

Result<NodeLowering> lower_ReduceMean(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::Mean);
}
Result<NodeLowering> lower_ReduceSum(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::Sum);
}
Result<NodeLowering> lower_ReduceMax(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::Max);
}
Result<NodeLowering> lower_ReduceMin(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::Min);
}
Result<NodeLowering> lower_ReduceProd(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::Prod);
}
Result<NodeLowering> lower_ReduceL1(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::L1);
}
Result<NodeLowering> lower_ReduceL2(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::L2);
}
Result<NodeLowering> lower_ReduceLogSum(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::LogSum);
}
Result<NodeLowering> lower_ReduceLogSumExp(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::LogSumExp);
}
Result<NodeLowering> lower_ReduceSumSquare(LoweringContext& ctx, const Node& node) {
  return lower_reduction(ctx, node, Reduction::SumSquare);
}
Result<NodeLowering> lower_ArgMax(LoweringContext& ctx, const Node& node) {
  return lower_arg_reduction(ctx, node, true);
}
Result<NodeLowering> lower_ArgMin(LoweringContext& ctx, const Node& node) {
  return lower_arg_reduction(ctx, node, false);
}

}  // namespace kiln::halide_lowering
