// WorkerPoolTest.cpp: the pool of line-protocol workers (tuner/WorkerPool.h) with a shell script
// as the worker: replies come back in request order from several workers at once, a hanging
// request is killed at its deadline and a crashing one reports its signal and stderr, both
// without losing later requests, and a worker that cannot start fails requests instead of
// blocking.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tuner/WorkerPool.h"

namespace kiln::tuner {
namespace {

// Replies "PID:LINE" ("slow..." after half a second); "hang" sleeps (in a child, so the group
// kill matters), "crash" aborts after a line on stderr.
constexpr const char* kWorker = R"(echo ready
while read line; do
  case "$line" in
    hang) echo "hanging" >&2; sleep 1000 ;;
    crash) echo "about to crash" >&2; kill -ABRT $$ ;;
    slow*) sleep 0.5; echo "$$:$line" ;;
    *) echo "$$:$line" ;;
  esac
done)";

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "kiln-pool-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

std::string payload(const std::string& reply) {
  return reply.substr(reply.find(':') + 1);
}

TEST_F(WorkerPoolTest, RepliesInOrderFromSeveralWorkers) {
  WorkerPool pool({"sh", "-c", kWorker}, 2, dir_, 10);
  std::vector<std::string> requests;
  for (int i = 0; i < 4; ++i) requests.push_back("slow" + std::to_string(i));
  const std::vector<PoolReply> replies = pool.run(requests, 10);
  ASSERT_EQ(replies.size(), requests.size());
  std::set<std::string> pids;
  for (size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(payload(replies[i].reply), requests[i]);
    pids.insert(replies[i].reply.substr(0, replies[i].reply.find(':')));
  }
  EXPECT_EQ(pids.size(), 2u);  // the second worker starts long before the first is done
  // The workers stay for the next call.
  EXPECT_EQ(payload(pool.run({"again"}, 10).at(0).reply), "again");
}

TEST_F(WorkerPoolTest, KillsAHangAtItsDeadlineAndGoesOn) {
  WorkerPool pool({"sh", "-c", kWorker}, 1, dir_, 10);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<PoolReply> replies = pool.run({"a", "hang", "b"}, 0.5);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(payload(replies[0].reply), "a");
  EXPECT_TRUE(replies[1].timed_out);
  EXPECT_TRUE(replies[1].reply.empty());
  EXPECT_NE(replies[1].err.find("hanging"), std::string::npos) << replies[1].err;
  EXPECT_EQ(payload(replies[2].reply), "b");  // from a fresh worker
  EXPECT_LT(seconds, 8);
}

TEST_F(WorkerPoolTest, ReportsACrashWithItsSignalAndStderr) {
  WorkerPool pool({"sh", "-c", kWorker}, 2, dir_, 10);
  const std::vector<PoolReply> replies = pool.run({"a", "crash", "b", "c"}, 10);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_TRUE(replies[1].signalled);
  EXPECT_EQ(replies[1].signal, SIGABRT);
  EXPECT_FALSE(replies[1].timed_out);
  EXPECT_TRUE(replies[1].started);
  EXPECT_NE(replies[1].err.find("about to crash"), std::string::npos) << replies[1].err;
  for (size_t i : {0u, 2u, 3u}) EXPECT_FALSE(replies[i].reply.empty()) << i;
}

TEST_F(WorkerPoolTest, AWorkerThatCannotStartFailsRequests) {
  WorkerPool pool({"sh", "-c", "echo 'cannot load the model' >&2; exit 3"}, 2, dir_, 10);
  const std::vector<PoolReply> replies = pool.run({"a", "b", "c", "d", "e"}, 10);
  ASSERT_EQ(replies.size(), 5u);
  for (const PoolReply& r : replies) {
    EXPECT_FALSE(r.started);
    EXPECT_TRUE(r.reply.empty());
    EXPECT_NE(r.err.find("cannot load the model"), std::string::npos) << r.err;
  }
  EXPECT_EQ(replies[0].exit_code, 3);
  // Given up: later calls fail at once.
  EXPECT_FALSE(pool.run({"f"}, 10).at(0).started);
}

TEST_F(WorkerPoolTest, AMissingProgramFailsRequests) {
  WorkerPool pool({"/nonexistent/kiln-worker"}, 1, dir_, 10);
  const std::vector<PoolReply> replies = pool.run({"a"}, 10);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].started);
  EXPECT_EQ(replies[0].exit_code, 127);
}

}  // namespace
}  // namespace kiln::tuner
