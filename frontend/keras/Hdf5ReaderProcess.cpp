// Hdf5ReaderProcess.cpp: the child that serves an Hdf5Reader, the parent's calls into it, and
// their wire format: frames of a 64-bit length and bytes over a Unix socket pair; a request is
// an op code and strings, an answer a status byte and the value or the reader's message.
#include "frontend/keras/Hdf5ReaderProcess.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace kiln::keras_import {
namespace {

enum class Op : uint8_t {
  Exists,
  IsGroup,
  Children,
  HasAttribute,
  StringList,
  String,
  ReadFloats,
  ClaimedFloatBytes
};

/// The slowest rate a dataset is expected to be read and decompressed at (bytes per second).
constexpr int64_t kSlowestReadBytesPerSecond = 50'000'000;

/// Appends values to a message.
class MessageWriter {
 public:
  void u8(uint8_t value) { bytes_.push_back(static_cast<char>(value)); }
  void u64(uint64_t value) { raw(&value, sizeof value); }
  void text(const std::string& value) {
    u64(value.size());
    bytes_ += value;
  }
  void texts(const std::vector<std::string>& values) {
    u64(values.size());
    for (const std::string& value : values) text(value);
  }
  void raw(const void* data, size_t size) { bytes_.append(static_cast<const char*>(data), size); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

/// Reads values back; a message too short for what is read leaves ok() false.
class MessageReader {
 public:
  explicit MessageReader(const std::string& bytes) : bytes_(bytes) {}
  uint8_t u8() {
    uint8_t value = 0;
    raw(&value, 1);
    return value;
  }
  uint64_t u64() {
    uint64_t value = 0;
    raw(&value, sizeof value);
    return value;
  }
  std::string text() {
    const uint64_t size = u64();
    if (!ok_ || size > bytes_.size() - at_) return fail();
    std::string value = bytes_.substr(at_, size);
    at_ += size;
    return value;
  }
  std::vector<std::string> texts() {
    const uint64_t count = u64();
    std::vector<std::string> values;
    for (uint64_t i = 0; ok_ && i < count; ++i) values.push_back(text());
    return values;
  }
  void raw(void* data, size_t size) {
    if (!ok_ || size > bytes_.size() - at_) {
      fail();
      return;
    }
    std::memcpy(data, bytes_.data() + at_, size);
    at_ += size;
  }
  bool ok() const { return ok_; }

 private:
  std::string fail() {
    ok_ = false;
    return "";
  }
  const std::string& bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

bool send_all(int socket, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(socket, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

bool send_frame(int socket, const std::string& bytes) {
  const uint64_t size = bytes.size();
  return send_all(socket, reinterpret_cast<const char*>(&size), sizeof size) &&
         send_all(socket, bytes.data(), bytes.size());
}

/// Reads exactly `size` bytes; with a deadline, gives up (returns false, `timed_out` set) when
/// it passes.
bool receive_all(int socket, char* data, size_t size,
                 const std::chrono::steady_clock::time_point* deadline, bool* timed_out) {
  while (size > 0) {
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      pollfd ready{socket, POLLIN, 0};
      const int polled = left.count() > 0 ? ::poll(&ready, 1, static_cast<int>(left.count())) : 0;
      if (polled < 0 && errno == EINTR) continue;
      if (polled == 0) {
        *timed_out = true;
        return false;
      }
      if (polled < 0) return false;
    }
    const ssize_t got = ::recv(socket, data, size, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

bool receive_frame(int socket, std::string& bytes,
                   const std::chrono::steady_clock::time_point* deadline, bool* timed_out) {
  uint64_t size = 0;
  if (!receive_all(socket, reinterpret_cast<char*>(&size), sizeof size, deadline, timed_out))
    return false;
  if (size > (uint64_t{1} << 40)) return false;
  bytes.assign(static_cast<size_t>(size), '\0');
  return receive_all(socket, bytes.data(), bytes.size(), deadline, timed_out);
}

template <class T>
void write_result(MessageWriter& out, Result<T> result,
                  void (*write_value)(MessageWriter&, const T&)) {
  out.u8(result ? 1 : 0);
  if (result)
    write_value(out, *result);
  else
    out.text(result.error().message);
}

void write_texts(MessageWriter& out, const std::vector<std::string>& values) {
  out.texts(values);
}
void write_text(MessageWriter& out, const std::string& value) {
  out.text(value);
}
void write_array(MessageWriter& out, const WeightArray& array) {
  out.text(array.name);
  out.u64(array.dims.size());
  for (int64_t dim : array.dims) out.u64(static_cast<uint64_t>(dim));
  out.u64(array.values.size());
  out.raw(array.values.data(), array.values.size() * sizeof(float));
}

/// Answers one request from the reader.
std::string answer(const Hdf5Reader& reader, const std::string& request) {
  MessageReader in(request);
  const Op op = static_cast<Op>(in.u8());
  const std::string path = in.text();
  MessageWriter out;
  switch (op) {
    case Op::Exists:
      out.u8(reader.exists(path));
      break;
    case Op::IsGroup:
      out.u8(reader.is_group(path));
      break;
    case Op::Children:
      out.texts(reader.children(path));
      break;
    case Op::HasAttribute:
      out.u8(reader.has_attribute(path, in.text()));
      break;
    case Op::StringList:
      write_result(out, reader.string_list_attribute(path, in.text()), write_texts);
      break;
    case Op::String:
      write_result(out, reader.string_attribute(path, in.text()), write_text);
      break;
    case Op::ReadFloats:
      write_result(out, reader.read_floats(path), write_array);
      break;
    case Op::ClaimedFloatBytes:
      out.u64(static_cast<uint64_t>(reader.claimed_float_bytes(path)));
      break;
  }
  return out.bytes();
}

[[noreturn]] void serve(int socket,
                        const std::function<Result<std::shared_ptr<Hdf5Reader>>()>& open_reader) {
  Result<std::shared_ptr<Hdf5Reader>> reader = open_reader();
  MessageWriter opened;
  opened.u8(reader ? 1 : 0);
  if (!reader) opened.text(reader.error().message);
  if (!send_frame(socket, opened.bytes()) || !reader) ::_exit(0);
  std::string request;
  while (receive_frame(socket, request, nullptr, nullptr))
    if (!send_frame(socket, answer(**reader, request))) break;
  ::_exit(0);  // no atexit handlers or stdio flushes of the parent's state
}

MessageWriter request(Op op, const std::string& path) {
  MessageWriter out;
  out.u8(static_cast<uint8_t>(op));
  out.text(path);
  return out;
}

}  // namespace

Result<std::unique_ptr<Hdf5ReaderProcess>> Hdf5ReaderProcess::start(
    const std::function<Result<std::shared_ptr<Hdf5Reader>>()>& open_reader,
    const std::string& display_name, int answer_seconds) {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    return Error{display_name, "",
                 std::string("cannot start the HDF5 reader process: ") + std::strerror(errno)};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sockets[0]);
    ::close(sockets[1]);
    return Error{display_name, "",
                 std::string("cannot start the HDF5 reader process: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    ::close(sockets[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the importer
    if (::getppid() != parent) ::_exit(0);
    // A crash in libhdf5 ends the child by its signal, which the parent names: no handler the
    // importing process installed (a crash reporter, a sanitizer's report-and-exit) runs here.
    for (int fatal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(fatal, SIG_DFL);
    serve(sockets[1], open_reader);
  }
  ::close(sockets[1]);
  std::unique_ptr<Hdf5ReaderProcess> process(
      new Hdf5ReaderProcess(pid, sockets[0], display_name, answer_seconds));
  std::string opened;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(answer_seconds);
  if (!receive_frame(process->socket_, opened, &deadline, &timed_out))
    return process->stop("opening this file");
  MessageReader in(opened);
  if (in.u8() != 1) return Error{display_name, "", in.text()};
  return process;
}

Hdf5ReaderProcess::~Hdf5ReaderProcess() {
  if (socket_ >= 0) ::close(socket_);  // the child reads EOF and exits
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

Error Hdf5ReaderProcess::stop(const std::string& what) {
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ::close(socket_);
  socket_ = -1;
  std::string message;
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
    message = "libhdf5 crashed " + what + " (signal " + std::to_string(WTERMSIG(status)) + ", " +
              strsignal(WTERMSIG(status)) + "): the file is corrupt";
  else if (WIFSIGNALED(status))
    message = "libhdf5 did not finish " + what + " within " + std::to_string(answer_seconds_) +
              " s (or was killed): the file is corrupt";
  else
    message = "the HDF5 reader process ended while " + what + " (exit status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
  return Error{display_name_, "", message};
}

Result<std::string> Hdf5ReaderProcess::call(const std::string& bytes, int64_t extra_seconds) {
  if (socket_ < 0) return Error{display_name_, "", "the HDF5 reader process has ended"};
  std::string reply;
  bool timed_out = false;  // stop() tells a timeout by our SIGKILL
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(answer_seconds_ + extra_seconds);
  if (!send_frame(socket_, bytes) || !receive_frame(socket_, reply, &deadline, &timed_out))
    return stop("reading this file");
  return reply;
}

namespace {

/// Decodes a bool answer.
Result<bool> as_bool(Result<std::string> reply) {
  if (!reply) return reply.error();
  MessageReader in(*reply);
  return in.u8() == 1;
}

}  // namespace

Result<bool> Hdf5ReaderProcess::exists(const std::string& path) {
  return as_bool(call(request(Op::Exists, path).bytes()));
}

Result<bool> Hdf5ReaderProcess::is_group(const std::string& path) {
  return as_bool(call(request(Op::IsGroup, path).bytes()));
}

Result<std::vector<std::string>> Hdf5ReaderProcess::children(const std::string& path) {
  Result<std::string> reply = call(request(Op::Children, path).bytes());
  if (!reply) return reply.error();
  MessageReader in(*reply);
  return in.texts();
}

Result<bool> Hdf5ReaderProcess::has_attribute(const std::string& path, const std::string& name) {
  MessageWriter out = request(Op::HasAttribute, path);
  out.text(name);
  return as_bool(call(out.bytes()));
}

Result<Result<std::vector<std::string>>> Hdf5ReaderProcess::string_list_attribute(
    const std::string& path, const std::string& name) {
  MessageWriter out = request(Op::StringList, path);
  out.text(name);
  Result<std::string> reply = call(out.bytes());
  if (!reply) return reply.error();
  MessageReader in(*reply);
  if (in.u8() != 1) return Result<std::vector<std::string>>(Error{display_name_, "", in.text()});
  return Result<std::vector<std::string>>(in.texts());
}

Result<Result<std::string>> Hdf5ReaderProcess::string_attribute(const std::string& path,
                                                                const std::string& name) {
  MessageWriter out = request(Op::String, path);
  out.text(name);
  Result<std::string> reply = call(out.bytes());
  if (!reply) return reply.error();
  MessageReader in(*reply);
  if (in.u8() != 1) return Result<std::string>(Error{display_name_, "", in.text()});
  return Result<std::string>(in.text());
}

Result<Result<WeightArray>> Hdf5ReaderProcess::read_floats(const std::string& path) {
  // First the size the dataset claims (answered without reading it), for the time to allow.
  Result<std::string> size = call(request(Op::ClaimedFloatBytes, path).bytes());
  if (!size) return size.error();
  MessageReader size_in(*size);
  const int64_t claimed = static_cast<int64_t>(
      std::min<uint64_t>(size_in.u64(), uint64_t{1} << 31));  // read_floats refuses more
  Result<std::string> reply =
      call(request(Op::ReadFloats, path).bytes(), claimed / kSlowestReadBytesPerSecond);
  if (!reply) return reply.error();
  MessageReader in(*reply);
  if (in.u8() != 1) return Result<WeightArray>(Error{display_name_, "", in.text()});
  WeightArray array;
  array.name = in.text();
  const uint64_t rank = in.u64();
  for (uint64_t i = 0; in.ok() && i < rank; ++i)
    array.dims.push_back(static_cast<int64_t>(in.u64()));
  const uint64_t count = in.u64();
  if (!in.ok() || count > reply->size() / sizeof(float))
    return Error{display_name_, "", "the HDF5 reader process sent a malformed answer"};
  array.values.resize(static_cast<size_t>(count));
  in.raw(array.values.data(), array.values.size() * sizeof(float));
  if (!in.ok()) return Error{display_name_, "", "the HDF5 reader process sent a malformed answer"};
  return Result<WeightArray>(std::move(array));
}

}  // namespace kiln::keras_import
