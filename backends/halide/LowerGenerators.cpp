// LowerGenerators.cpp: Halide lowerings of the ops whose output is generated rather than read
// from an input's elements: Range (its operands known at compile time), EyeLike and Size (from
// the input's extents alone, so the input itself is never read).
#include <algorithm>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {

using Halide::Expr;
using Halide::Func;

namespace {

// The value of Range operand `index`, which shape inference needed at compile time.
Result<double> range_operand(const Node& node, size_t index) {
  const Value* v = node.input(index);
  if (v && v->is_constant() && v->constant->element_count() == 1)
    return v->constant->element_as_double(0);
  if (v && v->known_dims && v->known_dims->size() == 1 && (*v->known_dims)[0].symbol.empty())
    return double((*v->known_dims)[0].value);
  return make_error("Range operand " + std::to_string(index) + " is not known at compile time");
}

}  // namespace

Result<NodeLowering> lower_Range(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(start, range_operand(node, 0));
  KILN_HALIDE_ASSIGN(delta, range_operand(node, 2));
  KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.output(0)));
  const DType dtype = node.output(0)->type.dtype;
  KILN_HALIDE_ASSIGN(type, to_halide_type(dtype));
  Halide::Var i("d0");
  Func f = ctx.make_func(node);
  if (type.is_float())
    f(i) = Halide::cast(type, Expr(start) + Halide::cast<double>(i) * Expr(delta));
  else
    f(i) =
        Halide::cast(type, Expr(int64_t(start)) + Halide::cast<int64_t>(i) * Expr(int64_t(delta)));
  return single_output(f, extents, dtype);
}

Result<NodeLowering> lower_EyeLike(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.input(0)));
  if (extents.size() != 2) return make_error("EyeLike needs a 2-D input");
  const DType dtype = node.output(0)->type.dtype;
  KILN_HALIDE_ASSIGN(type, to_halide_type(dtype));
  // |k| beyond any extent selects nothing; clamping keeps it an Int(32).
  const Expr k = int32_t(
      std::clamp<int64_t>(node.attrs.get_int("k", 0), -(int64_t{1} << 30), int64_t{1} << 30));
  std::vector<Halide::Var> vars = ctx.make_vars(2);
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::select(vars[1] - vars[0] == k, Halide::cast(type, 1), Halide::cast(type, 0)));
  return single_output(f, extents, dtype);
}

Result<NodeLowering> lower_Size(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.input(0)));
  Func f = ctx.make_func(node);
  f() = Halide::cast<int64_t>(element_count(extents));
  return single_output(f, {}, DType::Int64);
}

}  // namespace kiln::halide_lowering
