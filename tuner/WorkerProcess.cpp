// WorkerProcess.cpp: fork/exec into a process group, pipes, poll and a deadline.
#include "tuner/WorkerProcess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>

namespace kiln::tuner {

std::vector<std::string> split_command(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string last_lines(const std::string& text, int count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  std::string joined;
  for (size_t i = lines.size() > size_t(count) ? lines.size() - size_t(count) : 0; i < lines.size();
       ++i)
    joined += (joined.empty() ? "" : "; ") + lines[i];
  return joined;
}

pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
  // Everything the child needs is made before fork: a multi-threaded parent's child may only
  // make async-signal-safe calls until it execs.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (options.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
    }
    if (options.stdin_fd >= 0) dup2(options.stdin_fd, 0);
    if (options.stdout_fd >= 0) dup2(options.stdout_fd, 1);
    if (options.stderr_fd >= 0) dup2(options.stderr_fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (pid > 0) setpgid(pid, pid);  // also here, so a kill right after spawn reaches the group
  return pid < 0 ? -1 : pid;
}

void kill_process_group(pid_t pid) {
  if (pid > 0) kill(-pid, SIGKILL);
}

void reap_process(pid_t pid, ProcessOutcome& outcome) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    outcome.signalled = true;
    outcome.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  }
}

ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_s) {
  ProcessOutcome outcome;
  // Close-on-exec, so no other child (a compile worker spawned meanwhile) holds an end open.
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    outcome.exit_code = 127;
    outcome.err = "cannot create pipes";
    return outcome;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    outcome.exit_code = 127;
    outcome.err = "cannot create pipes";
    return outcome;
  }
  SpawnOptions streams;
  streams.stdout_fd = out_pipe[1];
  streams.stderr_fd = err_pipe[1];
  const pid_t pid = spawn_process(argv, streams);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    outcome.exit_code = 127;
    outcome.err = "cannot fork";
    return outcome;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[4096];
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      outcome.timed_out = true;
      kill_process_group(pid);
      break;
    }
    if (poll(fds, 2, int(std::min<long long>(left, 1000))) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? outcome.out : outcome.err).append(buffer, size_t(n));
    }
  }
  for (pollfd& f : fds)
    if (f.fd >= 0) close(f.fd);
  reap_process(pid, outcome);
  if (outcome.err.size() > 2000) outcome.err = outcome.err.substr(outcome.err.size() - 2000);
  return outcome;
}

}  // namespace kiln::tuner
