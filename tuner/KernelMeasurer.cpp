// KernelMeasurer.cpp: candidate builds in the compile workers, one-at-a-time worker runs,
// output checks.
#include "tuner/KernelMeasurer.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "backends/halide/ParallelFor.h"
#include "tuner/CompileProtocol.h"
#include "tuner/WorkerPool.h"
#include "tuner/WorkerProcess.h"

namespace fs = std::filesystem;

namespace kiln::tuner {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// "" when `actual` matches `expected` output by output, else what differs.
std::string compare_outputs(const MeasureSpec& spec, const std::string& actual,
                            const std::string& expected, double tolerance) {
  if (actual.size() != expected.size()) return "the outputs have another size";
  size_t offset = 0;
  for (const MeasureArgument& a : spec.arguments) {
    if (!a.is_output) continue;
    const size_t count = size_t(a.buffer.elements());
    const size_t bytes = count * size_t(a.buffer.element_bytes());
    if (a.buffer.type_code == 2 && a.buffer.type_bits == 32) {
      const float* x = reinterpret_cast<const float*>(actual.data() + offset);
      const float* y = reinterpret_cast<const float*>(expected.data() + offset);
      double max_diff = 0, max_ref = 0;
      for (size_t i = 0; i < count; ++i) {
        if (std::isnan(x[i]) || std::isnan(y[i])) {
          if (std::isnan(x[i]) != std::isnan(y[i])) return "NaN where the default has none";
          continue;
        }
        max_diff = std::max(max_diff, double(std::abs(x[i] - y[i])));
        max_ref = std::max(max_ref, double(std::abs(y[i])));
      }
      if (max_diff > tolerance * std::max(max_ref, 1e-30) && max_diff > 0) {
        char message[160];
        std::snprintf(message, sizeof message,
                      "output differs from the default schedule's: max error %.3g of max %.3g",
                      max_diff, max_ref);
        return message;
      }
    } else if (std::memcmp(actual.data() + offset, expected.data() + offset, bytes) != 0) {
      return "output differs from the default schedule's";
    }
    offset += bytes;
  }
  return "";
}

// "120 s", "2.5 s".
std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

// The status and reason of a compile that gave no reply.
std::pair<std::string, std::string> compile_failure(const PoolReply& r, double timeout_s) {
  const std::string tail = last_lines(r.err, 3);
  const std::string detail = tail.empty() ? "" : ": " + tail;
  std::string how;
  if (r.timed_out)
    how = "no reply within " + seconds(timeout_s);
  else if (r.signalled)
    how = "died of signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
  else
    how = "exited with status " + std::to_string(r.exit_code);
  if (!r.started)
    return {"compile_error", "the compile worker did not start (" + how + ")" + detail};
  if (r.timed_out) return {"compile_timeout", "no compile within " + seconds(timeout_s) + detail};
  return {"compile_crash", "the compile worker " + how + detail};
}

}  // namespace

KernelMeasurer::KernelMeasurer(const KernelPartition& partition, std::vector<int> kernel_of_task,
                               std::vector<std::string> default_schedules, MeasurerOptions options)
    : partition_(partition),
      kernel_of_task_(std::move(kernel_of_task)),
      default_schedules_(std::move(default_schedules)),
      options_(std::move(options)) {}

Status KernelMeasurer::init() {
  std::error_code error;
  fs::create_directories(options_.work_dir, error);
  if (error) return Error{options_.work_dir, "", "cannot create: " + error.message()};
  auto archive = build_measure_runtime(options_.target, options_.work_dir);
  if (!archive) return archive.error();
  runtime_archive_ = *archive;
  auto schedule = schedule_options_json(options_.schedule);
  if (!schedule) return schedule.error();
  std::vector<std::string> argv = {options_.worker,
                                   "tune-compiler",
                                   options_.model_path,
                                   "--target",
                                   options_.target.to_string(),
                                   "--batch",
                                   std::to_string(options_.batch),
                                   "--runtime",
                                   runtime_archive_,
                                   "--schedule-options",
                                   *schedule};
  if (!options_.keras_weights.empty())
    argv.insert(argv.end(), {"--keras-weights", options_.keras_weights});
  // Loading the model in a worker is not a compile: it gets at least five minutes.
  compilers_ =
      std::make_unique<WorkerPool>(argv, options_.jobs > 0 ? options_.jobs : default_job_count(),
                                   options_.work_dir, std::max(300.0, options_.compile_timeout_s));
  return Status::ok();
}

KernelMeasurer::~KernelMeasurer() = default;

std::string KernelMeasurer::task_dir(int task) const {
  return (fs::path(options_.work_dir) / ("task" + std::to_string(task))).string();
}

