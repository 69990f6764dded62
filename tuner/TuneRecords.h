// TuneRecords.h: the tuner's records file: JSON Lines, one line per measured candidate, each
// written, flushed and fsynced as it is measured, so a tuner killed with SIGKILL loses at most
// what was in flight. The same file resumes a run and feeds `kiln compile --schedules`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::tuner {

/// One measured candidate.
struct TuneRecord {
  std::string task;      ///< the kernel's task key
  std::string kernel;    ///< the first kernel of the model with that task (for people)
  std::string target;    ///< Halide target string (parse_halide_target(spec).to_string())
  int64_t threads = 0;   ///< Halide threads the measurement ran with (0: the default)
  int64_t batch = 1;     ///< every symbolic dim
  std::string schedule;  ///< the schedule text
  double median_ms = 0;
  double min_ms = 0;
  /// ok, wrong, crash, timeout, error, compile_error, compile_crash, compile_timeout
  std::string status = "ok";
  std::string error;  ///< the reason, for any status but ok
  std::string kiln_version;
  std::string time;         ///< UTC, ISO 8601
  std::string role;         ///< "default", "search" or "remeasure" (of an earlier candidate)
  int64_t occurrences = 1;  ///< how often the task occurs in the tuned model
  int64_t macs = 0;         ///< the kernel's MACs at batch 1
  std::string machine;      ///< the measuring machine's CPU and host ISA (empty: not recorded)

  /// The record as one JSON object (no newline).
  std::string to_json() const;
};

/// The records of a file.
struct TuneRecordFile {
  std::vector<TuneRecord> records;
  bool torn_last_line = false;  ///< the last line was cut short and skipped
};

/// Reads `path` (a missing file has no records). A malformed line other than a torn last line
/// is an error naming the file and the line.
Result<TuneRecordFile> read_tune_records(const std::string& path);

/// Appends records to a file, one fsynced line each. Opening cuts a torn last line off first.
class TuneRecordWriter {
 public:
  TuneRecordWriter() = default;
  ~TuneRecordWriter();
  TuneRecordWriter(const TuneRecordWriter&) = delete;
  TuneRecordWriter& operator=(const TuneRecordWriter&) = delete;

  /// Opens (creating) `path` for appending.
  Status open(const std::string& path);
  /// Writes one record and flushes it to disk.
  Status append(const TuneRecord& record);

 private:
  std::string path_;
  int fd_ = -1;
};

/// The current UTC time as "2024-01-31T12:00:00Z".
std::string utc_now();

}  // namespace kiln::tuner
