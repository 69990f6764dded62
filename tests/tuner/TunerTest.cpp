// TunerTest.cpp: the tuner's cost model and search with synthetic measurements: ridge regression
// fits a quadratic, the same seed and trials give the same candidates, the search finds the
// synthetic optimum's neighbourhood, resumed records are not measured again.
#include <gtest/gtest.h>

#include <cmath>

#include "tuner/CostModel.h"
#include "tuner/Tuner.h"

namespace kiln::tuner {
namespace {

TEST(RidgeModel, FitsAQuadratic) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 20; ++i) {
    const double v = i / 4.0;
    x.push_back({v, v * v});
    y.push_back(3 - 2 * v + 0.5 * v * v);
  }
  RidgeModel model;
  model.fit(x, y, 1e-6);
  EXPECT_NEAR(model.predict({2.0, 4.0}), 3 - 4 + 2, 1e-3);
}

std::vector<TuneTask> synthetic_tasks() {
  TemplateSpace root{"root", {{"vw", {1, 2, 4, 8, 16}}, {"par", {0, 1}}, {"shift", {0, 1}}}};
  TuneTask a{"aaaa000000000001", "a", 2, 0, "root(vw=8,par=1,shift=1)", {root}};
  TuneTask b{"bbbb000000000002", "b", 1, 0, "root(vw=1,par=0,shift=0)", {root}};
  return {a, b};
}

// Time: best at vw=4, par=1; task b ten times slower.
double synthetic_ms(const Trial& t) {
  auto find = [&](const std::string& knob) {
    const size_t at = t.schedule.find(knob + "=");
    return std::stoi(t.schedule.substr(at + knob.size() + 1));
  };
  const double vw = std::log2(find("vw"));
  return (t.task == 1 ? 10.0 : 1.0) * (1 + (vw - 2) * (vw - 2) + (find("par") ? 0 : 3));
}

std::vector<Trial> run_synthetic(uint64_t seed, int64_t trials,
                                 const std::vector<TuneRecord>& prior = {}) {
  TuneBudget budget;
  budget.trials = trials;
  budget.seed = seed;
  Tuner tuner(synthetic_tasks(), budget);
  tuner.resume(prior);
  std::vector<Trial> measured;
  tuner.run(
      [&](const std::vector<Trial>& round, const auto& done) {
        for (size_t i = 0; i < round.size(); ++i) {
          measured.push_back(round[i]);
          done(i, TrialResult{"ok", "", synthetic_ms(round[i]), synthetic_ms(round[i])});
        }
      },
      {}, {});
  return measured;
}

TEST(Tuner, SameSeedSameCandidates) {
  const auto first = run_synthetic(7, 14), second = run_synthetic(7, 14);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].task, second[i].task);
    EXPECT_EQ(first[i].schedule, second[i].schedule);
  }
  EXPECT_EQ(first[0].role, "default");
  EXPECT_EQ(first[1].role, "default");
}

TEST(Tuner, FindsTheOptimumAndFavoursTheCostlyTask) {
  const auto trials = run_synthetic(1, 20);
  int b_trials = 0;
  bool found = false;
  for (const Trial& t : trials) {
    if (t.role == "search" && t.task == 1) ++b_trials;
    found |= t.task == 1 && t.schedule.find("vw=4,par=1") != std::string::npos;
  }
  EXPECT_TRUE(found);
  EXPECT_GT(b_trials, 9);  // task b costs 5x more end to end: it gets most trials
}

TEST(Tuner, ResumedCandidatesAreNotMeasuredAgain) {
  const auto first = run_synthetic(3, 8);
  std::vector<TuneRecord> prior;
  for (const Trial& t : first) {
    if (t.role == "remeasure") continue;
    TuneRecord r;
    r.task = synthetic_tasks()[size_t(t.task)].task;
    r.schedule = t.schedule;
    r.role = t.role;
    r.median_ms = r.min_ms = synthetic_ms(t);
    prior.push_back(r);
  }
  const auto rest = run_synthetic(3, 12, prior);
  int searched = 0;
  for (const Trial& t : rest) {
    if (t.role == "remeasure") continue;
    ++searched;
    for (const TuneRecord& r : prior)
      EXPECT_FALSE(r.task == synthetic_tasks()[size_t(t.task)].task && r.schedule == t.schedule);
  }
  EXPECT_EQ(searched, 4);
}

}  // namespace
}  // namespace kiln::tuner
