// WorkerProcess.h: child processes of the tuner: fork/exec in a process group of their own (so a
// timeout kills the whole group, a runner's children included), a one-shot run with a time limit
// (the measurement worker, optionally behind `srun --exclusive -N1 -n1`), and how they ended.
#pragma once

#include <sys/types.h>

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

/// Where a spawned child's standard streams go; -1 leaves the parent's.
struct SpawnOptions {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  /// The child is killed (SIGKILL) when the spawning thread ends, even by SIGKILL: for
  /// long-lived workers that must not outlive the tuner.
  bool die_with_parent = false;
};

/// Forks and execs `argv` (looked up on PATH) in a new process group whose id is the returned
/// pid; -1 when it cannot fork. A failed exec ends the child with status 127.
pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

/// SIGKILLs the process group of a child made by spawn_process.
void kill_process_group(pid_t pid);

/// Waits for `pid` and records in `outcome` how it ended (signal or exit status).
void reap_process(pid_t pid, ProcessOutcome& outcome);

/// Runs `argv` (looked up on PATH) in its own process group, killing the group after
/// `timeout_s` seconds.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_s);

/// Splits a runner command line on whitespace ("srun --exclusive -N1 -n1").
std::vector<std::string> split_command(const std::string& command);

/// The last `count` non-empty lines of `text` (a child's stderr), joined by "; ", for error
/// messages.
std::string last_lines(const std::string& text, int count);

}  // namespace kiln::tuner
