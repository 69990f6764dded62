// CostModel.cpp: ridge regression by solving the regularised normal equations.
#include "tuner/CostModel.h"

#include <cmath>
#include <utility>

namespace kiln::tuner {

void RidgeModel::fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                     double lambda) {
  trained_ = false;
  if (x.empty() || x.size() != y.size()) return;
  const size_t n = x.size(), d = x[0].size();
  means_.assign(d, 0.0);
  double y_mean = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) means_[j] += x[i][j] / double(n);
    y_mean += y[i] / double(n);
  }
  // (Xc^T Xc + lambda I) w = Xc^T yc, by Gaussian elimination with partial pivoting.
  std::vector<std::vector<double>> a(d, std::vector<double>(d + 1, 0.0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < d; ++j) {
      const double xj = x[i][j] - means_[j];
      for (size_t k = 0; k < d; ++k) a[j][k] += xj * (x[i][k] - means_[k]);
      a[j][d] += xj * (y[i] - y_mean);
    }
  for (size_t j = 0; j < d; ++j) a[j][j] += lambda;
  for (size_t c = 0; c < d; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < d; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    if (std::abs(a[c][c]) < 1e-12) continue;
    for (size_t r = 0; r < d; ++r) {
      if (r == c) continue;
      const double factor = a[r][c] / a[c][c];
      if (factor == 0) continue;
      for (size_t k = c; k <= d; ++k) a[r][k] -= factor * a[c][k];
    }
  }
  weights_.assign(d, 0.0);
  for (size_t j = 0; j < d; ++j)
    if (std::abs(a[j][j]) >= 1e-12) weights_[j] = a[j][d] / a[j][j];
  bias_ = y_mean;
  trained_ = true;
}

double RidgeModel::predict(const std::vector<double>& x) const {
  double value = bias_;
  if (!trained_) return value;
  for (size_t j = 0; j < weights_.size() && j < x.size(); ++j)
    value += weights_[j] * (x[j] - means_[j]);
  return value;
}

}  // namespace kiln::tuner
