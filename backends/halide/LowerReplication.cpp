// LowerReplication.cpp: Halide lowerings of Split (each part an offset view of its input), Expand
// (numpy broadcasting to the inferred output shape) and Tile (indices modulo the input's
// extents). Output extents come from the inferred types, which shape inference could only fill
// in because the sizes these ops depend on were known at compile time.
#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {

using Halide::Expr;
using Halide::Func;

Result<NodeLowering> lower_Split(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), x.rank()));
  NodeLowering lowering;
  Expr offset = 0;
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.output(k)));
    std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
    std::vector<Expr> index = as_exprs(vars);
    index[size_t(axis)] = index[size_t(axis)] + offset;
    Func part = ctx.make_func(node, "part" + std::to_string(k));
    define_pure(part, vars, x.at(index));
    lowering.outputs.push_back(LoweredValue{part, extents, x.dtype});
    offset = Halide::Internal::simplify(offset + extents[size_t(axis)]);
  }
  // The first part is the node's own Func; the others are written through copies of theirs.
  lowering.funcs.output = lowering.outputs.front().func;
  return lowering;
}

Result<NodeLowering> lower_Expand(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.output(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(broadcast_index(x, as_exprs(vars))));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Tile(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(extents, ctx.extents_of(node.output(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Expr> index;
  for (size_t d = 0; d < x.rank(); ++d)
    index.push_back(is_const_int(extents[d], 0) ? Expr(0) : Expr(vars[d] % x.extents[d]));
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

}  // namespace kiln::halide_lowering
