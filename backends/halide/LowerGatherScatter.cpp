// LowerGatherScatter.cpp: Halide lowerings of the ops that read or write elements at positions
// held in an index tensor. The gathers (GatherElements, GatherND, OneHot, ReverseSequence) are
// pure Funcs, so they inline into their consumers like Gather; the scatters (ScatterElements,
// ScatterND) copy the data and then write the updates in an update stage over the indices, in
// their row-major order (which decides between duplicate indices, as in the reference).
// Run-time indices are clamped into their axis, so a bad index reads or writes a valid element
// instead of memory outside the tensor (the reference backend reports it).
#include <functional>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// A run-time index resolved against an axis of `extent`: negative counts from the end, then
// clamped into the axis.
Expr resolve_index(const Expr& raw, const Expr& extent) {
  const Expr index = Halide::cast<int>(raw);
  return Halide::clamp(Halide::select(index < 0, index + extent, index), 0, extent - 1);
}

// An RDom over `extents` (IR order) and its variables in IR order.
std::pair<Halide::RDom, std::vector<Expr>> domain_over(LoweringContext& ctx, const Node& node,
                                                       const std::vector<Expr>& extents) {
  Halide::Region region;  // innermost first
  for (size_t i = extents.size(); i-- > 0;) region.emplace_back(0, extents[i]);
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Expr> at;
  for (size_t i = 0; i < extents.size(); ++i) at.push_back(r[int(extents.size() - 1 - i)]);
  return {r, at};
}

// The data indices an index tuple names: element j of the tuple at `tuple_at` (the leading
// dims of `indices`) resolved against data dim `first + j`.
std::vector<Expr> resolved_tuple(const LoweredValue& indices, const std::vector<Expr>& tuple_at,
                                 const std::vector<Expr>& data_extents, size_t first, size_t k) {
  std::vector<Expr> resolved;
  for (size_t j = 0; j < k; ++j) {
    std::vector<Expr> element = tuple_at;
    element.push_back(int(j));
    resolved.push_back(resolve_index(indices.at(element), data_extents[first + j]));
  }
  return resolved;
}

using Combiner = std::function<Expr(const Expr&, const Expr&)>;

// How an update combines with the element already there.
Result<Combiner> combiner(const Node& node) {
  const std::string reduction = node.attrs.get_string("reduction", "none");
  Combiner combine;
  if (reduction == "none") combine = [](const Expr&, const Expr& update) { return update; };
  if (reduction == "add")
    combine = [](const Expr& old, const Expr& update) { return old + update; };
  if (reduction == "mul")
    combine = [](const Expr& old, const Expr& update) { return old * update; };
  if (reduction == "max")
    combine = [](const Expr& old, const Expr& update) { return Halide::max(old, update); };
  if (reduction == "min")
    combine = [](const Expr& old, const Expr& update) { return Halide::min(old, update); };
  if (!combine)
    return make_error("reduction must be none, add, mul, max or min, not '" + reduction + "'");
  return combine;
}

}  // namespace

Result<NodeLowering> lower_GatherElements(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(data, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), data.rank()));
  std::vector<Halide::Var> vars = ctx.make_vars(indices.rank());
  std::vector<Expr> at = as_exprs(vars);
  at[size_t(axis)] = resolve_index(indices.at(as_exprs(vars)), data.extents[size_t(axis)]);
  Func f = ctx.make_func(node);
  define_pure(f, vars, data.at(at));
  return single_output(f, indices.extents, data.dtype);
}

