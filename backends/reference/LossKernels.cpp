// LossKernels.cpp: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss in double precision.
// Each element's loss is -scores[n, t, d] * weight[t] for its target t; targets equal to
// ignore_index weigh 0. "mean" divides the weighted sum by the sum of the weights used.
#include <cmath>
#include <limits>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

// Scores [N, C, D] (D: the trailing dims flattened), as doubles.
struct ClassScores {
  int64_t batch = 0, classes = 0, positions = 0;
  std::vector<double> values;

  double at(int64_t n, int64_t c, int64_t d) const {
    return values[size_t((n * classes + c) * positions + d)];
  }
};

ClassScores read_scores(const Tensor& scores) {
  ClassScores s;
  s.batch = scores.dims[0];
  s.classes = scores.dims[1];
  s.positions = s.classes == 0 || s.batch == 0 ? 0 : scores.element_count() / (s.batch * s.classes);
  NumericView view(scores);
  for (int64_t i = 0; i < scores.element_count(); ++i) s.values.push_back(view[i]);
  return s;
}

// Log-softmax along the class dim, max-subtracted.
ClassScores log_softmax(const ClassScores& scores) {
  ClassScores out = scores;
  for (int64_t n = 0; n < scores.batch; ++n)
    for (int64_t d = 0; d < scores.positions; ++d) {
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < scores.classes; ++c) max = std::max(max, scores.at(n, c, d));
      double sum = 0.0;
      for (int64_t c = 0; c < scores.classes; ++c) sum += std::exp(scores.at(n, c, d) - max);
      const double log_sum = std::log(sum);
      for (int64_t c = 0; c < scores.classes; ++c)
        out.values[size_t((n * scores.classes + c) * scores.positions + d)] =
            scores.at(n, c, d) - max - log_sum;
    }
  return out;
}

// The loss output (reduced or per element) from log-probabilities.
Result<Tensor> negative_log_likelihood(const KernelContext& ctx, const ClassScores& log_probs) {
  const Tensor& target = ctx.input(1);
  const bool ignores = ctx.attrs().has("ignore_index");
  const int64_t ignore_index = ctx.attrs().get_int("ignore_index", 0);
  const std::string reduction = ctx.attrs().get_string("reduction", "mean");
  std::vector<double> losses;
  double loss_sum = 0.0, weight_sum = 0.0;
  for (int64_t n = 0; n < log_probs.batch; ++n)
    for (int64_t d = 0; d < log_probs.positions; ++d) {
      const int64_t t = target.element_as_int(n * log_probs.positions + d);
      double loss = 0.0, weight = 0.0;
      if (!(ignores && t == ignore_index)) {
        if (t < 0 || t >= log_probs.classes)
          return make_error("target " + std::to_string(t) + " is not a class index in [0, " +
                            std::to_string(log_probs.classes) + ")");
        weight = ctx.has_input(2) ? ctx.input(2).element_as_double(t) : 1.0;
        loss = -log_probs.at(n, t, d) * weight;
      }
      losses.push_back(loss);
      loss_sum += loss;
      weight_sum += weight;
    }
  const DType dtype = ctx.output_dtype(0);
  if (reduction == "none") return tensor_from_doubles(dtype, ctx.output_dims(0), losses);
  if (reduction == "sum") return tensor_from_doubles(dtype, {}, {loss_sum});
  if (reduction == "mean") return tensor_from_doubles(dtype, {}, {loss_sum / weight_sum});
  return make_error("reduction must be none, sum or mean, not '" + reduction + "'");
}

}  // namespace

Status run_NegativeLogLikelihoodLoss(KernelContext& ctx) {
  Result<Tensor> loss = negative_log_likelihood(ctx, read_scores(ctx.input(0)));
  if (!loss) return loss.error();
  ctx.outputs.push_back(std::move(*loss));
  return Status::ok();
}

Status run_SoftmaxCrossEntropyLoss(KernelContext& ctx) {
  const ClassScores log_probs = log_softmax(read_scores(ctx.input(0)));
  Result<Tensor> loss = negative_log_likelihood(ctx, log_probs);
  if (!loss) return loss.error();
  ctx.outputs.push_back(std::move(*loss));
  if (ctx.node->outputs.size() > 1)
    ctx.outputs.push_back(
        tensor_from_doubles(ctx.output_dtype(1), ctx.output_dims(1), log_probs.values));
  return Status::ok();
}

}  // namespace kiln::reference
