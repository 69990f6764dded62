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
};

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

}  // namespace kiln::cli
