// KernelMeasurer.cpp: parallel candidate builds, one-at-a-time worker runs, output checks.
#include "tuner/KernelMeasurer.h"

#include <signal.h>
#include <string.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backends/halide/ParallelFor.h"
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

}  // namespace

KernelMeasurer::KernelMeasurer(const Graph& graph, const KernelPartition& partition,
                               std::vector<int> kernel_of_task,
                               std::vector<std::string> default_schedules, MeasurerOptions options)
    : graph_(graph),
      partition_(partition),
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
  return Status::ok();
}

std::string KernelMeasurer::task_dir(int task) const {
  return (fs::path(options_.work_dir) / ("task" + std::to_string(task))).string();
}

void KernelMeasurer::build(const std::vector<std::pair<int, std::string>>& wanted) {
  struct Job {
    std::pair<int, std::string> key;
    KernelPartition partition;
    std::string dir;
    std::string error;
  };
  std::vector<Job> jobs;
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
    auto parsed = parse_kernel_schedule(schedule);
    if (!parsed) {
      b.error = parsed.error().message;
      continue;
    }
    // The default is built as the compile builds it (no record, so no legality check).
    std::map<std::string, ScheduleRecord> records;
    if (schedule != default_schedules_[size_t(task)])
      records[partition_.kernels[size_t(kernel)].task] = ScheduleRecord{*parsed, "tune"};
    auto partition = partition_kernels(graph_, options_.target, options_.schedule, records);
    if (!partition) {
      b.error = partition.error().message;
      continue;
    }
    const std::string dir =
        (fs::path(task_dir(task)) / ("c" + stable_hash(schedule).substr(0, 12))).string();
    fs::create_directories(dir, error);
    jobs.push_back({key, std::move(*partition), dir, ""});
  }
  std::vector<MeasureSpec> specs(jobs.size());
  parallel_for(
      int(jobs.size()), options_.jobs > 0 ? options_.jobs : default_job_count(), [&](int j) {
        Job& job = jobs[size_t(j)];
        try {
          auto spec =
              build_measure_candidate(graph_, job.partition, kernel_of_task_[size_t(job.key.first)],
                                      options_.target, options_.schedule, options_.batch,
                                      inputs_.at(job.key.first), runtime_archive_, job.dir);
          if (spec)
            specs[size_t(j)] = *spec;
          else
            job.error = spec.error().message;
        } catch (const std::exception& e) {
          job.error = e.what();
        }
      });
  for (size_t j = 0; j < jobs.size(); ++j) {
    Built& b = built_[jobs[j].key];
    if (!jobs[j].error.empty()) {
      b.error = jobs[j].error;
      continue;
    }
    b.ok = true;
    b.spec = specs[j];
    b.spec.threads = options_.threads;
    b.spec_file = (fs::path(jobs[j].dir) / "spec.json").string();
    std::ofstream(b.spec_file) << b.spec.to_json();
  }
}

TrialResult KernelMeasurer::run_one(int task, const std::string& schedule, bool is_reference) {
  TrialResult result;
  const Built& b = built_.at({task, schedule});
  if (!b.ok) {
    result.status = "compile_error";
    result.error = b.error;
    return result;
  }
  std::vector<std::string> argv = options_.runner;
  argv.insert(argv.end(), {options_.worker, "tune-worker", b.spec_file});
  fs::remove(b.spec.output_file);
  const ProcessOutcome outcome = run_process(argv, options_.run_timeout_s);
  auto tail = [&] {
    std::string err = outcome.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    const size_t cut = err.find_last_of('\n');
    return cut == std::string::npos ? err : err.substr(cut + 1);
  };
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
