// KernelMeasurer.h: the tuner's measurements of real kernels: candidates compile in parallel in
// compile worker processes (`kiln tune-compiler`, tuner/WorkerPool.h), each compile with a time
// limit, then each runs alone in a worker process (`[RUNNER] kiln tune-worker SPEC`, for GPU
// targets `[RUNNER] kiln-device-host --measure SPEC`) with a time
// limit; its outputs are compared with the default schedule's on the same inputs, so a wrong
// schedule is recorded as "wrong". A compile that hangs or crashes costs its candidate only.
#pragma once

#include <Halide.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/halide/KernelMeasure.h"
#include "tuner/Tuner.h"

namespace kiln::tuner {

class WorkerPool;

/// How measurements are made.
struct MeasurerOptions {
  Halide::Target target;
  ScheduleOptions schedule;
  int64_t batch = 1;
  int threads = 0;                  ///< Halide threads in the worker (0: its default)
  int jobs = 0;                     ///< compile workers, compiling in parallel (0: one per core)
  std::vector<std::string> runner;  ///< prefix of the measurement worker's command line
  std::string worker;               ///< the kiln executable (`kiln tune-worker SPEC`)
  /// Nonempty for GPU targets: kiln-device-host (`kiln-device-host --measure SPEC`), which times
  /// the candidate without Halide's LLVM in the process (GPU drivers such as PoCL bring theirs).
  std::string gpu_worker;
  std::string model_path;     ///< the model file, which each compile worker loads again
  std::string keras_weights;  ///< its separate Keras weights file, if any
  std::string work_dir;       ///< candidate libraries, inputs, outputs and worker logs
  double run_timeout_s = 60;
  double compile_timeout_s = 120;  ///< per candidate compile (lowering, Halide, linking)
  double tolerance = 1e-4;         ///< max |candidate - default| / max |default|
  uint64_t seed = 0;               ///< of the random inputs
};

/// Measures candidates of a model's tasks.
class KernelMeasurer {
 public:
  /// `kernel_of_task[i]` is the partition kernel that task i of the tuner stands for.
  /// `partition` is the model's with its default schedules.
  KernelMeasurer(const KernelPartition& partition, std::vector<int> kernel_of_task,
                 std::vector<std::string> default_schedules, MeasurerOptions options);
  /// Stops the compile workers.
  ~KernelMeasurer();
  KernelMeasurer(const KernelMeasurer&) = delete;
  KernelMeasurer& operator=(const KernelMeasurer&) = delete;
  /// Builds the Halide runtime the candidates link and sets up the compile workers (which
  /// start when the first candidates are built).
  Status init();
  /// A MeasureFn (see Tuner.h).
  void measure(const std::vector<Trial>& trials,
               const std::function<void(size_t, const TrialResult&)>& done);

 private:
  struct Built {
    bool ok = false;
    std::string status = "compile_error";  ///< when not ok: or compile_timeout, compile_crash
    std::string error;
    MeasureSpec spec;
    std::string spec_file;
  };
  void build(const std::vector<std::pair<int, std::string>>& wanted);
  TrialResult run_one(int task, const std::string& schedule, bool is_reference);
  std::string task_dir(int task) const;

  const KernelPartition& partition_;
  std::vector<int> kernel_of_task_;
  std::vector<std::string> default_schedules_;
  MeasurerOptions options_;
  std::string runtime_archive_;
  std::unique_ptr<WorkerPool> compilers_;
  std::map<std::pair<int, std::string>, Built> built_;
  std::map<int, std::vector<MeasureBuffer>> inputs_;
  std::map<int, std::string> reference_;  ///< per task: the default's output bytes
};

}  // namespace kiln::tuner
