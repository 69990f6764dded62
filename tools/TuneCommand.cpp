// TuneCommand.cpp: `kiln tune MODEL [-o RECORDS.jsonl] [--trials N | --budget-minutes M] ...`,
// which searches each distinct kernel's schedules and appends one record per measured candidate
// (tools/ModelTuning.h), and `kiln tune --report RECORDS [--format json]`, which summarises a
// records file.
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/ModelTuning.h"
#include "tools/OptionRanges.h"
#include "tools/PassOptions.h"
#include "tuner/TuneRecords.h"

namespace fs = std::filesystem;

namespace kiln::cli {
namespace {

/// `kiln tune`'s options: a tuning run's, or a records file to report on.
struct TuneCommandOptions {
  TuneOptions tune;
  std::string report;
  std::string format = "text";
};

// `--report`: per task and configuration, from the records alone.
int run_report(const TuneCommandOptions& options) {
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
  auto options = std::make_shared<TuneCommandOptions>();
  CLI::App* tune = app.add_subcommand(
      "tune", "Tune each kernel's schedule and write schedule records (or --report them)");
  tune->add_option("model", options->tune.model_path, "Model file");
  tune->add_option("-o,--output", options->tune.records,
                   "Records file (JSON Lines); an existing one is resumed and appended to. "
                   "Records also go to this machine's records in the cache directory, which "
                   "`kiln compile` applies by default");
  tune->add_flag("--no-cache", options->tune.no_cache,
                 "Keep the records in -o only, not in this machine's records in the cache "
                 "directory ($KILN_CACHE_DIR, default ~/.cache/kiln)");
  tune->add_option("--report", options->report, "Summarise this records file instead of tuning");
  tune->add_option("--format", options->format, "Report format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  auto* budget = tune->add_option("--budget-minutes", options->tune.budget_minutes,
                                  "Wall-clock budget (default 10 minutes)")
                     ->check(positive_number(10000));  // about a week
  auto* trials = tune->add_option("--trials", options->tune.trials,
                                  "Total measured candidates, the records resumed from included")
                     ->check(integer_range(1, kMaxRuns));
  budget->excludes(trials);
  tune->add_option("--threads", options->tune.threads,
                   "Halide threads per measurement (0: default)")
      ->check(integer_range(0, kMaxThreads));
  tune->add_option("--batch", options->tune.batch, "Every symbolic dim (default 1)")
      ->check(integer_range(1, kMaxBatch));
  tune->add_option("--target", options->tune.target, "Halide target (default host)");
  tune->add_option("--seed", options->tune.seed, "Search seed (default 0)");
  tune->add_option("--jobs", options->tune.jobs,
                   "Parallel candidate compiles (default: one per core)")
      ->check(integer_range(0, kMaxThreads));
  tune->add_option("--runner", options->tune.runner,
                   "Command prefixed to each measurement worker, e.g. 'srun --exclusive -N1 -n1'");
  tune->add_option("--run-timeout", options->tune.run_timeout,
                   "Seconds one measurement may take before it is recorded as a timeout")
      ->check(positive_number(kMaxSeconds));
  tune->add_option("--compile-timeout", options->tune.compile_timeout,
                   "Seconds one candidate's compile may take before it is recorded as a "
                   "compile_timeout (default 120)")
      ->check(positive_number(kMaxSeconds));
  tune->add_option("--search", options->tune.search,
                   "guided (default: autoschedulers' choices, then cost-model-guided search) or "
                   "random (uniform sampling, the baseline)")
      ->check(CLI::IsMember({"guided", "random"}));
  tune->add_option("--stop-gain", options->tune.stop_gain,
                   "Stop early when no task's expected remaining gain reaches this fraction of "
                   "the model's latency (default 0.001; 0: use the whole budget)")
      ->check(CLI::NonNegativeNumber);
  tune->add_option("--seed-autoschedulers", options->tune.seed_autoschedulers,
                   "Halide autoschedulers whose schedules the guided search measures first "
                   "(comma-separated, default mullapudi2016,li2018,adams2019; none: skip)");
  add_keras_weights_option(*tune, options->tune.keras_weights);
  tune->add_flag("-q,--quiet", options->tune.quiet, "No progress output");
  return [options] {
    if (!options->report.empty()) return run_report(*options);
    return tune_model(options->tune);
  };
}

}  // namespace kiln::cli
