// KernelMeasurer.h: the tuner's measurements of real kernels: candidates compile locally in
// parallel (backends/halide/KernelMeasure.h), then each runs alone in a worker process
// (`[RUNNER] kiln tune-worker SPEC`) with a time limit; its outputs are compared with the
// default schedule's on the same inputs, so a wrong schedule is recorded as "wrong".
#pragma once

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

#include "backends/halide/KernelMeasure.h"
#include "tuner/Tuner.h"

namespace kiln::tuner {

/// How measurements are made.
struct MeasurerOptions {
  Halide::Target target;
  ScheduleOptions schedule;
  int64_t batch = 1;
  int threads = 0;                  ///< Halide threads in the worker (0: its default)
  int jobs = 0;                     ///< parallel compiles (0: one per core)
  std::vector<std::string> runner;  ///< prefix of the worker command line
  std::string worker;               ///< the kiln executable
  std::string work_dir;             ///< candidate libraries, inputs and outputs
  double run_timeout_s = 60;
  double tolerance = 1e-4;  ///< max |candidate - default| / max |default|
  uint64_t seed = 0;        ///< of the random inputs
};

/// Measures candidates of a model's tasks.
class KernelMeasurer {
 public:
  /// `kernel_of_task[i]` is the partition kernel that task i of the tuner stands for.
  KernelMeasurer(const Graph& graph, const KernelPartition& partition,
                 std::vector<int> kernel_of_task, std::vector<std::string> default_schedules,
                 MeasurerOptions options);
  /// Builds the Halide runtime the candidates link.
  Status init();
  /// A MeasureFn (see Tuner.h).
  void measure(const std::vector<Trial>& trials,
               const std::function<void(size_t, const TrialResult&)>& done);

 private:
  struct Built {
    bool ok = false;
    std::string error;
    MeasureSpec spec;
    std::string spec_file;
  };
  void build(const std::vector<std::pair<int, std::string>>& wanted);
  TrialResult run_one(int task, const std::string& schedule, bool is_reference);
  std::string task_dir(int task) const;

  const Graph& graph_;
  const KernelPartition& partition_;
  std::vector<int> kernel_of_task_;
  std::vector<std::string> default_schedules_;
  MeasurerOptions options_;
  std::string runtime_archive_;
  std::map<std::pair<int, std::string>, Built> built_;
  std::map<int, std::vector<MeasureBuffer>> inputs_;
  std::map<int, std::string> reference_;  ///< per task: the default's output bytes
};

}  // namespace kiln::tuner
