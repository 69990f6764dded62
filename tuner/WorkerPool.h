// WorkerPool.h: a few long-lived worker processes that each answer one request line with one
// reply line (the tuner's compile workers, `kiln tune-compiler`). Requests go to idle workers,
// several at once, each with a deadline; a worker past it is killed with its process group and
// one that dies is replaced, so a hang or a crash costs one request, never the caller. Workers'
// stderr goes to log files (never the user's terminal); a failed request gets its tail.
//
// Protocol: a worker's stdin and stdout are one socket. Its first line says it is ready (the
// content is ignored); then it reads a request line and writes a reply line, over and over,
// until its stdin ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kiln::tuner {

/// What became of one request.
struct PoolReply {
  std::string reply;       ///< the worker's reply line (no newline); empty when it gave none
  bool timed_out = false;  ///< no reply by the deadline: the worker was killed
  bool started = true;     ///< false: no worker could be started (see `err`)
  bool signalled = false;  ///< the worker died of `signal` instead of replying
  int signal = 0;
  int exit_code = 0;  ///< the worker exited with this status instead of replying
  std::string err;    ///< when there is no reply: what the worker wrote on stderr for it
};

/// Up to `size` copies of one worker command.
class WorkerPool {
 public:
  /// `argv` starts a worker; worker slot i writes its stderr to `log_dir`/worker<i>.log. A
  /// worker has `start_timeout_s` to say it is ready.
  WorkerPool(std::vector<std::string> argv, int size, std::string log_dir, double start_timeout_s);
  /// Kills every worker (their process groups) and waits for them.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Sends each request (one line, no newline) to an idle worker, at most `size` in flight,
  /// and returns the replies in request order. Each has `timeout_s` from when it is sent.
  /// Workers start when first needed and stay for later calls.
  std::vector<PoolReply> run(const std::vector<std::string>& requests, double timeout_s);

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { Empty, Starting, Idle, Busy };
  struct Slot {
    State state = State::Empty;
    pid_t pid = -1;
    int channel = -1;    ///< the parent's end of the worker's stdin/stdout socket
    std::string log;     ///< stderr file
    std::string buffer;  ///< reply bytes read so far
    int request = -1;    ///< the request in flight (Busy)
    Clock::time_point deadline;
    size_t log_offset = 0;  ///< the log's size when the request (or the start) began
  };
  bool start(Slot& slot);
  void stop(Slot& slot, PoolReply& how);
  std::string log_since(const Slot& slot) const;

  std::vector<std::string> argv_;
  double start_timeout_s_;
  std::vector<Slot> slots_;
  int failed_starts_ = 0;  ///< in a row; after a few, requests fail without another try
  std::string start_error_;
};

}  // namespace kiln::tuner
