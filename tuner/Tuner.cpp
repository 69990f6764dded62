// Tuner.cpp: the search, the cost-model ranking and the task scheduler.
#include "tuner/Tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "tuner/CostModel.h"

namespace kiln::tuner {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

uint64_t hash_text(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

Tuner::Tuner(std::vector<TuneTask> tasks, TuneBudget budget)
    : tasks_(std::move(tasks)), states_(tasks_.size()), budget_(budget) {
  for (const TuneTask& t : tasks_) spaces_.emplace_back(t.space, t.default_schedule);
}

void Tuner::resume(const std::vector<TuneRecord>& records) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < tasks_.size(); ++i) index[tasks_[i].task] = int(i);
  for (const TuneRecord& r : records) {
    auto it = index.find(r.task);
    if (it == index.end()) continue;
    Trial trial{it->second, r.schedule, r.role};
    TrialResult result{r.status, r.error, r.median_ms, r.min_ms};
    if (r.role == "remeasure" && !states_[size_t(it->second)].measured.count(r.schedule)) continue;
    record(trial, result);
  }
}

void Tuner::update_best(int task) {
  TaskState& s = states_[size_t(task)];
  s.best_ms = 0;
  s.best_schedule.clear();
  for (const auto& [schedule, result] : s.measured) {
    if (result.status != "ok") continue;
    if (s.best_ms == 0 || result.median_ms < s.best_ms) {
      s.best_ms = result.median_ms;
      s.best_schedule = schedule;
    }
  }
  auto d = s.measured.find(tasks_[size_t(task)].default_schedule);
  s.default_ms = d != s.measured.end() && d->second.status == "ok" ? d->second.median_ms : 0;
}

void Tuner::record(const Trial& trial, const TrialResult& result) {
  TaskState& s = states_[size_t(trial.task)];
  const double before = s.best_ms;
  if (trial.role != "remeasure") {
    if (s.measured.count(trial.schedule)) return;  // already known
    ++trials_done_;
    ++s.trials;
    if (result.status != "ok") ++s.failures;
  }
  s.measured[trial.schedule] = result;
  if (trial.schedule == tasks_[size_t(trial.task)].default_schedule && result.status != "ok")
    s.default_failed = true;
  update_best(trial.task);
  if (trial.role == "search") s.stale = s.best_ms > 0 && s.best_ms < before ? 0 : s.stale + 1;
}

TuneProgress Tuner::progress() const {
  TuneProgress p;
  p.tasks = int(tasks_.size());
  p.trials_done = trials_done_;
  p.trials_total = budget_.trials;
  p.elapsed_s = start_ > 0 ? now_seconds() - start_ : 0;
  p.phase = phase_;
  p.converged = converged_;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    p.failures += states_[i].failures;
    p.model_ms += double(tasks_[i].occurrences) * states_[i].best_ms;
    p.default_model_ms += double(tasks_[i].occurrences) * states_[i].default_ms;
  }
  return p;
}

std::optional<std::string> Tuner::propose(int task, const std::map<std::string, bool>& pending) {
  const CandidateSpace& space = spaces_[size_t(task)];
  TaskState& s = states_[size_t(task)];
  seed_proposed_ = false;
  if (space.empty()) return std::nullopt;
  Rng rng(mix_seed(mix_seed(budget_.seed, hash_text(tasks_[size_t(task)].task)),
                   uint64_t(s.trials) * 131 + pending.size()));
  const auto& is_legal = tasks_[size_t(task)].is_legal;
  auto usable = [&](const std::string& text) {
    return !s.measured.count(text) && !pending.count(text) && (!is_legal || is_legal(text));
  };
  // The best few measured, fastest first (ties by text), as parents for mutation.
  std::vector<std::pair<double, std::string>> ok;
  for (const auto& [schedule, r] : s.measured)
    if (r.status == "ok") ok.emplace_back(r.median_ms, schedule);
  std::sort(ok.begin(), ok.end());
  std::vector<Candidate> parents;
  for (size_t i = 0; i < ok.size() && parents.size() < 3; ++i)
    if (auto c = space.find(ok[i].second)) parents.push_back(*c);

  const bool guided = budget_.strategy == SearchStrategy::Guided;
  // Guided search starts from Halide's autoschedulers' choices (a template without knobs each).
  if (guided)
    for (const std::string& name : budget_.seed_autoschedulers)
      for (const TemplateSpace& t : tasks_[size_t(task)].space)
        if (t.name == name && is_halide_autoscheduler(name)) {
          const std::string text = KernelSchedule::autoscheduled(name).to_string();
          if (usable(text)) {
            seed_proposed_ = true;
            return text;
          }
        }

  std::vector<std::string> pool;
  std::set<std::string> seen;
  auto add = [&](const Candidate& c) {
    auto text = space.text(c);
    if (text && usable(*text) && seen.insert(*text).second) pool.push_back(*text);
  };
  for (int i = 0; i < 48; ++i) add(space.random(rng));
  for (int i = 0; i < 48 && guided && !parents.empty(); ++i)
    add(space.mutate(parents[size_t(i) % parents.size()], rng));
  if (pool.empty())
    for (const Candidate& c : space.enumerate(20000)) add(c);
  if (pool.empty()) return std::nullopt;
  if (!guided) return pool[rng.below(pool.size())];

  const bool explore = rng.real() < 0.25;
  if (ok.size() >= 4 && !explore) {
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    for (const auto& [ms, schedule] : ok)
      if (auto c = space.find(schedule)) {
        x.push_back(space.features(*c));
        y.push_back(std::log(std::max(ms, 1e-6)));
      }
    RidgeModel model;
    model.fit(x, y, 1.0);
    size_t best = 0;
    double best_prediction = 0;
    for (size_t i = 0; i < pool.size(); ++i) {
      const double p = model.predict(space.features(*space.find(pool[i])));
      if (i == 0 || p < best_prediction) best = i, best_prediction = p;
    }
    return pool[best];
  }
  return pool[rng.below(pool.size())];
}