Result<NodeLowering> lower_GatherND(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(data, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  const size_t batch_dims = size_t(node.attrs.get_int("batch_dims", 0));
  const int64_t* tuple_length = Halide::Internal::as_const_int(indices.extents.back());
  if (!tuple_length) return make_error("GatherND needs a static index tuple length");
  const size_t k = size_t(*tuple_length), tuple_dims = indices.rank() - 1;
  std::vector<Expr> extents(indices.extents.begin(), indices.extents.end() - 1);
  extents.insert(extents.end(), data.extents.begin() + long(batch_dims + k), data.extents.end());
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> tuple_at(vars.begin(), vars.begin() + long(tuple_dims));
  std::vector<Expr> at(vars.begin(), vars.begin() + long(batch_dims));
  for (const Expr& index : resolved_tuple(indices, tuple_at, data.extents, batch_dims, k))
    at.push_back(index);
  at.insert(at.end(), vars.begin() + long(tuple_dims), vars.end());
  Func f = ctx.make_func(node);
  define_pure(f, vars, data.at(at));
  return single_output(f, extents, data.dtype);
}

Result<NodeLowering> lower_ScatterElements(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(data, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(updates, ctx.value(node.input(2)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), data.rank()));
  KILN_HALIDE_ASSIGN(combine, combiner(node));
  std::vector<Halide::Var> vars = ctx.make_vars(data.rank());
  Func f = ctx.make_func(node);
  define_pure(f, vars, data.at(as_exprs(vars)));
  auto [r, at] = domain_over(ctx, node, indices.extents);
  std::vector<Expr> target = at;
  target[size_t(axis)] = resolve_index(indices.at(at), data.extents[size_t(axis)]);
  for (size_t d = 0; d < target.size(); ++d)
    if (d != size_t(axis)) target[d] = Halide::min(target[d], data.extents[d] - 1);
  const std::vector<Expr> place = to_halide_order(target);
  f(place) = combine(f(place), updates.at(at));
  return single_output(f, data.extents, data.dtype);
}

Result<NodeLowering> lower_ScatterND(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(data, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(updates, ctx.value(node.input(2)));
  KILN_HALIDE_ASSIGN(combine, combiner(node));
  const int64_t* tuple_length = Halide::Internal::as_const_int(indices.extents.back());
  if (!tuple_length) return make_error("ScatterND needs a static index tuple length");
  const size_t k = size_t(*tuple_length), tuple_dims = indices.rank() - 1;
  std::vector<Halide::Var> vars = ctx.make_vars(data.rank());
  Func f = ctx.make_func(node);
  define_pure(f, vars, data.at(as_exprs(vars)));
  // One update per element of `updates`: its leading dims pick an index tuple, its trailing
  // ones the element of the addressed slice.
  auto [r, at] = domain_over(ctx, node, updates.extents);
  std::vector<Expr> tuple_at(at.begin(), at.begin() + long(tuple_dims));
  std::vector<Expr> target = resolved_tuple(indices, tuple_at, data.extents, 0, k);
  target.insert(target.end(), at.begin() + long(tuple_dims), at.end());
  const std::vector<Expr> place = to_halide_order(target);
  f(place) = combine(f(place), updates.at(at));
  return single_output(f, data.extents, data.dtype);
}

Result<NodeLowering> lower_OneHot(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(values, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  const int64_t depth = node.attrs.get_int("depth", 0);
  if (depth < 1 || depth > (int64_t{1} << 30)) return make_error("OneHot depth is out of range");
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", -1), indices.rank() + 1));
  std::vector<Expr> extents = indices.extents;
  extents.insert(extents.begin() + axis, Expr(int(depth)));
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> at = as_exprs(vars);
  at.erase(at.begin() + axis);
  // Float indices truncate toward zero, as the reference does.
  Expr index = indices.at(at);
  index = index.type().is_float() ? Halide::cast<int64_t>(Halide::trunc(index))
                                  : Halide::cast<int64_t>(index);
  index = Halide::select(index < 0, index + Expr(depth), index);
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::select(index == Halide::cast<int64_t>(vars[size_t(axis)]), values.at({1}),
                             values.at({0})));
  return single_output(f, extents, values.dtype);
}

Result<NodeLowering> lower_ReverseSequence(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(lengths, ctx.value(node.input(1)));
  const size_t batch_axis = size_t(node.attrs.get_int("batch_axis", 1));
  const size_t time_axis = size_t(node.attrs.get_int("time_axis", 0));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Expr> at = as_exprs(vars);
  const Expr steps = x.extents[time_axis];
  const Expr length = Halide::clamp(Halide::cast<int>(lengths.at({vars[batch_axis]})), 0, steps);
  const Expr t = vars[time_axis];
  // Clamped as well, so bounds inference sees reads inside the axis whatever the lengths.
  at[time_axis] = Halide::clamp(Halide::select(t < length, length - 1 - t, t), 0, steps - 1);
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(at));
  return single_output(f, x.extents, x.dtype);
}

}  // namespace kiln::halide_lowering
