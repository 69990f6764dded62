// DeviceHostProcess.h: a kiln-device-host child process that runs one GPU library for the CLI,
// so that the driver's LLVM (PoCL) never meets the CLI's (Halide's). See DeviceHostProtocol.h.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::cli {

/// The kiln-device-host executable: $KILN_DEVICE_HOST, else the one next to the running
/// executable.
std::string device_host_path();

/// A running kiln-device-host serving `library`.
class DeviceHostProcess {
 public:
  /// Starts kiln-device-host ($KILN_DEVICE_HOST, else the one next to the running kiln) on
  /// `library` with `threads` workers (0: the library's default) and waits until it opened it.
  static Result<std::unique_ptr<DeviceHostProcess>> start(const std::string& library, int threads);
  ~DeviceHostProcess();
  DeviceHostProcess(const DeviceHostProcess&) = delete;
  DeviceHostProcess& operator=(const DeviceHostProcess&) = delete;

  /// Runs the library once in the child: `symbols` (one per model symbol, at least one),
  /// `inputs`/`outputs` as (bytes, size) in descriptor order; with `kernel_ms`, `num_kernels`
  /// per-kernel times too. Returns the milliseconds the run took in the child.
  Result<double> run(const std::vector<int64_t>& symbols,
                     const std::vector<std::pair<const void*, size_t>>& inputs,
                     const std::vector<std::pair<void*, size_t>>& outputs, double* kernel_ms,
                     int num_kernels);

 private:
  DeviceHostProcess(std::string library, pid_t pid, int channel)
      : library_(std::move(library)), pid_(pid), channel_(channel) {}
  // Reads the head of a reply: the status and message, and the time.
  Status receive_reply_head(double* run_ms);
  // The error for a channel that broke: how the child ended.
  Error lost_child();

  std::string library_;
  pid_t pid_ = -1;
  int channel_ = -1;
};

}  // namespace kiln::cli
