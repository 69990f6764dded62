// ModelTuning.cpp: one tuning run of a model: tasks from its kernels, resume from earlier
// records, parallel compiles and isolated measurements, one record line per candidate.
#include "tools/ModelTuning.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "backends/halide/CompileCache.h"
#include "backends/halide/GpuSchedule.h"
#include "backends/halide/HalideLowering.h"
#include "tools/Diagnostics.h"
#include "tools/MachineRecords.h"
#include "tools/ModelLoader.h"
#include "tools/PassOptions.h"
#include "tools/device_host/DeviceHostProcess.h"
#include "tuner/KernelMeasurer.h"
#include "tuner/TuneRecords.h"
#include "tuner/Tuner.h"
#include "tuner/WorkerProcess.h"

namespace fs = std::filesystem;

namespace kiln::cli {
namespace {

std::string kiln_version() {
  const std::string& id = kiln_build_identity();
  return id.substr(0, id.find('+'));
}

// Progress on stderr: a bar with ETA on a terminal, a plain line per measurement elsewhere.
class TuneProgressView {
 public:
  TuneProgressView(bool quiet, double budget_s, std::string label)
      : quiet_(quiet),
        tty_(isatty(fileno(stderr))),
        budget_s_(budget_s),
        label_(std::move(label)) {}
  void show(const tuner::TuneProgress& p, const std::string& last) {
    if (quiet_) return;
    if (first_done_ < 0) first_done_ = p.trials_done;
    const int64_t run_done = p.trials_done - first_done_;
    double eta = -1;
    if (p.trials_total > 0 && run_done > 0)
      eta = p.elapsed_s / double(run_done) *
            double(std::max<int64_t>(0, p.trials_total - p.trials_done));
    if (budget_s_ >= 0)
      eta = eta < 0 ? budget_s_ - p.elapsed_s : std::min(eta, budget_s_ - p.elapsed_s);
    char speed[64] = "";
    if (p.model_ms > 0 && p.default_model_ms > 0)
      std::snprintf(speed, sizeof speed, "%.3f ms (default %.3f ms, %.2fx)", p.model_ms,
                    p.default_model_ms, p.default_model_ms / p.model_ms);
    char eta_text[32] = "";
    if (eta >= 0) std::snprintf(eta_text, sizeof eta_text, ", ETA %.0f s", std::max(0.0, eta));
    const std::string total = p.trials_total >= 0 ? std::to_string(p.trials_total) : "?";
    if (tty_) {
      const int width = 24;
      const int filled = p.trials_total > 0
                             ? int(std::min<int64_t>(width, width * p.trials_done / p.trials_total))
                             : 0;
      std::fprintf(
          stderr, "\r[kiln] %s [%s%s] %lld/%s trials, %d tasks, %d failed, model %s, %.0f s%s  ",
          label_.c_str(), std::string(size_t(filled), '#').c_str(),
          std::string(size_t(width - filled), '.').c_str(), static_cast<long long>(p.trials_done),
          total.c_str(), p.tasks, p.failures, speed, p.elapsed_s, eta_text);
      if (p.phase == "done") std::fprintf(stderr, "\n");
    } else if (!last.empty()) {
      std::fprintf(stderr, "[kiln] %s %lld/%s (%s) %s; model %s, %.0f s%s\n", label_.c_str(),
                   static_cast<long long>(p.trials_done), total.c_str(), p.phase.c_str(),
                   last.c_str(), speed, p.elapsed_s, eta_text);
    }
  }

