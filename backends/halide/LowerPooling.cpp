// LowerPooling.cpp: Halide lowerings of MaxPool, MaxPoolIndices, AveragePool, LpPool and the
// global pools, as inline reductions over an RDom spanning the window, and of MaxUnpool, a
// scatter.
#include "backends/halide/OpLowerings.h"
#include "backends/halide/SpatialWindow.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

struct PoolSetup {
  LoweredValue x;
  std::vector<Expr> out_extents;
  SpatialWindow window;
  Halide::RDom r;  ///< innermost first: the last spatial dim's kernel offset is r[0]
  std::vector<Halide::Var> vars;
};

Result<PoolSetup> setup_pool(LoweringContext& ctx, const Node& node) {
  PoolSetup s;
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  s.x = x;
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  s.out_extents = out_extents;
  if (x.rank() < 3 || out_extents.size() != x.rank())
    return make_error(node.op + " needs an input of rank >= 3");
  const size_t spatial = x.rank() - 2;
  std::vector<int64_t> kernel = node.attrs.get_ints("kernel_shape");
  if (kernel.size() != spatial)
    return make_error(node.op + " kernel_shape must have " + std::to_string(spatial) + " entries");
  std::vector<Expr> in_spatial(x.extents.begin() + 2, x.extents.end());
  std::vector<Expr> out_spatial(out_extents.begin() + 2, out_extents.end());
  KILN_HALIDE_ASSIGN(window, resolve_spatial_window(node, kernel, in_spatial, out_spatial));
  s.window = window;
  Halide::Region region;
  for (size_t i = spatial; i-- > 0;) region.emplace_back(0, int(kernel[i]));
  s.r = Halide::RDom(region, ctx.make_func(node, "r").name());
  s.vars = ctx.make_vars(x.rank());
  return s;
}

// The input index read for kernel offset r at output position vars (IR order).
std::vector<Expr> window_index(const PoolSetup& s) {
  const size_t spatial = s.window.spatial_rank();
  std::vector<Expr> index = {s.vars[0], s.vars[1]};
  for (size_t i = 0; i < spatial; ++i) {
    Expr offset = s.r[int(spatial - 1 - i)];
    index.push_back(s.vars[2 + i] * int(s.window.strides[i]) + offset * int(s.window.dilations[i]) -
                    int(s.window.pad_begin[i]));
  }
  return index;
}

// Pools over every spatial dim with `reduce` (Halide::maximum or Halide::sum).
Result<NodeLowering> lower_global_pool(LoweringContext& ctx, const Node& node, bool average) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() < 3) return make_error(node.op + " needs an input of rank >= 3");
  const size_t spatial = x.rank() - 2;
  Halide::Region region;
  for (size_t i = x.rank(); i-- > 2;) region.emplace_back(0, x.extents[i]);
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Expr> index = {vars[0], vars[1]};
  for (size_t i = 0; i < spatial; ++i) index.push_back(r[int(spatial - 1 - i)]);
  std::vector<Expr> out_extents = {x.extents[0], x.extents[1]};
  for (size_t i = 0; i < spatial; ++i) out_extents.push_back(1);
  Func f = ctx.make_func(node);
  Expr element = x.at(index);
  if (average) {
    Expr count = element_count(std::vector<Expr>(x.extents.begin() + 2, x.extents.end()));
    define_pure(f, vars, Halide::sum(element) / Halide::cast(element.type(), count));
  } else {
    define_pure(f, vars, Halide::maximum(element));
  }
  return single_output(f, out_extents, x.dtype);
}

}  // namespace

Result<NodeLowering> lower_MaxPool(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(s, setup_pool(ctx, node));
  KILN_HALIDE_ASSIGN(type, to_halide_type(s.x.dtype));
  // Windows may run past the input on the right under ceil_mode even without pads.
  Func padded = pad_spatial(s.x.func, s.x.extents, s.window.spatial_rank(), type.min(),
                            ctx.make_func(node, "padded").name());
  Func f = ctx.make_func(node);
  define_pure(f, s.vars, Halide::maximum(padded(to_halide_order(window_index(s)))));
  return single_output(f, s.out_extents, s.x.dtype);
}