int Tuner::pick_task(const std::vector<int>& pending_per_task) const {
  int best = -1;
  double best_priority = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const TaskState& s = states_[i];
    if (s.exhausted || s.default_failed || s.best_ms <= 0) continue;
    const int stale = s.stale + pending_per_task[i];
    const double gain = 0.02 + 0.5 * std::pow(0.75, stale);
    const double priority = double(tasks_[i].occurrences) * s.best_ms * gain;
    if (best < 0 || priority > best_priority) best = int(i), best_priority = priority;
  }
  return best;
}

bool Tuner::has_converged() const {
  if (budget_.stop_gain <= 0) return false;
  double model_ms = 0, best_gain = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const TaskState& s = states_[i];
    model_ms += double(tasks_[i].occurrences) * s.best_ms;
    if (s.exhausted || s.default_failed || s.best_ms <= 0) continue;
    const double gain = double(tasks_[i].occurrences) * s.best_ms * 0.5 * std::pow(0.75, s.stale);
    best_gain = std::max(best_gain, gain);
  }
  return model_ms > 0 && best_gain < budget_.stop_gain * model_ms;
}

std::vector<Trial> Tuner::remeasure_trials() const {
  std::vector<Trial> again;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    std::vector<std::pair<double, std::string>> ok;
    for (const auto& [schedule, r] : states_[i].measured)
      if (r.status == "ok") ok.emplace_back(r.median_ms, schedule);
    std::sort(ok.begin(), ok.end());
    if (ok.size() < 2) continue;  // nothing to choose between
    for (size_t k = 0; k < ok.size() && k < size_t(budget_.remeasure); ++k)
      again.push_back({int(i), ok[k].second, "remeasure"});
  }
  return again;
}

void Tuner::run(const MeasureFn& measure,
                const std::function<void(const Trial&, const TrialResult&)>& on_result,
                const std::function<void(const TuneProgress&)>& on_progress) {
  start_ = now_seconds();
  // The search leaves the re-measurement the time its measurements are expected to take.
  auto out_of_time = [&] {
    if (budget_.seconds < 0) return false;
    const double per_measurement = measure_gaps_ > 0 ? measure_gap_sum_ / measure_gaps_ : 0;
    const double reserve = per_measurement * double(remeasure_trials().size());
    return now_seconds() - start_ + reserve > budget_.seconds;
  };
  auto run_round = [&](const std::vector<Trial>& round) {
    double last_result = -1;
    measure(round, [&](size_t i, const TrialResult& result) {
      const double now = now_seconds();
      if (last_result >= 0) {
        measure_gap_sum_ += now - last_result;
        ++measure_gaps_;
      }
      last_result = now;
      record(round[i], result);
      if (on_result) on_result(round[i], result);
      if (on_progress) on_progress(progress());
    });
  };
  // 1. Every task's default, whatever the budget: the reference for outputs and speed-ups.
  phase_ = "defaults";
  std::vector<Trial> defaults;
  for (size_t i = 0; i < tasks_.size(); ++i)
    if (!states_[i].measured.count(tasks_[i].default_schedule))
      defaults.push_back({int(i), tasks_[i].default_schedule, "default"});
  if (on_progress) on_progress(progress());
  for (size_t i = 0; i < defaults.size(); i += size_t(budget_.round_size)) {
    std::vector<Trial> round(
        defaults.begin() + long(i),
        defaults.begin() + long(std::min(defaults.size(), i + size_t(budget_.round_size))));
    run_round(round);
  }
  // 2. The search.
  phase_ = "search";
  while ((budget_.trials < 0 || trials_done_ < budget_.trials) && !out_of_time()) {
    if (budget_.trials < 0 && budget_.seconds < 0) break;
    if (has_converged()) {
      converged_ = true;
      break;
    }
    std::vector<Trial> round;
    std::map<std::string, bool> pending_texts;
    std::vector<int> pending(tasks_.size(), 0);
    std::vector<std::map<std::string, bool>> pending_by_task(tasks_.size());
    while (int(round.size()) < budget_.round_size &&
           (budget_.trials < 0 || trials_done_ + int64_t(round.size()) < budget_.trials)) {
      const int task = pick_task(pending);
      if (task < 0) break;
      auto schedule = propose(task, pending_by_task[size_t(task)]);
      if (!schedule) {
        states_[size_t(task)].exhausted = true;
        continue;
      }
      pending_by_task[size_t(task)][*schedule] = true;
      ++pending[size_t(task)];
      round.push_back({task, *schedule, seed_proposed_ ? "seed" : "search"});
    }
    if (round.empty()) break;
    run_round(round);
  }
  // 3. The best few of every task again; re-measurements replace the first times.
  phase_ = "remeasure";
  const std::vector<Trial> again = remeasure_trials();
  for (size_t i = 0; i < again.size(); i += size_t(budget_.round_size)) {
    std::vector<Trial> round(
        again.begin() + long(i),
        again.begin() + long(std::min(again.size(), i + size_t(budget_.round_size))));
    run_round(round);
  }
  phase_ = "done";
  if (on_progress) on_progress(progress());
}

}  // namespace kiln::tuner
