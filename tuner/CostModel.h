// CostModel.h: the tuner's cost model, ridge regression of log(time) on a candidate's features.
//
// Why ridge regression: a task gets tens of measurements, not the thousands TVM's
// gradient-boosted trees are trained on; a regularised linear model over log knob values, their
// squares and pairwise products (a quadratic response surface) has few effective parameters,
// fits in microseconds, is deterministic, and captures the shape that matters (time falls
// then rises with tile and vector sizes, knobs interact multiplicatively).
#pragma once

#include <vector>

namespace kiln::tuner {

/// A ridge regression model y ~ w . x + b.
class RidgeModel {
 public:
  /// Fits on rows `x` (all the same length) and targets `y`; `lambda` penalises |w|^2 (not b).
  void fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
           double lambda = 1.0);
  /// The prediction for `x` (the mean target before any fit).
  double predict(const std::vector<double>& x) const;
  bool trained() const { return trained_; }

 private:
  std::vector<double> weights_, means_;
  double bias_ = 0;
  bool trained_ = false;
};

}  // namespace kiln::tuner
