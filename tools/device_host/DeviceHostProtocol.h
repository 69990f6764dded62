// DeviceHostProtocol.h: the frames `kiln run`/`kiln bench` exchange with kiln-device-host, the
// child process that runs a GPU library away from the CLI's LLVM (see kiln_model_device_api).
//
// Both ends are the same build on the same machine, so values travel in native byte order over a
// Unix socket on the child's fd 3. The child, started as `kiln-device-host LIBRARY THREADS`,
// first sends a reply with no payload (status KILN_OK once the library opened). Then, per request:
//   parent: u8 kind (kRun or kRunProfiled), i64 symbol value x max(num_symbols, 1),
//           per input (descriptor order) u64 byte count + bytes
//   child:  i32 kiln_status, u32 length + message, f64 run milliseconds,
//           [f64 x num_kernels kernel milliseconds, if kRunProfiled],
//           per output u64 byte count + bytes (only when the status is KILN_OK)
// kDone, or the socket closing, ends the child.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::device_host {

/// The fd the child reads requests from and writes replies to.
constexpr int kChannelFd = 3;

/// What the parent asks for.
enum RequestKind : uint8_t { kDone = 0, kRun = 1, kRunProfiled = 2 };

/// Writes all `size` bytes (no SIGPIPE when the other end is gone); false on failure.
inline bool send_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= size_t(n);
  }
  return true;
}

/// Reads exactly `size` bytes; false on end of stream or failure.
inline bool receive_all(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::recv(fd, p, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= size_t(n);
  }
  return true;
}

/// One fixed-size value.
template <typename T>
bool send_value(int fd, const T& value) {
  return send_all(fd, &value, sizeof value);
}
template <typename T>
bool receive_value(int fd, T* value) {
  return receive_all(fd, value, sizeof *value);
}

/// A u32 length and the characters.
inline bool send_string(int fd, const std::string& text) {
  return send_value(fd, uint32_t(text.size())) && send_all(fd, text.data(), text.size());
}
inline bool receive_string(int fd, std::string* text) {
  uint32_t length = 0;
  if (!receive_value(fd, &length) || length > (1u << 20)) return false;
  text->resize(length);
  return receive_all(fd, text->data(), length);
}

}  // namespace kiln::device_host