Result<NodeLowering> lower_AveragePool(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(s, setup_pool(ctx, node));
  KILN_HALIDE_ASSIGN(type, to_halide_type(s.x.dtype));
  const bool include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  Func padded = pad_spatial(s.x.func, s.x.extents, s.window.spatial_rank(), Halide::cast(type, 0),
                            ctx.make_func(node, "padded").name());
  // The divisor counts the window's positions inside the input (or inside the padded input
  // when count_include_pad); positions past it that ceil_mode adds never count.
  Expr count = 1;
  for (size_t i = 0; i < s.window.spatial_rank(); ++i) {
    Expr start = s.vars[2 + i] * int(s.window.strides[i]) - int(s.window.pad_begin[i]);
    Expr end = start + int((s.window.kernel[i] - 1) * s.window.dilations[i] + 1);
    Expr extent = s.x.extents[2 + i];
    Expr span = include_pad ? Halide::min(end, extent + int(s.window.pad_end[i])) - start
                            : Halide::min(end, extent) - Halide::max(start, 0);
    if (s.window.dilations[i] > 1)
      span = (span + int(s.window.dilations[i] - 1)) / int(s.window.dilations[i]);
    count = count * Halide::max(span, 1);
  }
  Func f = ctx.make_func(node);
  define_pure(f, s.vars,
              Halide::sum(padded(to_halide_order(window_index(s)))) / Halide::cast(type, count));
  return single_output(f, s.out_extents, s.x.dtype);
}

Result<NodeLowering> lower_LpPool(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(s, setup_pool(ctx, node));
  KILN_HALIDE_ASSIGN(type, to_halide_type(s.x.dtype));
  const int64_t p = node.attrs.get_int("p", 2);
  if (p < 1) return make_error("LpPool p must be positive");
  Func padded = pad_spatial(s.x.func, s.x.extents, s.window.spatial_rank(), Halide::cast(type, 0),
                            ctx.make_func(node, "padded").name());
  const Expr element = padded(to_halide_order(window_index(s)));
  Expr pooled;
  if (p == 1) {
    pooled = Halide::sum(Halide::abs(element));
  } else if (p == 2) {
    pooled = Halide::sqrt(Halide::sum(element * element));
  } else {
    const Expr power = Halide::cast(type, Expr(double(p)));
    pooled = Halide::pow(Halide::sum(Halide::pow(Halide::abs(element), power)),
                         Halide::cast(type, Expr(1.0 / double(p))));
  }
  Func f = ctx.make_func(node);
  define_pure(f, s.vars, Halide::cast(type, pooled));
  return single_output(f, s.out_extents, s.x.dtype);
}

Result<NodeLowering> lower_MaxPoolIndices(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(s, setup_pool(ctx, node));
  KILN_HALIDE_ASSIGN(type, to_halide_type(s.x.dtype));
  Func padded = pad_spatial(s.x.func, s.x.extents, s.window.spatial_rank(), type.min(),
                            ctx.make_func(node, "padded").name());
  const std::vector<Expr> index = window_index(s);
  // argmax keeps the first maximum in the RDom's order: the window's last dim fastest, as the
  // reference scans it. Its result holds the RDom coordinates, innermost first, then the value.
  Halide::Tuple best = Halide::argmax(s.r, padded(to_halide_order(index)));
  const size_t spatial = s.window.spatial_rank();
  std::vector<Expr> at;  // the input coordinates of the maximum, IR order
  for (size_t i = 0; i < spatial; ++i) {
    Expr offset = best[int(spatial - 1 - i)];
    at.push_back(Halide::cast<int64_t>(s.vars[2 + i] * int(s.window.strides[i]) +
                                       offset * int(s.window.dilations[i]) -
                                       int(s.window.pad_begin[i])));
  }
  std::vector<Expr> extents;
  for (size_t i = 0; i < spatial; ++i) extents.push_back(Halide::cast<int64_t>(s.x.extents[2 + i]));
  // storage_order 1 numbers the spatial dims column-major (the first one fastest).
  const bool column_major = node.attrs.get_int("storage_order", 0) != 0;
  Expr offset = Halide::cast<int64_t>(0), plane_size = Halide::cast<int64_t>(1);
  for (size_t k = 0; k < spatial; ++k) {
    const size_t i = column_major ? spatial - 1 - k : k;
    offset = offset * extents[i] + at[i];
    plane_size = plane_size * extents[i];
  }
  const Expr plane = Halide::cast<int64_t>(s.vars[0]) * Halide::cast<int64_t>(s.x.extents[1]) +
                     Halide::cast<int64_t>(s.vars[1]);
  Func f = ctx.make_func(node);
  define_pure(f, s.vars, plane * plane_size + offset);
  return single_output(f, s.out_extents, DType::Int64);
}

