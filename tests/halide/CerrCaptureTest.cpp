// CerrCaptureTest.cpp: a capture takes what its own thread writes to std::cerr, and only that:
// other threads' std::cerr output and stdio writes to stderr (Kiln's progress bar) still reach
// file descriptor 2; captures nest; terminal control characters are applied for display.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include "backends/halide/CerrCapture.h"

namespace kiln {
namespace {

TEST(CerrCapture, TakesOnlyTheCapturingThreadsOutput) {
  testing::internal::CaptureStderr();  // file descriptor 2
  std::string captured;
  {
    CerrCapture capture;
    std::cerr << "plugin chatter " << 42 << std::endl;
    std::thread other([] {
      std::cerr << "another thread's message\n";
      std::fprintf(stderr, "progress bar\n");
    });
    other.join();
    std::fprintf(stderr, "stdio from the capturing thread\n");
    captured = capture.raw();
  }
  std::cerr << "after the capture\n";
  const std::string stderr_text = testing::internal::GetCapturedStderr();
  EXPECT_EQ(captured, "plugin chatter 42\n");
  EXPECT_EQ(stderr_text.find("plugin chatter"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("another thread's message"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("progress bar"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("stdio from the capturing thread"), std::string::npos);
  EXPECT_NE(stderr_text.find("after the capture"), std::string::npos) << stderr_text;
}

TEST(CerrCapture, ConcurrentCapturesStaySeparate) {
  std::string texts[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &texts] {
      CerrCapture capture;
      for (int i = 0; i < 1000; ++i) std::cerr << char('a' + t);
      texts[t] = capture.raw();
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(texts[t], std::string(1000, char('a' + t)));
}

TEST(CerrCapture, Nests) {
  CerrCapture outer;
  std::cerr << "outer ";
  {
    CerrCapture inner;
    std::cerr << "inner";
    EXPECT_EQ(inner.raw(), "inner");
  }
  std::cerr << "again";
  EXPECT_EQ(outer.raw(), "outer again");
}

TEST(CerrCapture, TailAppliesTerminalControls) {
  // Adams2019's progress bar on a terminal: drawn, backed over with '\b', cleared.
  const std::string bar = "[....]" + std::string(6, '\b') + "      " + std::string(6, '\b');
  EXPECT_EQ(apply_terminal_controls("Pass 0\n" + bar + "Pass 1\n\n  \nx\r" + "y\n"),
            "Pass 0\nPass 1\ny\n");
  CerrCapture capture;
  std::cerr << "one\ntwo\n" << bar << "three\nfour";
  EXPECT_EQ(capture.tail(2), "three\nfour\n");
  EXPECT_EQ(capture.tail(10), "one\ntwo\nthree\nfour\n");
  EXPECT_EQ(capture.tail(0), "");
}

}  // namespace
}  // namespace kiln
