// LowerQuantize.cpp: Halide lowerings of QuantizeLinear and DequantizeLinear (pure per-element
// Funcs with per-tensor or per-axis parameters, so they inline into their consumers) and
// DynamicQuantizeLinear (the range, scale and zero point stored as scalars first). The
// arithmetic matches the reference: x / scale in f32 (f64 for f64 inputs) rounded half to even,
// the zero point added and the result saturated; (x - zero_point) exact in i32, times the scale.
#include <cmath>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// A scale or zero point at output index `index`: per tensor, or along attribute `axis`.
Result<Expr> parameter_at(const Node& node, const LoweredValue& p, const std::vector<Expr>& index) {
  bool single = true;
  for (const Expr& e : p.extents) single = single && is_const_int(e, 1);
  if (single) return p.at(std::vector<Expr>(p.rank(), Expr(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 1), index.size()));
  return p.at({index[size_t(axis)]});
}

// round(value) + zero_point, saturated into `type` (NaN gives the zero point).
Expr saturate_to(const Expr& rounded, const Expr& zero_point, const Halide::Type& type) {
  const Halide::Type real = rounded.type();
  const Expr steps = Halide::select(is_nan_bits(rounded), Halide::cast(real, 0), rounded);
  const Expr value = steps + Halide::cast(real, zero_point);
  return Halide::cast(
      type, Halide::clamp(value, Halide::cast(real, type.min()), Halide::cast(real, type.max())));
}

// The extremes of an integer type, as numbers.
double lowest_value(const Halide::Type& type) {
  return type.is_uint() ? 0.0 : -std::ldexp(1.0, type.bits() - 1);
}
double highest_value(const Halide::Type& type) {
  return type.is_uint() ? std::ldexp(1.0, type.bits()) - 1 : std::ldexp(1.0, type.bits() - 1) - 1;
}

// The zero point (input 2) at `index`, as `type`; 0 when the node has none.
Result<Expr> zero_point_at(LoweringContext& ctx, const Node& node, const std::vector<Expr>& index,
                           const Halide::Type& type) {
  const Value* zero = node.input(2);
  if (!zero) return Halide::cast(type, 0);
  KILN_HALIDE_ASSIGN(z, ctx.value(zero));
  KILN_HALIDE_ASSIGN(at, parameter_at(node, z, index));
  return Halide::cast(type, at);
}

Result<Halide::Type> target_type(const Node& node) {
  std::optional<DType> dtype = parse_dtype_name(node.attrs.get_string("to", ""));
  if (!dtype) return make_error(node.op + " has no valid 'to' attribute");
  return to_halide_type(*dtype);
}

}  // namespace

Result<NodeLowering> lower_QuantizeLinear(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(scale, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(type, target_type(node));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> here = as_exprs(vars);
  KILN_HALIDE_ASSIGN(zero_point, zero_point_at(ctx, node, here, type));
  KILN_HALIDE_ASSIGN(scale_at, parameter_at(node, scale, here));
  const Halide::Type real = x.dtype == DType::Float64 ? Halide::Float(64) : Halide::Float(32);
  const Expr quotient = Halide::cast(real, x.at(here)) / Halide::cast(real, scale_at);
  Func f = ctx.make_func(node);
  define_pure(f, vars, saturate_to(Halide::round(quotient), zero_point, type));
  std::optional<DType> dtype = parse_dtype_name(node.attrs.get_string("to", ""));
  return single_output(f, x.extents, *dtype);
}

Result<NodeLowering> lower_DequantizeLinear(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(scale, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(type, target_type(node));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> here = as_exprs(vars);
  KILN_HALIDE_ASSIGN(zero_point, zero_point_at(ctx, node, here, Halide::Int(32)));
  const Expr shifted = Halide::cast<int32_t>(x.at(here)) - zero_point;
  KILN_HALIDE_ASSIGN(scale_at, parameter_at(node, scale, here));
  const Halide::Type real = type.bits() == 64 ? type : Halide::Float(32);
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::cast(type, Halide::cast(real, shifted) * Halide::cast(real, scale_at)));
  std::optional<DType> dtype = parse_dtype_name(node.attrs.get_string("to", ""));
  return single_output(f, x.extents, *dtype);
}

Result<NodeLowering> lower_DynamicQuantizeLinear(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(type, target_type(node));
  Halide::Region region;  // every element, innermost first
  for (size_t i = x.rank(); i-- > 0;) region.emplace_back(0, x.extents[i]);
  std::vector<Expr> element;
  Halide::RDom r;
  if (!region.empty()) {
    r = Halide::RDom(region, ctx.make_func(node, "r").name());
    for (size_t i = 0; i < x.rank(); ++i) element.push_back(r[int(x.rank() - 1 - i)]);
  }
  const Expr v = Halide::cast<float>(x.at(element));
  const float low_code = float(lowest_value(type)), high_code = float(highest_value(type));
  // The range always includes 0.
  Func range = ctx.make_func(node, "range");
  if (region.empty())
    range() = {Halide::min(v, 0.0f), Halide::max(v, 0.0f)};
  else
    range() = {Halide::min(Halide::minimum(v), 0.0f), Halide::max(Halide::maximum(v), 0.0f)};
  const Expr low = range()[0], high = range()[1];
  Func scale = ctx.make_func(node, "scale");
  scale() = Halide::select(high == low, 1.0f, (high - low) / (high_code - low_code));
  Func zero_point = ctx.make_func(node, "zero_point");
  zero_point() = Halide::cast(
      type, Halide::round(Halide::clamp(low_code - low / scale(), low_code, high_code)));

  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  Func y = ctx.make_func(node);
  define_pure(y, vars,
              saturate_to(Halide::round(Halide::cast<float>(x.at(as_exprs(vars))) / scale()),
                          zero_point(), type));
  NodeLowering lowering = single_output(y, x.extents, DType::UInt8);
  lowering.outputs.push_back(LoweredValue{scale, {}, DType::Float32});
  lowering.outputs.push_back(LoweredValue{zero_point, {}, DType::UInt8});
  lowering.funcs.helpers = {range, scale, zero_point};
  return lowering;
}

}  // namespace kiln::halide_lowering