Result<NodeLowering> lower_MaxUnpool(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(indices, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  if (x.rank() < 3 || indices.rank() != x.rank() || out_extents.size() != x.rank())
    return make_error("MaxUnpool needs X of rank >= 3 and indices of its shape");
  const size_t rank = x.rank(), spatial = rank - 2;
  std::vector<int64_t> kernel = node.attrs.get_ints("kernel_shape");
  KILN_HALIDE_ASSIGN(window, read_window_attributes(node.attrs, kernel));
  if (window.spatial_rank() != spatial)
    return make_error("MaxUnpool kernel_shape must have " + std::to_string(spatial) + " entries");
  // The indices count positions of the unpooled shape; output_shape may pad it at the end.
  std::vector<Expr> unpooled = {x.extents[0], x.extents[1]};
  for (size_t i = 0; i < spatial; ++i)
    unpooled.push_back(
        Halide::Internal::simplify((x.extents[2 + i] - 1) * int(window.strides[i]) +
                                   int(kernel[i] - window.pad_begin[i] - window.pad_end[i])));

  // The scatter is its own stored Func (its update runs serially in X's order, so a position
  // named twice keeps the later element); the node's output copies it under any schedule.
  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  Func scatter = ctx.make_func(node, "scatter");
  define_pure(scatter, vars, Halide::cast(type, 0));
  Halide::Region region;
  for (size_t i = rank; i-- > 0;) region.emplace_back(0, x.extents[i]);
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Expr> source;  // IR order
  for (size_t i = 0; i < rank; ++i) source.push_back(r[int(rank - 1 - i)]);
  Expr position = indices.at(source);
  Expr total = Halide::cast<int64_t>(1);
  for (const Expr& e : unpooled) total = total * Halide::cast<int64_t>(e);
  // A scatter cannot report a bad index: positions outside the unpooled tensor are dropped.
  r.where(position >= 0 && position < total);
  std::vector<Expr> target(rank);
  for (size_t i = rank; i-- > 0;) {
    const Expr extent = Halide::cast<int64_t>(unpooled[i]);
    target[i] = Halide::clamp(Halide::cast<int32_t>(position % extent), 0, out_extents[i] - 1);
    position = position / extent;
  }
  scatter(to_halide_order(target)) = x.at(source);
  Func f = ctx.make_func(node);
  define_pure(f, vars, scatter(to_halide_order(as_exprs(vars))));
  NodeLowering lowering = single_output(f, out_extents, x.dtype);
  lowering.funcs.update_funcs.push_back(scatter);
  return lowering;
}

Result<NodeLowering> lower_GlobalAveragePool(LoweringContext& ctx, const Node& node) {
  return lower_global_pool(ctx, node, /*average=*/true);
}

Result<NodeLowering> lower_GlobalMaxPool(LoweringContext& ctx, const Node& node) {
  return lower_global_pool(ctx, node, /*average=*/false);
}

}  // namespace kiln::halide_lowering
