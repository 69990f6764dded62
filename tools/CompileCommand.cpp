// CompileCommand.cpp: `kiln compile MODEL -o DIR [--name NAME] [--target T] [--weights MODE]`,
// which compiles a model to DIR/NAME.so, DIR/NAME.a and DIR/NAME.h (plus DIR/NAME.weights with
// external weights).
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "backends/halide/CompileCache.h"
#include "backends/halide/HalideLowering.h"
#include "backends/halide/LibraryEmitter.h"
#include "backends/halide/ModelInterface.h"
#include "passes/CostAnalysis.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/MachineRecords.h"
#include "tools/ModelLoader.h"
#include "tools/ModelTuning.h"
#include "tools/OptionRanges.h"
#include "tools/PassOptions.h"
#include "tools/ScheduleRecords.h"
#include "tools/inspect/FusionReport.h"

namespace kiln::cli {
namespace {

struct CompileOptions {
  std::string model_path;
  std::string output_dir;
  std::string name;
  std::string target = "host";
  std::string weights = "embedded";
  bool quiet = false;
  std::string keras_weights;
  std::string schedules;       ///< JSON Lines records to apply ("none": none; empty: the machine's)
  std::string tune;            ///< "quick": a short tuning pass before compiling
  std::string autoscheduler;   ///< a Halide autoscheduler for every kernel
  int64_t tuned_threads = -1;  ///< apply only records measured with these threads (-1: any)
  int64_t tuned_batch = -1;    ///< apply only records measured at this batch (-1: any)
  bool no_cache = false;
  int jobs = 0;
  PassOptions passes;
};

// A progress bar with ETA on a terminal, plain lines (every 10%) elsewhere.
class KernelProgress {
 public:
  explicit KernelProgress(bool quiet) : quiet_(quiet), tty_(isatty(fileno(stderr))) {}
  void operator()(int done, int total) {
    if (quiet_ || total == 0) return;
    if (done == 0) {
      start_ = std::chrono::steady_clock::now();
      return;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = elapsed / done * (total - done);
    if (tty_) {
      const int width = 30, filled = width * done / total;
      std::fprintf(stderr, "\r[kiln] compiling kernels [%s%s] %d/%d  %.0f s, ETA %.0f s ",
                   std::string(size_t(filled), '#').c_str(),
                   std::string(size_t(width - filled), '.').c_str(), done, total, elapsed, eta);
      if (done == total) std::fprintf(stderr, "\n");
    } else if (done == total || done * 10 / total != (done - 1) * 10 / total) {
      std::fprintf(stderr, "[kiln] compiled %d/%d kernels, %.1f s, ETA %.0f s\n", done, total,
                   elapsed, eta);
    }
  }

 private:
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_;
};

// The default library name: the model file's stem as a C identifier ("resnet-18" -> "resnet_18").
std::string default_library_name(const std::string& model_path) {
  std::string name;
  for (char c : std::filesystem::path(model_path).stem().string())
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "model_" + name;
  return name;
}

// Stage-by-stage progress on stderr, with the time each stage took.
class StageLog {
 public:
  explicit StageLog(bool quiet) : quiet_(quiet) {}
  void begin(const std::string& stage) {
    if (quiet_) return;
    std::cerr << "[kiln] " << stage << "..." << std::flush;
    start_ = std::chrono::steady_clock::now();
  }
  void end() {
    if (quiet_) return;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, " %.2f s\n", seconds);
  }
  /// Ends an unfinished stage line so that the error starts on a line of its own.
  void fail() {
    if (!quiet_) std::cerr << "\n";
  }

