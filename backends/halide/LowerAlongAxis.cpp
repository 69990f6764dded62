// LowerAlongAxis.cpp: Halide lowerings of CumSum (a scan: one update stage adding each step to
// the previous one, vectorised across the other dims) and TopK (each element's rank in its
// slice, counted in parallel; then the element of each rank below k).
#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// `index` with its entry at `axis` replaced by `value`.
std::vector<Expr> with_axis(std::vector<Expr> index, size_t axis, const Expr& value) {
  index[axis] = value;
  return index;
}

// TopK's order: does value `a` come before `b`? Larger (smaller) first; NaN counts as larger
// than any number, as in the reference.
Expr comes_before(const Expr& a, const Expr& b, bool largest) {
  if (!a.type().is_float()) return largest ? a > b : a < b;
  const Expr a_nan = is_nan_bits(a), b_nan = is_nan_bits(b);
  return largest ? (a_nan && !b_nan) || a > b : (!a_nan && b_nan) || a < b;
}

}  // namespace

Result<NodeLowering> lower_CumSum(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis_value, normalize_axis(node.attrs.get_int("axis", 0), x.rank()));
  const size_t axis = size_t(axis_value);
  const bool exclusive = node.attrs.get_int("exclusive", 0) != 0;
  const bool reverse = node.attrs.get_int("reverse", 0) != 0;
  const Expr steps = x.extents[axis];
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> here = as_exprs(vars);
  // scan = x, then each step adds its predecessor: the one before it, or after it when
  // reversed (walked from the end, so no load runs backwards).
  Func scan = ctx.make_func(node, "scan");
  define_pure(scan, vars, x.at(here));
  Halide::RDom r(0, Halide::max(steps - 1, 0), ctx.make_func(node, "r").name());
  const Expr step = reverse ? steps - 2 - r : r + 1;
  const Expr previous = reverse ? step + 1 : step - 1;
  const std::vector<Expr> at_step = to_halide_order(with_axis(here, axis, step));
  scan(at_step) = scan(at_step) + scan(to_halide_order(with_axis(here, axis, previous)));

  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  const Expr k = vars[axis];
  Expr value = scan(to_halide_order(here));
  if (exclusive) {  // the running sum up to the previous step
    const Expr first = reverse ? k == steps - 1 : k == 0;
    const Expr before = reverse ? Halide::min(k + 1, steps - 1) : Halide::max(k - 1, 0);
    value = Halide::select(first, Halide::cast(type, 0),
                           scan(to_halide_order(with_axis(here, axis, before))));
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, value);
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.update_funcs = {scan};
  return lowering;
}

Result<NodeLowering> lower_TopK(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis_value, normalize_axis(node.attrs.get_int("axis", -1), x.rank()));
  const size_t axis = size_t(axis_value);
  const int64_t k = node.attrs.get_int("k", 0);
  if (k < 0 || k > (int64_t{1} << 30)) return make_error("TopK k is out of range");
  const bool largest = node.attrs.get_int("largest", 1) != 0;
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> here = as_exprs(vars);
  Halide::RDom r(0, x.extents[axis], ctx.make_func(node, "r").name());

  // rank(i) = the elements that come before element i: strictly before it, or equal to it at a
  // lower index (a stable order, so equal values keep their index order).
  const Expr mine = x.at(here), other = x.at(with_axis(here, axis, r));
  const Expr before = comes_before(other, mine, largest);
  const Expr tied = !before && !comes_before(mine, other, largest);
  Func rank = ctx.make_func(node, "rank");
  define_pure(rank, vars, Halide::sum(Halide::select(before || (tied && r < vars[axis]), 1, 0)));

  // The element of rank j (exactly one has each rank).
  Func position = ctx.make_func(node, "position");
  define_pure(position, vars,
              Halide::sum(Halide::select(
                  rank(to_halide_order(with_axis(here, axis, r))) == vars[axis], r, 0)));
  const Expr source = position(to_halide_order(here));
  Func values = ctx.make_func(node);
  define_pure(values, vars,
              x.at(with_axis(here, axis, Halide::clamp(source, 0, x.extents[axis] - 1))));
  Func indices = ctx.make_func(node, "indices");
  define_pure(indices, vars, Halide::cast<int64_t>(source));
  std::vector<Expr> extents = x.extents;
  extents[axis] = Expr(int(k));
  NodeLowering lowering = single_output(values, extents, x.dtype);
  lowering.outputs.push_back(LoweredValue{indices, extents, DType::Int64});
  lowering.funcs.helpers = {rank, position};
  return lowering;
}

}  // namespace kiln::halide_lowering
