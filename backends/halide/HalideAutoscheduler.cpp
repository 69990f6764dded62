// HalideAutoscheduler.cpp: plugin loading and running of Halide's autoschedulers.
#include "backends/halide/HalideAutoscheduler.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "backends/halide/AtomicStoreScalarizer.h"
#include "backends/halide/CerrCapture.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/MachineModel.h"

namespace kiln {
namespace {

std::mutex load_lock;
std::map<std::string, std::string>& load_errors() {  // per plugin: "" once loaded
  static std::map<std::string, std::string> errors;
  return errors;
}

// Loads the plugin of `name` once; returns the error of the first attempt on every later call.
std::string load_once(const std::string& name) {
  std::lock_guard<std::mutex> lock(load_lock);
  auto found = load_errors().find(name);
  if (found != load_errors().end()) return found->second;
  const std::string path = halide_autoscheduler_plugin(name);
  std::string error;
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) {
    error = "the plugin " + path + " does not exist (Debian package libhalide14-0-dev)";
  } else {
    try {
      Halide::load_plugin(path);
    } catch (const Halide::Error& e) {
      error = "loading " + path + " failed: " + e.what();
    }
  }
  load_errors()[name] = error;
  return error;
}

// Bytes of memory one Adams2019 run may take: its beam search over ResNet-18's first kernel
// (7x7 conv + max pool at 224x224) peaks at about 5.8 GB.
constexpr uint64_t kAdamsRunBytes = 6ull << 30;

// Available memory in bytes (MemAvailable of /proc/meminfo), 0 if unknown.
uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  uint64_t kib = 0;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib << 10;
  return 0;
}

// Limits how many Adams2019 runs proceed at once: one per kAdamsRunBytes of the memory
// available when first asked (at least one; unlimited when unknown).
class AdamsSlots {
 public:
  AdamsSlots() {
    const uint64_t memory = available_memory_bytes();
    free_ = memory ? int(std::max<uint64_t>(1, memory / kAdamsRunBytes)) : 1 << 20;
  }
  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_ = 1;
};

// Adams2019 memoises the features of every state it costs across its five passes; recomputing
// them picks the same schedules (checked on the MNIST CNN and ResNet-18 kernels) about 15%
// faster and with a third less memory, so Kiln turns the memo off unless the user chose. Set
// while the program starts, before any thread reads the environment.
const bool memo_default_set = (::setenv("HL_DISABLE_MEMOIZED_FEATURES", "1", 0), true);

// $KILN_AUTOSCHEDULER_VERBOSE: 0 (unset), 1 (the plugins' own log reaches stderr, plus a line
// per kernel with its time) or 2 (also each kernel's schedule as Halide source).
int autoscheduler_verbosity() {
  const char* env = std::getenv("KILN_AUTOSCHEDULER_VERBOSE");
  return env ? std::max(0, std::atoi(env)) : 0;
}

}  // namespace

std::string halide_autoscheduler_plugin(const std::string& name) {
  std::string dir;
  if (const char* env = std::getenv("KILN_HALIDE_AUTOSCHEDULER_DIR"); env && *env) {
    dir = env;
  } else {
#if defined(__aarch64__)
    dir = "/usr/lib/aarch64-linux-gnu/halide14";
#else
    dir = "/usr/lib/x86_64-linux-gnu/halide14";
#endif
  }
  return (std::filesystem::path(dir) / ("libautoschedule_" + name + ".so")).string();
}

Halide::MachineParams autoscheduler_machine_params() {
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (const char* env = std::getenv("KILN_AUTOSCHEDULER_CORES"); env && std::atoi(env) > 0)
    cores = std::atoi(env);
  // The cache one core can count on: its L2 and its share of the L3 (MachineModel.h; a VM's
  // reported L3 of hundreds of MB is capped there).
  const MachineModel& machine = machine_model(host_target());
  uint64_t cache = uint64_t(machine.l2_bytes + machine.l3_share_bytes);
  if (const char* env = std::getenv("KILN_AUTOSCHEDULER_CACHE_BYTES"); env && std::atoll(env) > 0)
    cache = std::strtoull(env, nullptr, 10);
  return Halide::MachineParams(cores, cache, 40.0f);
}

Status run_halide_autoscheduler(Halide::Pipeline& pipeline, const std::string& name,
                                const Halide::Target& target, const std::string& kernel_name,
                                std::string* schedule_source) {
  const int verbosity = autoscheduler_verbosity();
  std::optional<CerrCapture> log;  // the plugin's chatter, shown only when it fails
  if (verbosity == 0) log.emplace();
  auto fail = [&](const std::string& why) {
    std::string message = "kernel '" + kernel_name + "': Halide autoscheduler " + name + ": " + why;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (const std::string tail = log ? log->tail(20) : ""; !tail.empty()) {
      message += "\n  the autoscheduler's log (last lines):";
      for (size_t at = 0; at < tail.size(); at = tail.find('\n', at) + 1)
        message += "\n    " + tail.substr(at, tail.find('\n', at) - at);
    }
    return Error{"", kernel_name, message};
  };
  if (!Halide::exceptions_enabled())
    return fail("this Halide build aborts on errors instead of throwing; not running it");
  if (std::string error = load_once(name); !error.empty()) return fail(error);
  // Runs in parallel: each run builds its own search state and cost model (Adams2019's only
  // shared state is a statistics counter) and Kiln's kernels are distinct pipelines; parallel
  // runs give the same schedules as serial ones (HalideAutoschedulerTest; ResNet-18's 16). Only
  // Adams2019's memory limits how many run at once.
  static AdamsSlots adams_slots;
  struct Slot {
    AdamsSlots* slots;
    ~Slot() {
      if (slots) slots->release();
    }
  } slot{name == "adams2019" ? &adams_slots : nullptr};
  if (slot.slots) slot.slots->acquire();
  // Halide's autoschedulers are named after their plugin's registration: Mullapudi2016, ...
  std::string registered = name;
  registered[0] = char(std::toupper(static_cast<unsigned char>(registered[0])));
  const auto start = std::chrono::steady_clock::now();
  Halide::AutoSchedulerResults results;
  try {
    results = pipeline.auto_schedule(registered, target, autoscheduler_machine_params());
  } catch (const Halide::Error& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if (schedule_source) *schedule_source = results.schedule_source;
  // Li2018's atomic reductions can have guarded vector tails, which Halide 14 cannot emit.
  add_atomic_store_scalarizer(pipeline);
  if (verbosity > 0) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char time[32];
    std::snprintf(time, sizeof time, "%.2f s\n", seconds);
    std::string line = "[kiln] kernel '" + kernel_name + "': " + name + " scheduled it in " + time;
    if (verbosity > 1) line += results.schedule_source + "\n";
    std::fputs(line.c_str(), stderr);  // one write, so parallel kernels do not interleave
  }
  return Status::ok();
}

}  // namespace kiln
