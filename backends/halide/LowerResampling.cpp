// LowerResampling.cpp: Halide lowering of the resampling ops (UpsampleNearest): an index remap,
// so the schedule can inline it into its consumer.
#include "backends/halide/LoweringContext.h"
#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {

Result<NodeLowering> lower_UpsampleNearest(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::vector<int64_t> scales = node.attrs.get_ints("scales");
  if (scales.size() != x.rank()) return make_error("UpsampleNearest needs one scale per input dim");
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  std::vector<Halide::Expr> index, extents;
  for (size_t i = 0; i < x.rank(); ++i) {
    if (scales[i] < 1) return make_error("UpsampleNearest scales must be positive");
    index.push_back(scales[i] == 1 ? Halide::Expr(vars[i]) : vars[i] / int(scales[i]));
    extents.push_back(Halide::Internal::simplify(x.extents[i] * int(scales[i])));
  }
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

}  // namespace kiln::halide_lowering
