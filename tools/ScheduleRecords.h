// ScheduleRecords.h: reads schedule records (JSON Lines, one object per line with at least
// "task" and "schedule"; tuners add "target", "threads", "batch", "median_ms", "status", ...) and
// picks, per task, the record a compile applies.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "backends/halide/KernelPartition.h"
#include "ir/Error.h"

namespace kiln::cli {

/// What a compile is for, to filter records by.
struct RecordFilter {
  std::string target;              ///< Halide target string; records for other targets are skipped
  std::optional<int64_t> threads;  ///< when set, records with another "threads" are skipped
  std::optional<int64_t> batch;    ///< when set, records with another "batch" are skipped
  /// Skip (count in `skipped`) lines that are not records or whose schedule does not parse,
  /// instead of failing: for records the user did not name (another Kiln version's).
  bool skip_unreadable = false;
};

/// The filter of a compile for `target` (a Halide target string) with the CLI's --tuned-threads
/// and --tuned-batch values (negative: not given, any).
RecordFilter record_filter(const std::string& target, int64_t tuned_threads, int64_t tuned_batch);

/// The records of one file.
struct ScheduleRecordSet {
  std::map<std::string, ScheduleRecord> best;  ///< per task: the fastest ok record that applies
  int lines = 0;                               ///< records read
  int skipped = 0;                             ///< for another target/threads/batch, or not ok
  bool torn_last_line = false;                 ///< the last line was cut short (skipped)
  /// Tasks with records of several threads/batch configurations that the filter left: each
  /// applies the configuration of the smallest batch, then the most threads.
  int tasks_with_other_configs = 0;
};

/// Reads `path`. Per task, only records of one configuration compete (times at different
/// threads or batch sizes do not compare): see `tasks_with_other_configs`. A malformed line (other
/// than a torn last line) or a schedule that does not parse is an error naming the file, the line
/// and the knob. Records without "median_ms" count as fastest (hand-written pins); among equals the
/// later line wins. A record with "role": "remeasure" (the tuner measuring a candidate again)
/// replaces the earlier times of its task and schedule.
Result<ScheduleRecordSet> read_schedule_records(const std::string& path,
                                                const RecordFilter& filter);

/// The records a compile applies, and where they came from.
struct CompileRecords {
  ScheduleRecordSet set;
  std::string path;           ///< the file read (empty: none)
  bool from_machine = false;  ///< this machine's records in the cache directory
};

/// The records for `kiln compile --schedules SPEC` (and `kiln inspect --records SPEC`): SPEC a
/// file; "none": no records; empty: this machine's records in `cache_dir` when that file exists,
/// marked optional (a record another Kiln version tuned that no longer applies is left out).
Result<CompileRecords> records_for_compile(const std::string& spec, const std::string& cache_dir,
                                           const RecordFilter& filter);

}  // namespace kiln::cli
