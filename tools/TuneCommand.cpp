// TuneCommand.cpp: `kiln tune MODEL -o RECORDS.jsonl [--trials N | --budget-minutes M] ...`, which
// searches each distinct kernel's schedules and appends one record per measured candidate, and
// `kiln tune --report RECORDS [--format json]`, which summarises a records file.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "backends/halide/CompileCache.h"
#include "backends/halide/GpuSchedule.h"
#include "backends/halide/HalideLowering.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/OptionRanges.h"
#include "tools/PassOptions.h"
#include "tools/device_host/DeviceHostProcess.h"
#include "tuner/KernelMeasurer.h"
#include "tuner/TuneRecords.h"
#include "tuner/Tuner.h"
#include "tuner/WorkerProcess.h"

namespace fs = std::filesystem;

namespace kiln::cli {
namespace {

struct TuneOptions {
  std::string model_path;
  std::string records;
  std::string report;
  std::string format = "text";
  double budget_minutes = -1;
  int64_t trials = -1;
  int threads = 0;
  int64_t batch = 1;
  std::string target = "host";
  uint64_t seed = 0;
  int jobs = 0;
  std::string runner;
  double run_timeout = 60;
  std::string search = "guided";
  double stop_gain = 0.001;
  std::string seed_autoschedulers = "mullapudi2016,li2018,adams2019";
  double compile_timeout = 120;
  bool quiet = false;
  std::string keras_weights;
};

std::string kiln_version() {
  const std::string& id = kiln_build_identity();
  return id.substr(0, id.find('+'));
}

// Progress on stderr: a bar with ETA on a terminal, a plain line per measurement elsewhere.
class TuneProgressView {
 public:
  TuneProgressView(bool quiet, double budget_s)
      : quiet_(quiet), tty_(isatty(fileno(stderr))), budget_s_(budget_s) {}
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
          stderr, "\r[kiln] tune [%s%s] %lld/%s trials, %d tasks, %d failed, model %s, %.0f s%s  ",
          std::string(size_t(filled), '#').c_str(),
          std::string(size_t(width - filled), '.').c_str(), static_cast<long long>(p.trials_done),
          total.c_str(), p.tasks, p.failures, speed, p.elapsed_s, eta_text);
      if (p.phase == "done") std::fprintf(stderr, "\n");
    } else if (!last.empty()) {
      std::fprintf(stderr, "[kiln] tune %lld/%s (%s) %s; model %s, %.0f s%s\n",
                   static_cast<long long>(p.trials_done), total.c_str(), p.phase.c_str(),
                   last.c_str(), speed, p.elapsed_s, eta_text);
    }
  }

 private:
  bool quiet_, tty_;
  double budget_s_;
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

int run_tune(const TuneOptions& options) {
  if (options.model_path.empty() || options.records.empty())
    return report_error(make_error("kiln tune needs MODEL and -o RECORDS (or --report RECORDS)"));
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
  auto existing = tuner::read_tune_records(options.records);
  if (!existing) return report_error(existing.error());
  if (existing->torn_last_line)
    std::cerr << "kiln: warning: " << options.records
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
    std::cerr << "[kiln] resuming from " << prior.size() << " records in " << options.records
              << "\n";

  tuner::TuneRecordWriter writer;
  if (Status status = writer.open(options.records); !status) return report_error(status.error());

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
  TuneProgressView view(options.quiet, budget.seconds);
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
        if (Status s = writer.append(r); !s && write_status) write_status = s;
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
  std::cout << "wrote " << options.records << "\n";
  return kExitOk;
}