void KernelMeasurer::build(const std::vector<std::pair<int, std::string>>& wanted) {
  std::vector<std::pair<int, std::string>> keys;
  std::vector<std::string> dirs, requests;
  for (const auto& key : wanted) {
    if (built_.count(key)) continue;
    const auto [task, schedule] = key;
    const int kernel = kernel_of_task_[size_t(task)];
    Built& b = built_[key];
    std::error_code error;
    fs::create_directories(task_dir(task), error);
    if (!inputs_.count(task)) {
      auto inputs = write_measure_inputs(partition_, kernel, options_.batch,
                                         options_.seed + uint64_t(task), task_dir(task));
      if (!inputs) {
        b.error = inputs.error().message;
        continue;
      }
      inputs_[task] = *inputs;
    }
    CompileRequest request;
    request.task = partition_.kernels[size_t(kernel)].task;
    request.kernel = kernel;
    request.schedule = schedule;
    request.is_default = schedule == default_schedules_[size_t(task)];
    request.dir = (fs::path(task_dir(task)) / ("c" + stable_hash(schedule).substr(0, 12))).string();
    request.inputs = inputs_.at(task);
    fs::create_directories(request.dir, error);
    keys.push_back(key);
    dirs.push_back(request.dir);
    requests.push_back(request.to_json());
  }
  if (!compilers_) {  // init() was not called or failed
    for (const auto& key : keys) built_[key].error = "the measurer has no compile workers";
    return;
  }
  const std::vector<PoolReply> replies = compilers_->run(requests, options_.compile_timeout_s);
  for (size_t j = 0; j < keys.size(); ++j) {
    Built& b = built_[keys[j]];
    const PoolReply& r = replies[j];
    if (r.reply.empty()) {
      std::tie(b.status, b.error) = compile_failure(r, options_.compile_timeout_s);
      continue;
    }
    auto reply = parse_compile_reply(r.reply);
    if (!reply || !reply->ok) {
      b.error = reply ? reply->error : reply.error().message;
      continue;
    }
    b.ok = true;
    b.spec = reply->spec;
    b.spec.threads = options_.threads;
    b.spec_file = (fs::path(dirs[j]) / "spec.json").string();
    std::ofstream(b.spec_file) << b.spec.to_json();
  }
}

TrialResult KernelMeasurer::run_one(int task, const std::string& schedule, bool is_reference) {
  TrialResult result;
  const Built& b = built_.at({task, schedule});
  if (!b.ok) {
    result.status = b.status;
    result.error = b.error;
    return result;
  }
  std::vector<std::string> argv = options_.runner;
  if (options_.gpu_worker.empty()) {
    argv.insert(argv.end(), {options_.worker, "tune-worker", b.spec_file});
  } else {
    argv.insert(argv.end(), {options_.gpu_worker, "--measure", b.spec_file});
  }
  fs::remove(b.spec.output_file);
  const ProcessOutcome outcome = run_process(argv, options_.run_timeout_s);
  auto tail = [&] { return last_lines(outcome.err, 1); };
  if (outcome.timed_out) {
    result.status = "timeout";
    result.error = "no result within " + std::to_string(int(options_.run_timeout_s)) + " s";
    return result;
  }
  if (outcome.signalled) {
    result.status = "crash";
    result.error = std::string("the worker died of signal ") + std::to_string(outcome.signal) +
                   " (" + strsignal(outcome.signal) + ")" + (tail().empty() ? "" : ": " + tail());
    return result;
  }
  nlohmann::json j;
  const size_t last = outcome.out.find_last_of('{');
  if (last != std::string::npos)
    j = nlohmann::json::parse(outcome.out.substr(last), nullptr, /*allow_exceptions=*/false);
  if (outcome.exit_code != 0 || !j.is_object()) {
    result.status = "crash";
    result.error = "the worker exited with status " + std::to_string(outcome.exit_code) +
                   (tail().empty() ? "" : ": " + tail());
    return result;
  }
  if (j.value("status", std::string()) != "ok") {
    result.status = "error";
    result.error =
        j.value("error", std::string("unknown")) + (tail().empty() ? "" : " (" + tail() + ")");
    return result;
  }
  result.median_ms = j.value("median_ms", 0.0);
  result.min_ms = j.value("min_ms", 0.0);
  const std::string output = read_file(b.spec.output_file);
  if (is_reference) {
    reference_[task] = output;
    return result;
  }
  const std::string mismatch =
      compare_outputs(b.spec, output, reference_.at(task), options_.tolerance);
  if (!mismatch.empty()) {
    result.status = "wrong";
    result.error = mismatch;
  }
  return result;
}

void KernelMeasurer::measure(const std::vector<Trial>& trials,
                             const std::function<void(size_t, const TrialResult&)>& done) {
  std::vector<std::pair<int, std::string>> wanted;
  for (const Trial& t : trials) {
    if (!reference_.count(t.task)) wanted.emplace_back(t.task, default_schedules_[size_t(t.task)]);
    wanted.emplace_back(t.task, t.schedule);
  }
  build(wanted);
  for (size_t i = 0; i < trials.size(); ++i) {
    const Trial& t = trials[i];
    const bool is_default = t.schedule == default_schedules_[size_t(t.task)];
    if (!reference_.count(t.task) && !is_default) {  // a resumed task: the default's outputs
      TrialResult reference = run_one(t.task, default_schedules_[size_t(t.task)], true);
      if (reference.status != "ok") {
        reference.error = "the default schedule failed: " + reference.error;
        done(i, reference);
        continue;
      }
    }
    done(i, run_one(t.task, t.schedule, is_default));
  }
}

}  // namespace kiln::tuner
