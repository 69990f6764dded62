// CerrCapture.cpp: the per-thread std::cerr switch and its captures.
#include "backends/halide/CerrCapture.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <vector>

namespace kiln {
namespace {

thread_local std::string* thread_capture = nullptr;

// An unbuffered stream buffer: every write reaches overflow/xsputn, which choose by thread.
class ThreadRoutingBuffer : public std::streambuf {
 public:
  explicit ThreadRoutingBuffer(std::streambuf* original) : original_(original) {}

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    if (thread_capture) {
      thread_capture->push_back(traits_type::to_char_type(c));
      return c;
    }
    std::lock_guard<std::mutex> lock(forward_lock_);
    return original_ ? original_->sputc(traits_type::to_char_type(c)) : c;
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (thread_capture) {
      thread_capture->append(s, size_t(n));
      return n;
    }
    std::lock_guard<std::mutex> lock(forward_lock_);
    return original_ ? original_->sputn(s, n) : n;
  }

  int sync() override {
    if (thread_capture) return 0;
    std::lock_guard<std::mutex> lock(forward_lock_);
    return original_ ? original_->pubsync() : 0;
  }

 private:
  std::streambuf* original_;
  std::mutex forward_lock_;
};

}  // namespace

void route_cerr_per_thread() {
  // Never destroyed: std::cerr may be written to during static destruction.
  static ThreadRoutingBuffer* router = [] {
    auto* buffer = new ThreadRoutingBuffer(std::cerr.rdbuf());
    std::cerr.rdbuf(buffer);
    return buffer;
  }();
  (void)router;
}

namespace {
// Installed while the program starts, before any thread can write to std::cerr (this file's
// <iostream> makes std::cerr exist before this initialiser runs).
const bool routed_at_startup = (route_cerr_per_thread(), true);
}  // namespace

CerrCapture::CerrCapture() {
  route_cerr_per_thread();
  previous_ = thread_capture;
  thread_capture = &text_;
}

CerrCapture::~CerrCapture() {
  thread_capture = previous_;
}

std::string CerrCapture::tail(int max_lines) const {
  const std::string shown = apply_terminal_controls(text_);  // every line ends with '\n'
  std::vector<size_t> starts;
  for (size_t at = 0; at < shown.size(); at = shown.find('\n', at) + 1) starts.push_back(at);
  const size_t keep = std::min(starts.size(), size_t(std::max(0, max_lines)));
  return keep == 0 ? std::string() : shown.substr(starts[starts.size() - keep]);
}

std::string apply_terminal_controls(const std::string& text) {
  std::string out, line;
  auto end_line = [&] {
    if (line.find_first_not_of(" \t") != std::string::npos) out += line + "\n";
    line.clear();
  };
  for (char c : text) {
    if (c == '\b') {
      if (!line.empty()) line.pop_back();
    } else if (c == '\r') {
      line.clear();
    } else if (c == '\n') {
      end_line();
    } else {
      line.push_back(c);
    }
  }
  end_line();
  return out;
}

}  // namespace kiln
