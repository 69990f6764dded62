// LowerLosses.cpp: Halide lowerings of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
// The per-element loss gathers -log_prob[n, target, d...] * weight[target] (0 where the target
// is ignore_index); "sum" and "mean" reduce it to a scalar, accumulating in f32 or wider ("mean"
// divides by the sum of the weights used). SoftmaxCrossEntropyLoss first takes the log-softmax along dim 1, stored.
#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

Result<NodeLowering> lower_loss(LoweringContext& ctx, const Node& node,
                                const LoweredValue& log_probs, NodeLowering lowering) {
  KILN_HALIDE_ASSIGN(target, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(log_probs.dtype));
  const std::string reduction = node.attrs.get_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return make_error("reduction must be none, sum or mean, not '" + reduction + "'");
  std::vector<Halide::Var> vars = ctx.make_vars(target.rank());
  const Expr classes = log_probs.extents[1];
  const Expr t = Halide::cast<int>(target.at(as_exprs(vars)));
  Expr ignored = Halide::Internal::const_false();
  if (node.attrs.has("ignore_index"))
    ignored = Halide::cast<int64_t>(t) == Halide::Expr(node.attrs.get_int("ignore_index", 0));
  const Expr clamped = Halide::clamp(t, 0, classes - 1);
  Expr weight = Halide::cast(type, 1);
  if (const Value* weights = node.input(2)) {
    KILN_HALIDE_ASSIGN(w, ctx.value(weights));
    weight = w.at({clamped});
  }
  weight = Halide::select(ignored, Halide::cast(type, 0), weight);
  std::vector<Expr> at = as_exprs(vars);
  at.insert(at.begin() + 1, clamped);
  const Expr loss = Halide::select(ignored, Halide::cast(type, 0), -log_probs.at(at) * weight);

  Func per_element = ctx.make_func(node, reduction == "none" ? "" : "elements");
  define_pure(per_element, vars, loss);
  if (reduction == "none") {
    lowering.outputs.insert(lowering.outputs.begin(),
                            LoweredValue{per_element, target.extents, log_probs.dtype});
    lowering.funcs.output = per_element;
    return lowering;
  }
  Func weights_used = ctx.make_func(node, "weights");
  define_pure(weights_used, vars, weight);
  Halide::Region region;  // innermost first
  for (size_t i = target.rank(); i-- > 0;) region.emplace_back(0, target.extents[i]);
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Expr> element;
  for (size_t i = 0; i < target.rank(); ++i) element.push_back(r[int(target.rank() - 1 - i)]);
  const Halide::Type sum_type = type.bits() < 32 ? Halide::Float(32) : type;
  const Expr total = Halide::sum(Halide::cast(sum_type, per_element(to_halide_order(element))));
  Expr result = total;
  if (reduction == "mean")
    result = total / Halide::sum(Halide::cast(sum_type, weights_used(to_halide_order(element))));
  Func f = ctx.make_func(node);
  f() = Halide::cast(type, result);
  lowering.outputs.insert(lowering.outputs.begin(), LoweredValue{f, {}, log_probs.dtype});
  lowering.funcs.output = f;
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_NegativeLogLikelihoodLoss(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(scores, ctx.value(node.input(0)));
  return lower_loss(ctx, node, scores, NodeLowering{});
}

Result<NodeLowering> lower_SoftmaxCrossEntropyLoss(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(scores, ctx.value(node.input(0)));
  if (scores.rank() < 2) return make_error("SoftmaxCrossEntropyLoss needs scores [N, C, ...]");
  std::vector<Halide::Var> vars = ctx.make_vars(scores.rank());
  const std::vector<Expr> here = as_exprs(vars);
  Halide::RDom c(0, scores.extents[1], ctx.make_func(node, "c").name());
  std::vector<Expr> along = here, first = here;
  along[1] = c;
  first[1] = 0;
  // Row statistics keep the class dim at extent one, so they share the scores' Vars.
  Func max_along = ctx.make_func(node, "max");
  define_pure(max_along, vars, Halide::maximum(scores.at(along)));
  Func sum_along = ctx.make_func(node, "sum");
  define_pure(sum_along, vars,
              Halide::sum(Halide::exp(scores.at(along) - max_along(to_halide_order(first)))));
  Func log_probs = ctx.make_func(node, "log_prob");
  define_pure(log_probs, vars,
              scores.at(here) - max_along(to_halide_order(first)) -
                  Halide::log(sum_along(to_halide_order(first))));
  const LoweredValue log_prob_value{log_probs, scores.extents, scores.dtype};
  NodeLowering lowering;
  lowering.outputs.push_back(log_prob_value);
  lowering.funcs.helpers = {max_along, sum_along, log_probs};
  return lower_loss(ctx, node, log_prob_value, std::move(lowering));
}

}  // namespace kiln::halide_lowering
