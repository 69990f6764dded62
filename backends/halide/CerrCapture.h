// CerrCapture.h: captures what one thread writes to std::cerr, where Halide's autoschedulers log
// (Adams2019 prints its beam search passes, and a progress bar on a terminal), while every other
// thread's writes pass through to stderr unchanged.
//
// std::cerr is routed once per process through a stream buffer that looks at the writing
// thread: a thread with a live CerrCapture appends to it, any other forwards to the original
// buffer. File descriptor 2 is never touched, so Kiln's own progress output (written with stdio
// from other threads) and messages of other threads still reach the terminal.
#pragma once

#include <string>

namespace kiln {

/// Routes std::cerr through the per-thread switch, once per process (later calls do nothing).
/// It happens while a program linking this file starts, before any thread can be writing to
/// std::cerr; a program that replaces std::cerr's buffer later bypasses the switch.
void route_cerr_per_thread();

/// While alive, collects what the constructing thread writes to std::cerr. Nests: an inner
/// capture takes the thread's output until it ends. Use it on one thread only.
class CerrCapture {
 public:
  CerrCapture();
  ~CerrCapture();
  CerrCapture(const CerrCapture&) = delete;
  CerrCapture& operator=(const CerrCapture&) = delete;

  /// Everything captured so far, raw.
  const std::string& raw() const { return text_; }
  /// The last `max_lines` non-blank lines captured, as a terminal would have left them:
  /// backspaces and carriage returns applied (so a redrawn progress bar disappears).
  std::string tail(int max_lines) const;

 private:
  std::string text_;
  std::string* previous_ = nullptr;
};

/// `text` as a terminal shows it: '\b' erases the character before it on its line, '\r'
/// erases back to the start of the line; blank lines are dropped.
std::string apply_terminal_controls(const std::string& text);

}  // namespace kiln
