// WorkerProcess.h: runs a measurement worker as a child process with a time limit, optionally
// behind a runner command (`srun --exclusive -N1 -n1`), and says how it ended.
#pragma once

#include <string>
#include <vector>

namespace kiln::tuner {

/// How a child process ended.
struct ProcessOutcome {
  bool timed_out = false;
  bool signalled = false;
  int signal = 0;
  int exit_code = 0;
  std::string out;  ///< its stdout
  std::string err;  ///< the tail of its stderr
};

/// Runs `argv` (looked up on PATH) in its own process group, killing the group after
/// `timeout_s` seconds.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_s);

/// Splits a runner command line on whitespace ("srun --exclusive -N1 -n1").
std::vector<std::string> split_command(const std::string& command);

}  // namespace kiln::tuner
