// Error.h: errors as values. A Kiln error carries the file, the node (or layer) and a message
// until the CLI prints it; nothing deep inside the compiler calls exit().
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kiln {

/// One diagnostic: where it happened (file, node) and what went wrong.
struct Error {
  std::string file;     ///< model file, or empty when not tied to a file
  std::string node;     ///< node or layer name, or empty
  std::string message;  ///< human-readable problem description

  /// Formats as "file: node 'x': message", leaving out the parts that are empty.
  std::string to_string() const;
};

/// Makes an error with only a message; callers add file/node context as it propagates.
inline Error make_error(std::string message) { return Error{"", "", std::move(message)}; }
/// Makes an error about a file as a whole (no node).
inline Error make_file_error(std::string file, std::string message) {
  return Error{std::move(file), "", std::move(message)};
}

/// Success or an Error. `Status::ok()` is success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  static Status ok() { return Status(); }

  bool is_ok() const { return !error_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Error& error() const { return *error_; }
  Error& error() { return *error_; }

 private:
  std::optional<Error> error_;
};

/// A value of type T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(status.error()) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return is_ok(); }
  T& value() { return std::get<T>(data_); }
  const T& value() const { return std::get<T>(data_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(data_); }
  Error& error() { return std::get<Error>(data_); }
  Status status() const { return is_ok() ? Status::ok() : Status(error()); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace kiln

/// Returns early from the enclosing function when `expr` (a Status) is an error.
#define KILN_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::kiln::Status kiln_status_ = (expr);   \
    if (!kiln_status_.is_ok()) return kiln_status_.error(); \
  } while (0)
