// LowerIndexing.cpp: Halide lowerings of Slice (compile-time bounds), Gather (constant or
// run-time indices), Pad (constant, reflect, edge, wrap), Shape and Trilu.
#include <algorithm>
#include <limits>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// The input index a padded axis reads at `source` (the output index minus the begin pad) for
// Pad `mode` (see the reference kernel for the semantics). Pads within one reflection (or one
// period of wrap) need no division; longer ones fold by the period. The result is clamped so
// that bounds inference, which takes the union of a select's branches, stays inside the input.
Expr padded_source(const std::string& mode, const Expr& source, const Expr& extent,
                   int64_t pad_begin, int64_t pad_end) {
  const Expr last = extent - 1;
  const int64_t* static_extent = Halide::Internal::as_const_int(extent);
  const int64_t longest = std::max(pad_begin, pad_end);
  Expr index = source;
  if (mode == "wrap") {
    if (static_extent && longest <= *static_extent) {
      index = Halide::select(source < 0, source + extent,
                             Halide::select(source > last, source - extent, source));
    } else {
      index = source % Halide::max(extent, 1);  // Halide's % is Euclidean: never negative
    }
  } else if (mode == "reflect") {
    if (static_extent && longest < *static_extent) {
      index = Halide::select(source < 0, -source,
                             Halide::select(source > last, 2 * last - source, source));
    } else {
      const Expr period = Halide::max(2 * last, 1);
      const Expr folded = source % period;
      index = Halide::select(folded < extent, folded, period - folded);
    }
  }
  return Halide::clamp(index, 0, last);
}

// Keeps ONNX's "to the end" sentinels (INT64_MAX) from overflowing 32-bit Halide constants.
int64_t clamp_to_int32_range(int64_t v) {
  constexpr int64_t kLimit = int64_t(1) << 30;
  return std::clamp<int64_t>(v, -kLimit, kLimit);
}

// The first index and the element count one Slice axis resolves to (ONNX clamping rules).
std::pair<Expr, Expr> slice_bounds(Expr dim, int64_t start, int64_t end, int64_t step) {
  start = clamp_to_int32_range(start);
  end = clamp_to_int32_range(end);
  // Steps are clamped like the bounds: on every axis shorter than 2^30 the clamped step selects
  // the same elements (a step past the axis selects only the first). The count is computed in
  // 64 bits, where distance + step - 1 cannot overflow.
  step = clamp_to_int32_range(step);
  Expr s = start < 0 ? Expr(int(start)) + dim : Expr(int(start));
  Expr e = end < 0 ? Expr(int(end)) + dim : Expr(int(end));
  auto count_of = [](Expr distance, int64_t magnitude) {
    Expr wide = Halide::cast<int64_t>(distance) + Expr(magnitude - 1);
    return Halide::cast<int32_t>(Halide::max(wide / Expr(magnitude), Expr(int64_t{0})));
  };
  if (step > 0) {
    s = Halide::clamp(s, 0, dim);
    e = Halide::clamp(e, 0, dim);
    return {Halide::Internal::simplify(s), Halide::Internal::simplify(count_of(e - s, step))};
  }
  s = Halide::clamp(s, 0, dim - 1);
  e = Halide::clamp(e, -1, dim - 1);
  return {Halide::Internal::simplify(s), Halide::Internal::simplify(count_of(s - e, -step))};
}

}  // namespace

