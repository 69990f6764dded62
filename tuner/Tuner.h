// Tuner.h: the search over every task's schedule space and the task scheduler that gives the
// trials to the tasks where a speed-up gains the most end-to-end time. Measurement is a
// callback, so the search can be tested with synthetic times.
//
// Per task: the default schedule first, then the schedules Halide's autoschedulers choose for it
// (one "seed" trial each, as the task scheduler reaches the task); then each trial proposes a
// pool of random candidates and
// mutations of the best few measured, ranks it with a per-task cost model (tuner/CostModel.h)
// trained on the task's measurements, and takes the best predicted one (or, with probability
// 0.25, a random one from the pool, to explore). The scheduler picks the task with the largest
// occurrences x best ms x estimated remaining gain, the gain decaying with trials that found
// nothing better (Ansor's task scheduler in spirit). Trials run in rounds of a fixed size (the
// candidates of a round compile in parallel); at the end the best few of every task are
// measured again and the winner is the fastest re-measured one. The same seed, trial budget
// and measurements give the same candidates.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tuner/CandidateSpace.h"
#include "tuner/TuneRecords.h"

namespace kiln::tuner {

/// A tuning task: a distinct kernel of the model.
struct TuneTask {
  std::string task;
  std::string kernel;  ///< the first kernel with this task
  int64_t occurrences = 1;
  int64_t macs = 0;
  std::string default_schedule;
  std::vector<TemplateSpace> space;
  /// Whether a schedule text of the space may be measured at all (constraints across knobs,
  /// such as a GPU block's bx x by <= 1024 threads); others are never proposed. Null: all may.
  std::function<bool(const std::string&)> is_legal;
};

/// One candidate to measure.
struct Trial {
  int task = 0;
  std::string schedule;
  std::string role;  ///< "default", "seed" (an autoscheduler's choice), "search" or "remeasure"
};

/// What a measurement found.
struct TrialResult {
  std::string status = "ok";
  std::string error;
  double median_ms = 0;
  double min_ms = 0;
};

/// Measures `trials` one after the other, calling `done(i, result)` as each finishes.
using MeasureFn = std::function<void(const std::vector<Trial>& trials,
                                     const std::function<void(size_t, const TrialResult&)>& done)>;

/// How a task's next candidate is chosen.
enum class SearchStrategy {
  Guided,  ///< Halide's autoschedulers first, then the cost-model-ranked pool (the default)
  Random,  ///< uniform samples of the space (the baseline the benchmark compares against)
};

/// Budget and seed of a run.
struct TuneBudget {
  int64_t trials = -1;  ///< total measured candidates (records included); -1: no limit
  /// Wall-clock budget of this run, the closing re-measurement included (the search stops early
  /// enough to leave it the time its measurements are expected to take); -1: no limit. The
  /// defaults are measured whatever the budget.
  double seconds = -1;
  uint64_t seed = 0;
  int round_size = 4;  ///< candidates compiled together
  int remeasure = 3;   ///< best candidates of each task measured again at the end
  SearchStrategy strategy = SearchStrategy::Guided;
  /// The search stops early (converged) when no task's expected remaining gain, occurrences x
  /// best ms x 0.5 x 0.75^stale, reaches this fraction of the model's estimated latency; 0:
  /// never (the budget alone ends the search).
  double stop_gain = 0.001;
  /// Guided search: the Halide autoschedulers whose schedule each task measures before the
  /// model-guided trials (role "seed"), in this order, where the task's space has them.
  std::vector<std::string> seed_autoschedulers = {"mullapudi2016", "li2018", "adams2019"};
};

/// Where a task stands.
struct TaskState {
  std::map<std::string, TrialResult> measured;  ///< per schedule (re-measurements replace)
  std::string best_schedule;
  double best_ms = 0;     ///< 0 until an ok measurement
  double default_ms = 0;  ///< 0 until the default is measured ok
  bool default_failed = false;
  int trials = 0;    ///< candidates measured (defaults and search)
  int failures = 0;  ///< of which not ok
  int stale = 0;     ///< trials since the best last improved
  bool exhausted = false;
};

/// A snapshot for progress displays.
struct TuneProgress {
  int tasks = 0;
  int64_t trials_done = 0;
  int64_t trials_total = -1;
  int failures = 0;
  double model_ms = 0;          ///< sum over tasks of occurrences x best ms
  double default_model_ms = 0;  ///< sum over tasks of occurrences x default ms
  double elapsed_s = 0;
  std::string phase;       ///< "defaults", "search", "remeasure", "done"
  bool converged = false;  ///< the search stopped before its budget (see TuneBudget::stop_gain)
};

/// The tuner of one model.
class Tuner {
 public:
  Tuner(std::vector<TuneTask> tasks, TuneBudget budget);

  /// Takes earlier records of the same target, threads and batch (resume): their candidates are
  /// not measured again and count towards the trial budget.
  void resume(const std::vector<TuneRecord>& records);
  /// Runs the search; `on_result` sees every measurement (to record it), `on_progress` the
  /// state after each.
  void run(const MeasureFn& measure,
           const std::function<void(const Trial&, const TrialResult&)>& on_result,
           const std::function<void(const TuneProgress&)>& on_progress);

  const std::vector<TuneTask>& tasks() const { return tasks_; }
  const std::vector<TaskState>& states() const { return states_; }
  TuneProgress progress() const;

 private:
  void record(const Trial& trial, const TrialResult& result);
  std::optional<std::string> propose(int task, const std::map<std::string, bool>& pending);
  int pick_task(const std::vector<int>& pending_per_task) const;
  bool has_converged() const;
  void update_best(int task);
  /// The re-measurement phase's trials as they stand now.
  std::vector<Trial> remeasure_trials() const;

  std::vector<TuneTask> tasks_;
  std::vector<CandidateSpace> spaces_;
  std::vector<TaskState> states_;
  TuneBudget budget_;
  int64_t trials_done_ = 0;
  double start_ = 0;
  std::string phase_ = "defaults";
  bool seed_proposed_ = false;
  bool converged_ = false;  ///< the last propose() returned an autoscheduler seed
  /// Seconds between consecutive results within a round (its candidates are compiled first, then
  /// measured one by one, so a gap is one measurement): what a re-measurement is expected to take.
  double measure_gap_sum_ = 0;
  int measure_gaps_ = 0;
};

}  // namespace kiln::tuner
