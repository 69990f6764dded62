// Hdf5ReaderProcess.h: an Hdf5Reader served from a forked child process over a socket, one
// request at a time, so that libhdf5 crashing or hanging on a hostile file cannot take the
// importing process with it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "frontend/keras/Hdf5Reader.h"
#include "ir/Error.h"

namespace kiln::keras_import {

/// The child process and the parent's end of its socket. Every call either returns the reader's
/// answer or an Error saying why the child gave none (it crashed with a signal, exited, or did
/// not answer within the time limit, after which it is killed).
class Hdf5ReaderProcess {
 public:
  /// Seconds the child may take to answer one request before it is killed (libhdf5 loops
  /// forever on some corrupt files). Reading a dataset gets one more second per 50 MB it
  /// claims, which the child reports first.
  static constexpr int kAnswerSeconds = 5;

  /// Forks a child that calls `open_reader` (libhdf5 runs only there) and serves its answers.
  /// An open that fails in the child returns the reader's error; one that crashes returns
  /// an error naming the signal; one that takes over `answer_seconds` is killed.
  static Result<std::unique_ptr<Hdf5ReaderProcess>> start(
      const std::function<Result<std::shared_ptr<Hdf5Reader>>()>& open_reader,
      const std::string& display_name, int answer_seconds = kAnswerSeconds);
  ~Hdf5ReaderProcess();
  Hdf5ReaderProcess(const Hdf5ReaderProcess&) = delete;
  Hdf5ReaderProcess& operator=(const Hdf5ReaderProcess&) = delete;

  /// The child's process id (until it has been stopped: then -1).
  pid_t pid() const { return pid_; }

  Result<bool> exists(const std::string& path);
  Result<bool> is_group(const std::string& path);
  Result<std::vector<std::string>> children(const std::string& path);
  Result<bool> has_attribute(const std::string& path, const std::string& name);
  /// The outer Result fails when the child gave no answer; the inner one is the reader's.
  Result<Result<std::vector<std::string>>> string_list_attribute(const std::string& path,
                                                                 const std::string& name);
  Result<Result<std::string>> string_attribute(const std::string& path, const std::string& name);
  Result<Result<WeightArray>> read_floats(const std::string& path);

 private:
  Hdf5ReaderProcess(pid_t pid, int socket, std::string display_name, int answer_seconds)
      : pid_(pid),
        socket_(socket),
        display_name_(std::move(display_name)),
        answer_seconds_(answer_seconds) {}
  /// Sends `request` and returns the answer's bytes, or why there is none; the child has
  /// `extra_seconds` more than answer_seconds_ to answer.
  Result<std::string> call(const std::string& request, int64_t extra_seconds = 0);
  /// Kills and reaps the child; returns an Error describing how it ended.
  Error stop(const std::string& what);

  pid_t pid_;
  int socket_;
  std::string display_name_;
  int answer_seconds_;
};

}  // namespace kiln::keras_import