 private:
  bool quiet_;
  std::chrono::steady_clock::time_point start_;
};

int run_compile(const CompileOptions& options) {
  StageLog log(options.quiet);
  CompileRecords applied;  // the records file applied and where it came from (its set moves on)
  LibraryOptions library;
  library.name = options.name.empty() ? default_library_name(options.model_path) : options.name;
  if (!is_c_identifier(library.name))
    return report_error(make_error("--name '" + library.name + "' is not a C identifier"));
  library.output_dir = options.output_dir;
  library.target = options.target;
  library.external_weights = options.weights == "external";
  library.source_model = std::filesystem::path(options.model_path).filename().string();

  log.begin("loading " + options.model_path);
  Result<Graph> graph = load_model(options.model_path, options.keras_weights);
  if (!graph) {
    log.fail();
    return report_error(graph.error());
  }
  log.end();
  log.begin("running graph passes");
  if (Status status = run_pass_pipeline(*graph, options.passes, options.model_path); !status) {
    log.fail();
    return report_error(status.error());
  }
  log.end();
  library.macs_per_unit_run = analyze_costs(*graph).total_macs;

  library.cache_dir = options.no_cache ? "" : default_cache_dir();
  library.schedule.autoscheduler = options.autoscheduler;
  library.jobs = options.jobs;
  if (options.tune == "quick") {
    // A short pass of `kiln tune` into this machine's records, which the compile then applies.
    // The tuner's compile workers run the default pipeline, so the tasks are those of it.
    if (!options.passes.passes.empty())
      return report_error(make_error(
          "--tune quick tunes the kernels of the default pass pipeline; it cannot be combined "
          "with --passes (tune with the default pipeline, or compile without --tune)"));
    TuneOptions quick;
    quick.model_path = options.model_path;
    quick.keras_weights = options.keras_weights;
    quick.target = options.target;
    quick.jobs = options.jobs;
    quick.budget_minutes = kQuickTuneSeconds / 60;
    quick.seed_autoschedulers = "none";  // their compiles alone outlast the budget
    quick.search_autoschedulers = false;
    quick.quiet = options.quiet;
    quick.label = "quick tune";
    if (int status = tune_model(quick); status != kExitOk) return status;
  }
  if (options.autoscheduler.empty()) {
    auto target = parse_halide_target(options.target);
    if (!target) return report_error(target.error());
    auto records = records_for_compile(
        options.schedules, default_cache_dir(),
        record_filter(target->to_string(), options.tuned_threads, options.tuned_batch));
    if (!records) return report_error(records.error());
    if (records->set.torn_last_line)
      std::cerr << "kiln: warning: " << records->path
                << ": the last line is incomplete and was skipped\n";
    if (records->set.tasks_with_other_configs > 0 && !options.quiet)
      std::cerr << "kiln: note: " << records->path << ": " << records->set.tasks_with_other_configs
                << " tasks have records for several threads/batch configurations; each applies "
                   "those of the smallest batch, then the most threads (choose with "
                   "--tuned-threads/--tuned-batch)\n";
    applied = std::move(*records);
    library.records = std::move(applied.set.best);
  }
  auto progress = std::make_shared<KernelProgress>(options.quiet);
  library.progress = [progress](int done, int total) { (*progress)(done, total); };
  const auto start = std::chrono::steady_clock::now();
  if (!options.quiet)
    std::cerr << "[kiln] lowering, scheduling and compiling kernels with Halide (" << options.target
              << ")\n";
  auto artifacts = emit_native_library(*graph, library);
  if (!artifacts) {
    Error error = artifacts.error();
    if (error.file.empty()) error.file = options.model_path;
    return report_error(error);
  }
  if (!options.quiet) {
    std::fprintf(stderr,
                 "[kiln] %d kernels (%d distinct: %d compiled, %d from the cache), arena %llu "
                 "bytes at batch 1, %.2f s\n",
                 artifacts->kernels, artifacts->distinct_kernels, artifacts->compiled_kernels,
                 artifacts->cached_kernels, static_cast<unsigned long long>(artifacts->arena_bytes),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!library.records.empty() && !(applied.from_machine && options.quiet)) {
    std::set<std::string> tasks(artifacts->tasks.begin(), artifacts->tasks.end());
    const int inapplicable = int(artifacts->inapplicable_records.size());
    int applied_count = -inapplicable, unknown = 0;
    for (const auto& [task, record] : library.records)
      (tasks.count(task) ? applied_count : unknown)++;
    const size_t without =
        size_t(std::count_if(artifacts->tasks.begin(), artifacts->tasks.end(),
                             [&](const std::string& t) { return library.records.count(t) == 0; }));
    if (applied.from_machine)
      std::cerr << "kiln: note: applied " << applied_count << " tuned schedule record"
                << (applied_count == 1 ? "" : "s") << " of this machine (" << applied.path << "); "
                << without << " of " << artifacts->tasks.size()
                << " kernels have none (--schedules none: compile with the defaults)\n";
    else
      std::cerr << "kiln: note: " << applied.path << ": applied " << applied_count
                << " schedule record" << (applied_count == 1 ? "" : "s") << "; " << unknown
                << " record" << (unknown == 1 ? "" : "s") << " for tasks this model lacks ignored; "
                << without << " kernels had no record\n";
    if (inapplicable > 0)
      std::cerr << "kiln: note: " << inapplicable
                << " of this machine's records no longer apply (tuned by another Kiln version) "
                   "and were left out, e.g. "
                << artifacts->inapplicable_records.front() << "\n";
  }
  auto fusion_files = write_fusion_files(*graph, options.output_dir, library.name);
  if (!fusion_files) return report_error(fusion_files.error());
  for (const std::string& path : *fusion_files) std::cout << "wrote " << path << "\n";
  for (const std::string* path :
       {&artifacts->shared_library, &artifacts->static_library, &artifacts->header,
        &artifacts->weights_file, &artifacts->wrapper_source, &artifacts->pipeline_library})
    if (!path->empty()) std::cout << "wrote " << *path << "\n";
  return kExitOk;
}

}  // namespace

CommandAction register_compile_command(CLI::App& app) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* compile = app.add_subcommand(
      "compile", "Compile a model to a native library: DIR/NAME.so, DIR/NAME.a and DIR/NAME.h");
  compile->add_option("model", options->model_path, "Model file")->required();
  compile->add_option("-o,--output-dir", options->output_dir, "Output directory")->required();
  compile->add_option("--name", options->name,
                      "Library name, a C identifier (default: the model file's name)");
  compile->add_option("--target", options->target,
                      "Halide target: host (default), x86-64-linux-avx2, x86-64-linux-avx512, "
                      "arm-64-linux, ...; GPUs: host-cuda (= host-cuda-cuda_capability_80), "
                      "host-opencl");
  compile
      ->add_option("--weights", options->weights,
                   "embedded (inside the library, default) or external (DIR/NAME.weights)")
      ->check(CLI::IsMember({"embedded", "external"}));
  add_pass_options(*compile, options->passes);
  add_keras_weights_option(*compile, options->keras_weights);
  auto* schedules =
      compile->add_option("--schedules", options->schedules,
                          "JSON Lines schedule records to apply (per task, the fastest ok record "
                          "for the target); default: this machine's records that kiln tune keeps "
                          "in the cache directory; none: Kiln's default schedules");
  compile
      ->add_option("--tune", options->tune,
                   "quick: tune this model's kernels for about " +
                       std::to_string(int(kQuickTuneSeconds)) +
                       " s first (kept in this machine's records)")
      ->check(CLI::IsMember({"quick"}))
      ->excludes(schedules);
  auto* autoscheduler =
      compile
          ->add_option("--autoscheduler", options->autoscheduler,
                       "Schedule every kernel with this Halide 14 autoscheduler instead of Kiln's "
                       "templates: mullapudi2016, li2018 or adams2019")
          ->check(CLI::IsMember(halide_autoscheduler_names()));
  autoscheduler->excludes("--schedules");
  autoscheduler->excludes("--tune");
  compile
      ->add_option("--tuned-threads", options->tuned_threads,
                   "With --schedules: apply only records tuned with this --threads")
      ->check(integer_range(0, kMaxThreads));
  compile
      ->add_option("--tuned-batch", options->tuned_batch,
                   "With --schedules: apply only records tuned at this --batch")
      ->check(integer_range(1, kMaxBatch));
  compile->add_flag("--no-cache", options->no_cache,
                    "Compile every kernel, neither reading nor writing the kernel cache "
                    "($KILN_CACHE_DIR, default ~/.cache/kiln)");
  compile->add_option("--jobs", options->jobs, "Parallel kernel compiles (default: one per core)")
      ->check(integer_range(0, kMaxThreads));
  compile->add_flag("-q,--quiet", options->quiet, "No progress output");
  return [options] { return run_compile(*options); };
}

}  // namespace kiln::cli
