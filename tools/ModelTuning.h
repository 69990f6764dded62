// ModelTuning.h: one tuning run of a model (`kiln tune MODEL`, and `kiln compile --tune quick`):
// its distinct kernels become tasks, the tuner searches their schedules, and each measured
// candidate is appended to the records file and to this machine's records in the cache directory.
#pragma once

#include <cstdint>
#include <string>

namespace kiln::cli {

/// What to tune and how long; the defaults are `kiln tune`'s.
struct TuneOptions {
  std::string model_path;
  std::string records;         ///< JSON Lines file to append to (empty: the machine's records only)
  double budget_minutes = -1;  ///< wall-clock budget (with trials < 0; both < 0: 10 minutes)
  int64_t trials = -1;         ///< measured candidates in all, resumed ones included
  int threads = 0;             ///< Halide threads per measurement (0: Halide's default)
  int64_t batch = 1;           ///< every symbolic dim
  std::string target = "host";
  uint64_t seed = 0;
  int jobs = 0;        ///< parallel candidate compiles (0: one per core)
  std::string runner;  ///< command prefixed to each measurement worker (Slurm's srun)
  double run_timeout = 60;
  std::string search = "guided";  ///< guided or random
  double stop_gain = 0.001;
  std::string seed_autoschedulers = "mullapudi2016,li2018,adams2019";
  /// Whether the search may measure Halide's autoschedulers' schedules (one Adams2019 compile of
  /// a large kernel takes longer than a whole quick tuning pass).
  bool search_autoschedulers = true;
  double compile_timeout = 120;
  bool quiet = false;
  bool no_cache = false;  ///< keep the records in `records` only, not in the machine's records
  std::string keras_weights;
  /// Printed before progress lines ("tune" for `kiln tune`, "quick tune" for compile's pass).
  std::string label = "tune";
};

/// The budget of `kiln compile --tune quick`: ResNet-18's tuning pass, setup included, stays within
/// a minute on 2 cores (docs/TUNING.md has the measurements).
inline constexpr double kQuickTuneSeconds = 45;

/// Runs one tuning session; returns the process exit status (errors already reported on stderr).
/// Resumes from `records` when given, else from the machine's records in the cache directory.
int tune_model(const TuneOptions& options);

}  // namespace kiln::cli