 private:
  bool quiet_, tty_;
  double budget_s_;
  std::string label_;
  int64_t first_done_ = -1;
};

// Removes the scratch folder however the command returns.
struct WorkDir {
  std::string path;
  ~WorkDir() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

}  // namespace

int tune_model(const TuneOptions& options) {
  if (options.model_path.empty())
    return report_error(make_error("kiln tune needs MODEL (or --report RECORDS)"));
  // Where records go: -o, and this machine's records in the cache directory (which compiles
  // apply by default) unless --no-cache.
  const std::string machine_records =
      options.no_cache ? "" : machine_records_path(default_cache_dir());
  if (options.records.empty() && machine_records.empty())
    return report_error(make_error(
        options.no_cache ? "kiln tune --no-cache needs -o RECORDS"
                         : "kiln tune needs -o RECORDS: no cache directory (set KILN_CACHE_DIR)"));
  const std::string resume_from = options.records.empty() ? machine_records : options.records;
  auto target = parse_halide_target(options.target);
  if (!target) return report_error(target.error());
  const std::string target_text = target->to_string();

  Result<Graph> graph = load_model(options.model_path, options.keras_weights);
  if (!graph) return report_error(graph.error());
  if (Status status = run_pass_pipeline(*graph, PassOptions{}, options.model_path); !status)
    return report_error(status.error());
  const ScheduleOptions schedule_options;
  auto partition = partition_kernels(*graph, *target, schedule_options);
  if (!partition) {
    Error error = partition.error();
    if (error.file.empty()) error.file = options.model_path;
    return report_error(error);
  }

  // Tasks: distinct kernels in order of first occurrence, weighted by occurrences.
  std::vector<tuner::TuneTask> tasks;
  std::vector<int> kernel_of_task;
  std::vector<std::string> defaults;
  std::map<std::string, size_t> task_index;
  for (size_t k = 0; k < partition->kernels.size(); ++k) {
    const KernelPlan& plan = partition->kernels[k];
    auto [it, inserted] = task_index.emplace(plan.task, tasks.size());
    if (!inserted) {
      ++tasks[it->second].occurrences;
      continue;
    }
    std::vector<TemplateSpace> space =
        kernel_schedule_space(*graph, plan, *target, schedule_options);
    if (!options.search_autoschedulers)
      space.erase(
          std::remove_if(space.begin(), space.end(),
                         [](const TemplateSpace& t) { return is_halide_autoscheduler(t.name); }),
          space.end());
    if (Status legal = check_schedule_legal(plan.schedule, space); !legal) {
      // `kiln compile --schedules` would reject a record of it: leave the task alone.
      if (!options.quiet)
        std::cerr << "kiln: note: task " << plan.task << " (" << plan.name
                  << "): its default schedule is outside its schedule space ("
                  << legal.error().message << "); not tuned\n";
      continue;
    }
    tuner::TuneTask task;
    task.task = plan.task;
    task.kernel = plan.name;
    task.macs = plan.macs;
    task.default_schedule = plan.schedule.to_string();
    task.is_legal = [&graph = *graph, plan, target = *target,
                     schedule_options](const std::string& text) {
      Result<KernelSchedule> parsed = parse_kernel_schedule(text);
      return parsed &&
             check_kernel_schedule(graph, plan, *parsed, target, schedule_options).is_ok();
    };
    // On one thread parallel and serial loops time alike: keep the default's choice.
    task.space = options.threads == 1
                     ? tuner::pin_parallel_knobs(std::move(space), task.default_schedule)
                     : std::move(space);
    tasks.push_back(task);
    kernel_of_task.push_back(int(k));
    defaults.push_back(task.default_schedule);
  }

  // Earlier records of this target, threads and batch: resume from them.
  auto existing = tuner::read_tune_records(resume_from);
  if (!existing) return report_error(existing.error());
  if (existing->torn_last_line)
    std::cerr << "kiln: warning: " << resume_from
              << ": the last line is incomplete and was skipped\n";
  std::vector<tuner::TuneRecord> prior;
  for (const tuner::TuneRecord& r : existing->records)
    if (r.target == target_text && r.threads == options.threads && r.batch == options.batch)
      prior.push_back(r);

  tuner::TuneBudget budget;
  budget.trials = options.trials;
  budget.seconds = options.budget_minutes >= 0 ? options.budget_minutes * 60 : -1;
  if (budget.trials < 0 && budget.seconds < 0) budget.seconds = 10 * 60;
  budget.seed = options.seed;
  budget.stop_gain = options.stop_gain;
  budget.strategy =
      options.search == "random" ? tuner::SearchStrategy::Random : tuner::SearchStrategy::Guided;
  budget.seed_autoschedulers.clear();
  for (size_t start = 0;
       options.seed_autoschedulers != "none" && start <= options.seed_autoschedulers.size();) {
    size_t comma = options.seed_autoschedulers.find(',', start);
    if (comma == std::string::npos) comma = options.seed_autoschedulers.size();
    const std::string name = options.seed_autoschedulers.substr(start, comma - start);
    if (!name.empty() && !is_halide_autoscheduler(name))
      return report_error(make_error("--seed-autoschedulers: unknown Halide autoscheduler '" +
                                     name +
                                     "' (known: mullapudi2016, li2018, adams2019, or none)"));
    if (!name.empty()) budget.seed_autoschedulers.push_back(name);
    start = comma + 1;
  }
  tuner::Tuner tuner(tasks, budget);
  tuner.resume(prior);
  if (!prior.empty() && !options.quiet)
    std::cerr << "[kiln] resuming from " << prior.size() << " records in " << resume_from << "\n";

  tuner::TuneRecordWriter writer, machine_writer;
  if (!options.records.empty())
    if (Status status = writer.open(options.records); !status) return report_error(status.error());
  const bool to_machine_records =
      !machine_records.empty() && !(fs::exists(options.records) && fs::exists(machine_records) &&
                                    fs::equivalent(options.records, machine_records));
  if (to_machine_records) {
    std::error_code ignored;
    fs::create_directories(fs::path(machine_records).parent_path(), ignored);
    if (Status status = machine_writer.open(machine_records); !status)
      return report_error(status.error());
  }
  const std::string machine = machine_identity();

  WorkDir work;
  {
    std::string templ = (fs::temp_directory_path() / "kiln-tune-XXXXXX").string();
    if (!mkdtemp(templ.data())) return report_error(make_error("cannot create a scratch folder"));
    work.path = templ;
  }
  tuner::MeasurerOptions measure;
  measure.target = *target;
  measure.schedule = schedule_options;
  measure.batch = options.batch;
  measure.threads = options.threads;
  measure.jobs = options.jobs;
  measure.runner = tuner::split_command(options.runner);
  measure.worker = fs::read_symlink("/proc/self/exe").string();
  if (is_gpu_target(*target)) measure.gpu_worker = device_host_path();
  measure.work_dir = work.path;
  measure.model_path = options.model_path;
  measure.keras_weights = options.keras_weights;
  measure.run_timeout_s = options.run_timeout;
  measure.compile_timeout_s = options.compile_timeout;
  measure.seed = options.seed;
  tuner::KernelMeasurer measurer(*partition, kernel_of_task, defaults, measure);
  if (Status status = measurer.init(); !status) return report_error(status.error());

  if (!options.quiet)
    std::fprintf(stderr,
                 "[kiln] tuning %zu tasks (%zu kernels) of %s for %s, batch %lld, threads %d\n",
                 tasks.size(), partition->kernels.size(), options.model_path.c_str(),
                 target_text.c_str(), static_cast<long long>(options.batch), options.threads);
  TuneProgressView view(options.quiet, budget.seconds, options.label);
  std::string last;
  Status write_status = Status::ok();
  tuner.run(
      [&](const std::vector<tuner::Trial>& trials,
          const std::function<void(size_t, const tuner::TrialResult&)>& done) {
        measurer.measure(trials, done);
      },
      [&](const tuner::Trial& trial, const tuner::TrialResult& result) {
        const tuner::TuneTask& task = tasks[size_t(trial.task)];
        tuner::TuneRecord r;
        r.task = task.task;
        r.kernel = task.kernel;
        r.target = target_text;
        r.threads = options.threads;
        r.batch = options.batch;
        r.schedule = trial.schedule;
        r.median_ms = result.median_ms;
        r.min_ms = result.min_ms;
        r.status = result.status;
        r.error = result.error;
        r.kiln_version = kiln_version();
        r.time = tuner::utc_now();
        r.role = trial.role;
        r.occurrences = task.occurrences;
        r.macs = task.macs;
        r.machine = machine;
        if (!options.records.empty())
          if (Status s = writer.append(r); !s && write_status) write_status = s;
        if (to_machine_records)
          if (Status s = machine_writer.append(r); !s && write_status) write_status = s;
        char line[96];
        if (result.status == "ok")
          std::snprintf(line, sizeof line, "%.4f ms", result.median_ms);
        else
          std::snprintf(line, sizeof line, "%s", result.status.c_str());
        last = task.task.substr(0, 8) + " " + trial.schedule + " " + line;
      },
      [&](const tuner::TuneProgress& p) { view.show(p, last); });
  if (!write_status) return report_error(write_status.error());
  const tuner::TuneProgress p = tuner.progress();
  if (!options.quiet)
    std::fprintf(stderr,
                 "[kiln] %lld trials, %d failed; estimated model latency %.3f ms (default %.3f "
                 "ms, %.2fx), %.1f s%s\n",
                 static_cast<long long>(p.trials_done), p.failures, p.model_ms, p.default_model_ms,
                 p.model_ms > 0 ? p.default_model_ms / p.model_ms : 0.0, p.elapsed_s,
                 p.converged ? " (converged: no task's expected gain reached --stop-gain)" : "");
  if (!options.records.empty()) std::cout << "wrote " << options.records << "\n";
  if (to_machine_records && !options.quiet)
    std::cerr << "[kiln] this machine's records: " << machine_records
              << " (kiln compile applies them; --schedules none does not)\n";
  return kExitOk;
}

}  // namespace kiln::cli
