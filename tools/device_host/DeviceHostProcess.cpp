// DeviceHostProcess.cpp: starts kiln-device-host with a socket on its fd 3, sends it run requests
// and reads the replies; a child that dies or breaks the channel becomes an error naming how it
// ended.
#include "tools/device_host/DeviceHostProcess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "kiln_model_abi.h"
#include "tools/device_host/DeviceHostProtocol.h"

extern char** environ;

namespace kiln::cli {
namespace dh = device_host;

std::string device_host_path() {
  if (const char* path = std::getenv("KILN_DEVICE_HOST"); path && *path) return path;
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return (self.parent_path() / "kiln-device-host").string();
}

Result<std::unique_ptr<DeviceHostProcess>> DeviceHostProcess::start(const std::string& library,
                                                                    int threads) {
  const std::string host = device_host_path();
  if (::access(host.c_str(), X_OK) != 0)
    return Error{library, "",
                 "GPU libraries run in kiln-device-host, which is not at " + host +
                     " (set $KILN_DEVICE_HOST to its path)"};
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
    return Error{library, "", std::string("cannot create a socket: ") + std::strerror(errno)};
  int child_end = ends[1];
  if (child_end == dh::kChannelFd) {  // dup2 onto itself would keep FD_CLOEXEC
    child_end = ::fcntl(ends[1], F_DUPFD_CLOEXEC, dh::kChannelFd + 1);
    ::close(ends[1]);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_end, dh::kChannelFd);
  const std::string thread_count = std::to_string(threads);
  char* argv[] = {const_cast<char*>(host.c_str()), const_cast<char*>(library.c_str()),
                  const_cast<char*>(thread_count.c_str()), nullptr};
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, host.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(child_end);
  if (spawned != 0) {
    ::close(ends[0]);
    return Error{library, "", "cannot start " + host + ": " + std::strerror(spawned)};
  }
  std::unique_ptr<DeviceHostProcess> process(new DeviceHostProcess(library, pid, ends[0]));
  double unused_ms = 0;
  KILN_RETURN_IF_ERROR(process->receive_reply_head(&unused_ms));
  return process;
}

DeviceHostProcess::~DeviceHostProcess() {
  dh::send_value(channel_, uint8_t(dh::kDone));
  ::close(channel_);
  if (pid_ < 0) return;  // already reaped
  // The child exits when the channel closes; one stuck in a driver is killed after 5 s.
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    if (::waitpid(pid_, nullptr, WNOHANG) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

Status DeviceHostProcess::receive_reply_head(double* run_ms) {
  int32_t status = 0;
  std::string message;
  if (!dh::receive_value(channel_, &status) || !dh::receive_string(channel_, &message) ||
      !dh::receive_value(channel_, run_ms))
    return lost_child();
  if (status != KILN_OK) return Error{library_, "", message};
  return Status::ok();
}

Error DeviceHostProcess::lost_child() {
  int wait_status = 0;
  std::string how = "closed its channel";
  if (pid_ < 0)
    return Error{library_, "", "kiln-device-host, which runs this GPU library, has ended"};
  // A child that broke the channel is ending; give it a moment before asking how.
  for (int waited_ms = 0; waited_ms < 2000; waited_ms += 10) {
    if (::waitpid(pid_, &wait_status, WNOHANG) == pid_) {
      if (WIFSIGNALED(wait_status))
        how = std::string("was killed by signal ") + std::to_string(WTERMSIG(wait_status)) + " (" +
              strsignal(WTERMSIG(wait_status)) + ")";
      else if (WIFEXITED(wait_status))
        how = "exited with status " + std::to_string(WEXITSTATUS(wait_status));
      pid_ = -1;  // reaped
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Error{library_, "", "kiln-device-host, which runs this GPU library, " + how};
}

Result<double> DeviceHostProcess::run(const std::vector<int64_t>& symbols,
                                      const std::vector<std::pair<const void*, size_t>>& inputs,
                                      const std::vector<std::pair<void*, size_t>>& outputs,
                                      double* kernel_ms, int num_kernels) {
  bool sent = dh::send_value(channel_, uint8_t(kernel_ms ? dh::kRunProfiled : dh::kRun)) &&
              dh::send_all(channel_, symbols.data(), symbols.size() * sizeof(int64_t));
  for (const auto& [data, size] : inputs)
    sent = sent && dh::send_value(channel_, uint64_t(size)) && dh::send_all(channel_, data, size);
  if (!sent) return lost_child();
  double run_ms = 0;
  KILN_RETURN_IF_ERROR(receive_reply_head(&run_ms));
  if (kernel_ms && !dh::receive_all(channel_, kernel_ms, sizeof(double) * size_t(num_kernels)))
    return lost_child();
  for (const auto& [data, size] : outputs) {
    uint64_t bytes = 0;
    if (!dh::receive_value(channel_, &bytes) || bytes != size ||
        !dh::receive_all(channel_, data, size))
      return lost_child();
  }
  return run_ms;
}

}  // namespace kiln::cli
