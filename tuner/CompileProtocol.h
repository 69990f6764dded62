// CompileProtocol.h: what the tuner and its compile workers (`kiln tune-compiler`, started
// through tuner/WorkerPool.h) say to each other: the schedule options a worker starts with, and
// per candidate one JSON line each way, the request to build it and the reply (its measurement
// spec or why it could not be built).
#pragma once

#include <string>
#include <vector>

#include "backends/halide/HalideSchedule.h"
#include "backends/halide/KernelMeasure.h"
#include "ir/Error.h"

namespace kiln::tuner {

/// Build one candidate: a task's kernel with one schedule.
struct CompileRequest {
  std::string task;         ///< the task key, checked against the worker's own partition
  int kernel = 0;           ///< the partition kernel that stands for the task
  std::string schedule;     ///< the candidate's schedule text
  bool is_default = false;  ///< the task's default: built as `kiln compile` builds it, no record
  std::string dir;          ///< where the library, the weights and the outputs go
  std::vector<MeasureBuffer> inputs;  ///< the task's inputs, written by the tuner

  /// One JSON line (no newline).
  std::string to_json() const;
};

/// Reads a line written by CompileRequest::to_json.
Result<CompileRequest> parse_compile_request(const std::string& line);

/// The worker's answer to one request.
struct CompileReply {
  bool ok = false;
  std::string error;  ///< why the candidate could not be built (when not ok)
  MeasureSpec spec;   ///< when ok: the candidate's spec (threads and repeats left default)

  /// One JSON line (no newline).
  std::string to_json() const;
};

/// Reads a line written by CompileReply::to_json.
Result<CompileReply> parse_compile_reply(const std::string& line);

/// `options` as JSON text for a worker's command line; per-node overrides cannot travel, so
/// their presence is an error.
Result<std::string> schedule_options_json(const ScheduleOptions& options);

/// Reads text written by schedule_options_json.
Result<ScheduleOptions> parse_schedule_options(const std::string& text);

}  // namespace kiln::tuner
