// LowerReductions.cpp: Halide lowerings of Softmax (max-subtracted, along one axis) and
// ReduceMean (over any set of axes, with or without kept dims).
#include <set>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {

using Halide::Expr;
using Halide::Func;

Result<NodeLowering> lower_Softmax(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", -1), x.rank()));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Halide::RDom r(0, x.extents[size_t(axis)], ctx.make_func(node, "r").name());
  std::vector<Expr> along = as_exprs(vars);
  along[size_t(axis)] = r;
  // The helpers keep the softmax axis as a dim of extent one, so they share the output's Vars.
  std::vector<Expr> reduced_index = as_exprs(vars);
  reduced_index[size_t(axis)] = 0;

  Func max_along = ctx.make_func(node, "max");
  define_pure(max_along, vars, Halide::maximum(x.at(along)));
  Func exp_shifted = ctx.make_func(node, "exp");
  define_pure(exp_shifted, vars,
              Halide::exp(x.at(as_exprs(vars)) - max_along(to_halide_order(reduced_index))));
  Func sum_along = ctx.make_func(node, "sum");
  define_pure(sum_along, vars, Halide::sum(exp_shifted(to_halide_order(along))));
  Func f = ctx.make_func(node);
  define_pure(
      f, vars,
      exp_shifted(to_halide_order(as_exprs(vars))) / sum_along(to_halide_order(reduced_index)));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = {max_along, exp_shifted, sum_along};
  return lowering;
}

Result<NodeLowering> lower_ReduceMean(LoweringContext& ctx, const Node& node) {
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
  if (region.empty()) {
    NodeLowering identity;
    identity.outputs.push_back(x);
    return identity;
  }
  Halide::RDom r(region, ctx.make_func(node, "r").name());

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
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::sum(x.at(index)) / Halide::cast(type, element_count(reduced_extents)));
  return single_output(f, out_extents, x.dtype);
}

}  // namespace kiln::halide_lowering
