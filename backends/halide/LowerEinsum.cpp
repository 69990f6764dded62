// LowerEinsum.cpp: Halide lowering of Einsum as one Func over the output labels, summing the
// operands' product over an RDom of the summed labels (none: the product itself). Stored like the
// other reductions, vectorised along the innermost output label.
#include <map>

#include "backends/halide/OpLowerings.h"
#include "ir/shape_rules/EinsumEquation.h"

namespace kiln::halide_lowering {

using Halide::Expr;

Result<NodeLowering> lower_Einsum(LoweringContext& ctx, const Node& node) {
  std::vector<LoweredValue> operands;
  std::vector<int64_t> ranks;
  for (const Value* input : node.inputs) {
    KILN_HALIDE_ASSIGN(operand, ctx.value(input));
    ranks.push_back(int64_t(operand.rank()));
    operands.push_back(operand);
  }
  KILN_HALIDE_ASSIGN(equation, parse_einsum_equation(node.attrs.get_string("equation", ""), ranks));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  // Each label's extent: an output dim's, or the first operand dim that is not a broadcast 1.
  std::map<int, Expr> extent_of;
  for (size_t i = 0; i < equation.output_labels.size(); ++i)
    extent_of[equation.output_labels[i]] = out_extents[i];
  for (size_t i = 0; i < operands.size(); ++i)
    for (size_t d = 0; d < operands[i].rank(); ++d) {
      const int label = equation.operand_labels[i][d];
      auto it = extent_of.find(label);
      if (it == extent_of.end() || is_const_int(it->second, 1))
        extent_of[label] = operands[i].extents[d];
    }

  std::vector<Halide::Var> vars = ctx.make_vars(equation.output_labels.size());
  std::map<int, Expr> index_of;
  for (size_t i = 0; i < vars.size(); ++i) index_of[equation.output_labels[i]] = vars[i];
  Halide::RDom r;
  if (!equation.summed_labels.empty()) {
    Halide::Region region;  // innermost first: the last summed label innermost
    for (size_t i = equation.summed_labels.size(); i-- > 0;)
      region.emplace_back(0, extent_of[equation.summed_labels[i]]);
    r = Halide::RDom(region, ctx.make_func(node, "r").name());
    for (size_t i = 0; i < equation.summed_labels.size(); ++i)
      index_of[equation.summed_labels[i]] = r[int(equation.summed_labels.size() - 1 - i)];
  }
  Expr term;
  for (size_t i = 0; i < operands.size(); ++i) {
    std::vector<Expr> at;
    for (size_t d = 0; d < operands[i].rank(); ++d) {
      const int label = equation.operand_labels[i][d];
      const bool broadcast =
          is_const_int(operands[i].extents[d], 1) && !is_const_int(extent_of[label], 1);
      at.push_back(broadcast ? Expr(0) : index_of[label]);
    }
    const Expr factor = operands[i].at(at);
    term = term.defined() ? term * factor : factor;
  }
  Halide::Func f = ctx.make_func(node);
  define_pure(f, vars, equation.summed_labels.empty() ? term : Halide::sum(term));
  return single_output(f, out_extents, operands[0].dtype);
}

}  // namespace kiln::halide_lowering
