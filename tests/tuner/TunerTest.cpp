// TunerTest.cpp: the tuner's cost model and search with synthetic measurements: ridge regression
// fits a quadratic, the same seed and trials give the same candidates, the search finds the
// synthetic optimum's neighbourhood, resumed records are not measured again, the guided search
// measures the autoschedulers first and beats random sampling at equal budget.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

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

// Time: best at vw=4, par=1; task b ten times slower; an autoscheduler's schedule 4 (x10).
double synthetic_ms(const Trial& t) {
  if (t.schedule.rfind("autoscheduler(", 0) == 0) return (t.task == 1 ? 10.0 : 1.0) * 4;
  auto find = [&](const std::string& knob) {
    const size_t at = t.schedule.find(knob + "=");
    return std::stoi(t.schedule.substr(at + knob.size() + 1));
  };
  const double vw = std::log2(find("vw"));
  return (t.task == 1 ? 10.0 : 1.0) * (1 + (vw - 2) * (vw - 2) + (find("par") ? 0 : 3));
}

std::vector<Trial> run_synthetic(uint64_t seed, int64_t trials,
                                 const std::vector<TuneRecord>& prior = {},
                                 SearchStrategy strategy = SearchStrategy::Guided,
                                 std::vector<TuneTask> tasks = synthetic_tasks()) {
  TuneBudget budget;
  budget.trials = trials;
  budget.seed = seed;
  budget.strategy = strategy;
  Tuner tuner(tasks, budget);
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

// The synthetic tasks with two of Halide's autoschedulers in their spaces, as
// kernel_schedule_space adds them.
std::vector<TuneTask> tasks_with_autoschedulers() {
  std::vector<TuneTask> tasks = synthetic_tasks();
  for (TuneTask& t : tasks) {
    t.space.push_back({"mullapudi2016", {}});
    t.space.push_back({"adams2019", {}});
  }
  return tasks;
}

TEST(Tuner, GuidedSearchMeasuresTheAutoschedulersFirst) {
  const auto trials = run_synthetic(5, 12, {}, SearchStrategy::Guided, tasks_with_autoschedulers());
  // Task b costs most end to end: the scheduler gives it its seeds first, in order.
  std::vector<Trial> b;
  for (const Trial& t : trials)
    if (t.task == 1 && t.role != "remeasure") b.push_back(t);
  ASSERT_GE(b.size(), 3u);
  EXPECT_EQ(b[0].role, "default");
  EXPECT_EQ(b[1].schedule, "autoscheduler(mullapudi2016)");
  EXPECT_EQ(b[1].role, "seed");
  EXPECT_EQ(b[2].schedule, "autoscheduler(adams2019)");
  EXPECT_EQ(b[2].role, "seed");
  for (size_t i = 3; i < b.size(); ++i) EXPECT_EQ(b[i].role, "search");
}

// A larger synthetic space (7 x 7 x 2 points of conv_channels): a smooth bowl in log2 knob values
// with its minimum at vw=4, tx=8, par=1, as real tile-size responses look.
TuneTask bowl_task(const std::string& key, int64_t occurrences) {
  const std::vector<int> powers = {1, 2, 4, 8, 16, 32, 64};
  TemplateSpace conv{"conv_channels",
                     {{"vw", powers}, {"tc", {1}}, {"tx", powers}, {"par", {0, 1}}, {"ue", {0}}}};
  return {key, key, occurrences, 0, "conv_channels(vw=1,tc=1,tx=1,par=0,ue=0)", {conv}};
}

double bowl_ms(const Trial& t) {
  auto find = [&](const std::string& knob) {
    const size_t at = t.schedule.find(knob + "=");
    return std::log2(std::stoi(t.schedule.substr(at + knob.size() + 1)));
  };
  const double vw = find("vw") - 2, tx = find("tx") - 3;
  return (t.task == 1 ? 3.0 : 1.0) * (1 + vw * vw + 0.5 * tx * tx + 0.3 * vw * tx +
                                      (t.schedule.find("par=1") != std::string::npos ? 0 : 2));
}

double best_bowl_model_ms(uint64_t seed, SearchStrategy strategy) {
  TuneBudget budget;
  budget.trials = 30;
  budget.seed = seed;
  budget.strategy = strategy;
  Tuner tuner({bowl_task("aaaa000000000001", 2), bowl_task("bbbb000000000002", 1)}, budget);
  std::map<int, double> best;
  tuner.run(
      [&](const std::vector<Trial>& round, const auto& done) {
        for (size_t i = 0; i < round.size(); ++i) {
          const double ms = bowl_ms(round[i]);
          if (!best.count(round[i].task) || ms < best[round[i].task]) best[round[i].task] = ms;
          EXPECT_NE(round[i].role, "seed");
          done(i, TrialResult{"ok", "", ms, ms});
        }
      },
      {}, {});
  return 2 * best[0] + best[1];
}

TEST(Tuner, TheGuidedSearchBeatsRandomSamplingAtEqualBudget) {
  double guided = 0, random = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    guided += std::log(best_bowl_model_ms(seed, SearchStrategy::Guided));
    random += std::log(best_bowl_model_ms(seed, SearchStrategy::Random));
  }
  // Geometric means over the seeds of the best end-to-end time found.
  std::printf("guided %.3f, random %.3f (optimum 5)\n", std::exp(guided / 16),
              std::exp(random / 16));
  EXPECT_LT(guided, random);
}

TEST(Tuner, StopsWhenNoTaskIsExpectedToGainEnough) {
  TuneBudget budget;
  budget.trials = 1000;
  budget.stop_gain = 0.01;
  Tuner tuner({bowl_task("aaaa000000000001", 2), bowl_task("bbbb000000000002", 1)}, budget);
  int64_t measured = 0;
  tuner.run(
      [&](const std::vector<Trial>& round, const auto& done) {
        for (size_t i = 0; i < round.size(); ++i) {
          if (round[i].role != "remeasure") ++measured;
          done(i, TrialResult{"ok", "", bowl_ms(round[i]), bowl_ms(round[i])});
        }
      },
      {}, {});
  EXPECT_TRUE(tuner.progress().converged);
  EXPECT_LT(measured, 150);  // of 196 points in all
  EXPECT_LT(tuner.progress().model_ms, 1.2 * 5);  // within 20% of the optimum, 5
}

}  // namespace
}  // namespace kiln::tuner