Result<NodeLowering> lower_Slice(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  auto starts = ctx.constant_ints(node.input(1));
  auto ends = ctx.constant_ints(node.input(2));
  if (!starts || !ends) return make_error("Slice needs constant starts and ends");
  std::vector<int64_t> axes, steps;
  if (node.input(3)) {
    auto a = ctx.constant_ints(node.input(3));
    if (!a) return make_error("Slice needs constant axes");
    axes = *a;
  } else {
    for (size_t i = 0; i < starts->size(); ++i) axes.push_back(int64_t(i));
  }
  if (node.input(4)) {
    auto s = ctx.constant_ints(node.input(4));
    if (!s) return make_error("Slice needs constant steps");
    steps = *s;
  } else {
    steps.assign(starts->size(), 1);
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return make_error("Slice starts, ends, axes and steps differ in length");

  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Expr> index = as_exprs(vars), extents = x.extents;
  for (size_t i = 0; i < axes.size(); ++i) {
    KILN_HALIDE_ASSIGN(axis, normalize_axis(axes[i], x.rank()));
    if (steps[i] == 0) return make_error("Slice step must not be 0");
    auto [first, count] = slice_bounds(x.extents[size_t(axis)], (*starts)[i], (*ends)[i], steps[i]);
    index[size_t(axis)] = first + vars[size_t(axis)] * int(clamp_to_int32_range(steps[i]));
    extents[size_t(axis)] = count;
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Gather(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), x.rank()));
  const size_t a = size_t(axis);
  const Value* indices_value = node.input(1);
  const bool scalar_constant =
      indices_value && indices_value->is_constant() && indices_value->constant->dims.empty();
  size_t index_rank = 0;
  LoweredValue indices;
  if (!scalar_constant) {
    KILN_HALIDE_ASSIGN(lowered, ctx.value(indices_value));
    indices = lowered;
    index_rank = indices.rank();
  }
  const size_t out_rank = x.rank() - 1 + index_rank;
  std::vector<Halide::Var> vars = ctx.make_vars(out_rank);
  Expr dim = x.extents[a];
  Expr position;
  if (scalar_constant) {
    const int64_t i = indices_value->constant->element_as_int(0);
    position = i < 0 ? Expr(int(i)) + dim : Expr(int(i));
  } else {
    std::vector<Expr> at(vars.begin() + long(a), vars.begin() + long(a + index_rank));
    Expr raw = Halide::cast<int>(indices.at(at));
    position = Halide::select(raw < 0, raw + dim, raw);
  }
  // Clamped so a bad run-time index reads a valid element rather than outside the tensor.
  position = Halide::clamp(position, 0, dim - 1);
  std::vector<Expr> index, extents;
  for (size_t i = 0; i < a; ++i) {
    index.push_back(vars[i]);
    extents.push_back(x.extents[i]);
  }
  index.push_back(position);
  for (size_t i = 0; i < index_rank; ++i) extents.push_back(indices.extents[i]);
  for (size_t i = a + 1; i < x.rank(); ++i) {
    index.push_back(vars[i - 1 + index_rank]);
    extents.push_back(x.extents[i]);
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Pad(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const std::string mode = node.attrs.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return make_error("Pad mode '" + mode + "' is unknown");
  std::vector<int64_t> pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * x.rank(), 0));
  if (pads.size() != 2 * x.rank())
    return make_error("Pad pads must have " + std::to_string(2 * x.rank()) + " entries");
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  Expr fill = Halide::cast(type, Expr(node.attrs.get_float("value", 0.0)));
  if (node.input(1)) {  // a fill known only at run time: a one-element input
    KILN_HALIDE_ASSIGN(value, ctx.value(node.input(1)));
    fill = value.at(std::vector<Expr>(value.rank(), 0));
  }
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Expr> index, extents;
  Expr inside = Halide::Internal::const_true();
  for (size_t i = 0; i < x.rank(); ++i) {
    const Expr source = vars[i] - int(pads[i]);
    extents.push_back(Halide::Internal::simplify(x.extents[i] + int(pads[i] + pads[i + x.rank()])));
    if (pads[i] == 0 && pads[i + x.rank()] <= 0) {
      index.push_back(vars[i]);
      continue;
    }
    index.push_back(padded_source(mode, source, x.extents[i], pads[i], pads[i + x.rank()]));
    if (mode == "constant") inside = inside && source >= 0 && source < x.extents[i];
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              mode == "constant" ? Halide::select(inside, x.at(index), fill) : x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Shape(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const int64_t rank = int64_t(x.rank());
  int64_t start = node.attrs.get_int("start", 0), end = node.attrs.get_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  Halide::Var i("d0");
  Expr value = Halide::cast<int64_t>(end > start ? x.extents[size_t(end - 1)] : Expr(0));
  for (int64_t k = end - 1; k-- > start;)
    value = Halide::select(i == int(k - start), Halide::cast<int64_t>(x.extents[size_t(k)]), value);
  Func f = ctx.make_func(node);
  f(i) = value;
  return single_output(f, {Expr(int(end - start))}, DType::Int64);
}

Result<NodeLowering> lower_Trilu(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() < 2) return make_error("Trilu needs an input of rank >= 2");
  const bool upper = node.attrs.get_int("upper", 1) != 0;
  // |k| beyond any extent keeps everything or nothing; clamping keeps it an Int(32).
  Expr k = int32_t(
      std::clamp<int64_t>(node.attrs.get_int("k", 0), -(int64_t{1} << 30), int64_t{1} << 30));
  if (node.input(1)) {  // a k known only at run time: a one-element input
    KILN_HALIDE_ASSIGN(offset, ctx.value(node.input(1)));
    const Expr raw = Halide::cast<int64_t>(offset.at(std::vector<Expr>(offset.rank(), 0)));
    k = Halide::cast<int32_t>(
        Halide::clamp(raw, Expr(-(int64_t{1} << 30)), Expr(int64_t{1} << 30)));
  }
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const Expr offset = vars[x.rank() - 1] - vars[x.rank() - 2];  // col - row
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::select(upper ? offset >= k : offset <= k, x.at(as_exprs(vars)),
                             Halide::cast(type, 0)));
  return single_output(f, x.extents, x.dtype);
}

}  // namespace kiln::halide_lowering