// `--report`: per task and configuration, from the records alone.
int run_report(const TuneOptions& options) {
  auto file = tuner::read_tune_records(options.report);
  if (!file) return report_error(file.error());
  if (!fs::exists(options.report))
    return report_error(Error{options.report, "", "cannot open the records file"});
  if (file->torn_last_line)
    std::cerr << "kiln: warning: " << options.report
              << ": the last line is incomplete and was skipped\n";
  struct Row {
    std::string task, kernel, config, default_schedule;
    int64_t occurrences = 1;
    std::map<std::string, tuner::TuneRecord> latest;  ///< per schedule
    int trials = 0, failures = 0;
  };
  std::vector<Row> rows;
  std::map<std::string, size_t> index;
  for (const tuner::TuneRecord& r : file->records) {
    const std::string config =
        r.target + " threads=" + std::to_string(r.threads) + " batch=" + std::to_string(r.batch);
    auto [it, inserted] = index.emplace(config + "\n" + r.task, rows.size());
    if (inserted) rows.push_back(Row{r.task, r.kernel, config, "", r.occurrences, {}, 0, 0});
    Row& row = rows[it->second];
    row.occurrences = std::max(row.occurrences, r.occurrences);
    if (r.role == "default") row.default_schedule = r.schedule;
    if (r.role != "remeasure") {
      ++row.trials;
      if (r.status != "ok") ++row.failures;
      if (row.latest.count(r.schedule)) continue;
    }
    row.latest[r.schedule] = r;
  }
  nlohmann::ordered_json configs = nlohmann::ordered_json::object();
  std::map<std::string, std::pair<double, double>> totals;  // config -> (default, best)
  std::map<std::string, std::vector<nlohmann::ordered_json>> per_config;
  for (const Row& row : rows) {
    double default_ms = 0, best_ms = 0;
    std::string best;
    for (const auto& [schedule, r] : row.latest) {
      if (r.status != "ok") continue;
      if (schedule == row.default_schedule) default_ms = r.median_ms;
      if (best_ms == 0 || r.median_ms < best_ms) best_ms = r.median_ms, best = schedule;
    }
    if (default_ms > 0 && best_ms > 0) {
      totals[row.config].first += double(row.occurrences) * default_ms;
      totals[row.config].second += double(row.occurrences) * best_ms;
    }
    per_config[row.config].push_back(
        {{"task", row.task},
         {"kernel", row.kernel},
         {"occurrences", row.occurrences},
         {"default_ms", default_ms},
         {"best_ms", best_ms},
         {"speedup", best_ms > 0 && default_ms > 0 ? default_ms / best_ms : 0.0},
         {"trials", row.trials},
         {"failures", row.failures},
         {"schedule", best}});
  }
  std::vector<std::string> order;
  for (const Row& row : rows)
    if (std::find(order.begin(), order.end(), row.config) == order.end())
      order.push_back(row.config);
  if (options.format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const std::string& config : order) {
      const auto [d, b] = totals[config];
      out.push_back({{"config", config},
                     {"tasks", per_config[config]},
                     {"default_model_ms", d},
                     {"tuned_model_ms", b},
                     {"speedup", b > 0 ? d / b : 0.0}});
    }
    std::cout << nlohmann::ordered_json{{"records", options.report}, {"configs", out}}.dump(2)
              << "\n";
    return kExitOk;
  }
  if (options.format != "text") return report_error(make_error("--report prints text or json"));
  for (const std::string& config : order) {
    std::printf("%s\n", config.c_str());
    std::printf("%-16s %-32s %4s %10s %10s %8s %6s %6s  %s\n", "Task", "Kernel", "Occ",
                "Default ms", "Best ms", "Speed-up", "Trials", "Failed", "Schedule");
    for (const nlohmann::ordered_json& t : per_config[config])
      std::printf("%-16s %-32s %4lld %10.4f %10.4f %7.2fx %6d %6d  %s\n",
                  t["task"].get<std::string>().c_str(),
                  t["kernel"].get<std::string>().substr(0, 32).c_str(),
                  static_cast<long long>(t["occurrences"].get<int64_t>()),
                  t["default_ms"].get<double>(), t["best_ms"].get<double>(),
                  t["speedup"].get<double>(), t["trials"].get<int>(), t["failures"].get<int>(),
                  t["schedule"].get<std::string>().c_str());
    const auto [d, b] = totals[config];
    std::printf("estimated model latency: default %.4f ms, tuned %.4f ms, speed-up %.2fx\n", d, b,
                b > 0 ? d / b : 0.0);
  }
  return kExitOk;
}

}  // namespace

CommandAction register_tune_command(CLI::App& app) {
  auto options = std::make_shared<TuneOptions>();
  CLI::App* tune = app.add_subcommand(
      "tune", "Tune each kernel's schedule and write schedule records (or --report them)");
  tune->add_option("model", options->model_path, "Model file");
  tune->add_option("-o,--output", options->records,
                   "Records file (JSON Lines); an existing one is resumed and appended to");
  tune->add_option("--report", options->report, "Summarise this records file instead of tuning");
  tune->add_option("--format", options->format, "Report format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  auto* budget = tune->add_option("--budget-minutes", options->budget_minutes,
                                  "Wall-clock budget (default 10 minutes)")
                     ->check(positive_number(10000));  // about a week
  auto* trials = tune->add_option("--trials", options->trials,
                                  "Total measured candidates, the records resumed from included")
                     ->check(integer_range(1, kMaxRuns));
  budget->excludes(trials);
  tune->add_option("--threads", options->threads, "Halide threads per measurement (0: default)")
      ->check(integer_range(0, kMaxThreads));
  tune->add_option("--batch", options->batch, "Every symbolic dim (default 1)")
      ->check(integer_range(1, kMaxBatch));
  tune->add_option("--target", options->target, "Halide target (default host)");
  tune->add_option("--seed", options->seed, "Search seed (default 0)");
  tune->add_option("--jobs", options->jobs, "Parallel candidate compiles (default: one per core)")
      ->check(integer_range(0, kMaxThreads));
  tune->add_option("--runner", options->runner,
                   "Command prefixed to each measurement worker, e.g. 'srun --exclusive -N1 -n1'");
  tune->add_option("--run-timeout", options->run_timeout,
                   "Seconds one measurement may take before it is recorded as a timeout")
      ->check(positive_number(kMaxSeconds));
  tune->add_option("--compile-timeout", options->compile_timeout,
                   "Seconds one candidate's compile may take before it is recorded as a "
                   "compile_timeout (default 120)")
      ->check(positive_number(kMaxSeconds));
  tune->add_option("--search", options->search,
                   "guided (default: autoschedulers' choices, then cost-model-guided search) or "
                   "random (uniform sampling, the baseline)")
      ->check(CLI::IsMember({"guided", "random"}));
  tune->add_option("--stop-gain", options->stop_gain,
                   "Stop early when no task's expected remaining gain reaches this fraction of "
                   "the model's latency (default 0.001; 0: use the whole budget)")
      ->check(CLI::NonNegativeNumber);
  tune->add_option("--seed-autoschedulers", options->seed_autoschedulers,
                   "Halide autoschedulers whose schedules the guided search measures first "
                   "(comma-separated, default mullapudi2016,li2018,adams2019; none: skip)");
  add_keras_weights_option(*tune, options->keras_weights);
  tune->add_flag("-q,--quiet", options->quiet, "No progress output");
  return [options] {
    if (!options->report.empty()) return run_report(*options);
    return run_tune(*options);
  };
}

}  // namespace kiln::cli
