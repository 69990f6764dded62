// WorkerPool.cpp: one poll loop over the workers' sockets, with per-request deadlines.
#include "tuner/WorkerPool.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tuner/WorkerProcess.h"

namespace kiln::tuner {
namespace {

constexpr int kMaxFailedStarts = 3;  // in a row: then the pool gives up starting workers
constexpr size_t kMaxErrBytes = 2000;

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

size_t file_size(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? size_t(st.st_size) : 0;
}

}  // namespace

WorkerPool::WorkerPool(std::vector<std::string> argv, int size, std::string log_dir,
                       double start_timeout_s)
    : argv_(std::move(argv)), start_timeout_s_(start_timeout_s), slots_(size_t(std::max(1, size))) {
  for (size_t i = 0; i < slots_.size(); ++i)
    slots_[i].log =
        (std::filesystem::path(log_dir) / ("worker" + std::to_string(i) + ".log")).string();
}

WorkerPool::~WorkerPool() {
  for (Slot& slot : slots_) {
    if (slot.state == State::Empty) continue;
    PoolReply ignored;
    kill_process_group(slot.pid);
    stop(slot, ignored);
  }
}

bool WorkerPool::start(Slot& slot) {
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) return false;
  const int log = open(slot.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    close(sockets[0]);
    close(sockets[1]);
    return false;
  }
  slot.log_offset = file_size(slot.log);
  SpawnOptions streams;
  streams.stdin_fd = sockets[1];
  streams.stdout_fd = sockets[1];
  streams.stderr_fd = log;
  streams.die_with_parent = true;
  const pid_t pid = spawn_process(argv_, streams);
  close(sockets[1]);
  close(log);
  if (pid < 0) {
    close(sockets[0]);
    return false;
  }
  slot.pid = pid;
  slot.channel = sockets[0];
  slot.state = State::Starting;
  slot.buffer.clear();
  slot.request = -1;
  slot.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(start_timeout_s_));
  return true;
}

// Ends the worker of `slot` (already dead, or killed here) and says how it ended in `how`.
void WorkerPool::stop(Slot& slot, PoolReply& how) {
  // A worker that closed its end is normally exiting: let it, so its own status is seen.
  if (!how.timed_out) {
    const auto until = Clock::now() + std::chrono::seconds(2);
    siginfo_t info{};
    while (Clock::now() < until) {
      info.si_pid = 0;
      if (waitid(P_PID, id_t(slot.pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
          info.si_pid != 0)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  kill_process_group(slot.pid);  // whatever of it is left, its children too
  ProcessOutcome outcome;
  reap_process(slot.pid, outcome);
  how.signalled = outcome.signalled;
  how.signal = outcome.signal;
  how.exit_code = outcome.exit_code;
  close(slot.channel);
  slot.channel = -1;
  slot.pid = -1;
  slot.state = State::Empty;
  slot.request = -1;
  slot.buffer.clear();
}

std::string WorkerPool::log_since(const Slot& slot) const {
  std::ifstream in(slot.log, std::ios::binary);
  in.seekg(std::streamoff(slot.log_offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kMaxErrBytes) text = text.substr(text.size() - kMaxErrBytes);
  return text;
}

std::vector<PoolReply> WorkerPool::run(const std::vector<std::string>& requests, double timeout_s) {
  std::vector<PoolReply> replies(requests.size());
  size_t next = 0, finished = 0;
  const auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  // A worker that did not start costs the next request (so every call ends).
  auto failed_start = [&](PoolReply how) {
    how.started = false;
    ++failed_starts_;
    start_error_ = how.err;
    if (next < requests.size()) {
      replies[next++] = std::move(how);
      ++finished;
    }
  };
  // A worker that ended (exited, crashed or timed out): its request gets `how`, with the
  // worker's log since the request began.
  auto end_slot = [&](Slot& slot, PoolReply how) {
    const State state = slot.state;
    const int request = slot.request;
    stop(slot, how);
    how.err = log_since(slot);
    if (state == State::Starting) {
      failed_start(std::move(how));
    } else if (state == State::Busy) {
      replies[size_t(request)] = std::move(how);
      ++finished;
    }
  };
  while (finished < requests.size()) {
    if (failed_starts_ >= kMaxFailedStarts) {
      for (; next < requests.size(); ++next, ++finished) {
        replies[next].started = false;
        replies[next].err = start_error_;
      }
      bool busy = false;
      for (const Slot& slot : slots_) busy = busy || slot.state == State::Busy;
      if (!busy) break;
    }
    for (Slot& slot : slots_) {  // requests to idle workers
      if (next >= requests.size()) break;
      if (slot.state != State::Idle) continue;
      slot.log_offset = file_size(slot.log);
      slot.request = int(next);
      slot.deadline = Clock::now() + timeout;
      if (!send_all(slot.channel, requests[next] + "\n")) {  // it died while idle
        PoolReply& reply = replies[next++];
        stop(slot, reply);
        reply.err = log_since(slot);
        ++finished;
        continue;
      }
      slot.state = State::Busy;
      ++next;
    }
    size_t ready_soon = 0;  // workers that will take a request without a new start
    for (const Slot& slot : slots_)
      if (slot.state == State::Starting || slot.state == State::Idle) ++ready_soon;
    for (Slot& slot : slots_) {  // start workers for what is left
      if (next + ready_soon >= requests.size() || failed_starts_ >= kMaxFailedStarts) break;
      if (slot.state != State::Empty) continue;
      if (start(slot)) {
        ++ready_soon;
      } else {
        PoolReply how;
        how.err = "cannot start a worker process";
        failed_start(how);
      }
    }

    std::vector<pollfd> fds;
    std::vector<Slot*> polled;
    auto wait = std::chrono::milliseconds(1000);
    const auto now = Clock::now();
    for (Slot& slot : slots_) {
      if (slot.state == State::Empty) continue;
      fds.push_back({slot.channel, POLLIN, 0});
      polled.push_back(&slot);
      if (slot.state == State::Starting || slot.state == State::Busy)
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  slot.deadline - now + std::chrono::milliseconds(1)));
    }
    if (fds.empty()) continue;
    if (poll(fds.data(), fds.size(), int(std::max<long long>(0, wait.count()))) < 0 &&
        errno != EINTR)
      break;
    for (size_t i = 0; i < fds.size(); ++i) {
      Slot& slot = *polled[i];
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      const ssize_t n = read(slot.channel, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {  // the worker is gone
        end_slot(slot, PoolReply{});
        continue;
      }
      slot.buffer.append(buffer, size_t(n));
      for (size_t end; slot.channel >= 0 && (end = slot.buffer.find('\n')) != std::string::npos;) {
        std::string line = slot.buffer.substr(0, end);
        slot.buffer.erase(0, end + 1);
        if (slot.state == State::Starting) {
          slot.state = State::Idle;
          failed_starts_ = 0;
        } else if (slot.state == State::Busy) {
          replies[size_t(slot.request)].reply = std::move(line);
          ++finished;
          slot.state = State::Idle;
          slot.request = -1;
        }  // a line from an idle worker answers nothing
      }
    }
    for (Slot& slot : slots_) {  // deadlines
      if ((slot.state != State::Starting && slot.state != State::Busy) ||
          Clock::now() < slot.deadline)
        continue;
      PoolReply how;
      how.timed_out = true;
      end_slot(slot, std::move(how));
    }
  }
  return replies;
}

}  // namespace kiln::tuner
