// TuneCompilerCommand.cpp: `kiln tune-compiler MODEL --target T --batch B --runtime ARCHIVE
// --schedule-options JSON`, the hidden compile worker of `kiln tune` (tuner/WorkerPool.h). It
// loads and partitions the model once, as the tuner did, says it is ready, then builds one
// candidate per request line (tuner/CompileProtocol.h) and answers each with one reply line,
// until its stdin ends. Only the protocol uses its stdin and stdout: anything else written to
// stdout (Halide's warnings, a tool's output) is sent to stderr, which the tuner keeps in a log.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/KernelMeasure.h"
#include "backends/halide/KernelPartition.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/PassOptions.h"
#include "tuner/CompileProtocol.h"

namespace kiln::cli {
namespace {

struct CompilerOptions {
  std::string model_path;
  std::string keras_weights;
  std::string target;
  int64_t batch = 1;
  std::string runtime_archive;
  std::string schedule_options;
};

// What stays the same for every request.
struct CompilerState {
  Graph graph;
  KernelPartition partition;  ///< with the default schedules (no records)
  Halide::Target target;
  ScheduleOptions schedule;
  int64_t batch = 1;
  std::string runtime_archive;
};

// Test hooks: a compile that hangs or crashes for chosen candidates, after writing a line to
// stderr and one to stdout the way Halide's warnings would (both must end up in the log).
void apply_test_hooks(const std::string& schedule) {
  auto chosen = [&](const char* variable) {
    const char* text = std::getenv(variable);
    return text && *text && schedule.find(text) != std::string::npos;
  };
  const bool hang = chosen("KILN_TUNE_TEST_HANG_COMPILE");
  const bool crash = chosen("KILN_TUNE_TEST_CRASH_COMPILE");
  if (!hang && !crash) return;
  const char* what = hang ? "hangs" : "crashes";
  std::fprintf(stderr, "Warning: test hook: this compile %s (stderr)\n", what);
  std::printf("Warning: test hook: this compile %s (stdout)\n", what);
  std::fflush(stdout);
  if (crash) std::abort();
  for (;;) pause();
}

tuner::CompileReply fail(const std::string& message) {
  tuner::CompileReply reply;
  reply.error = message;
  return reply;
}

tuner::CompileReply compile(const CompilerState& state, const tuner::CompileRequest& request) {
  apply_test_hooks(request.schedule);
  if (request.kernel < 0 || size_t(request.kernel) >= state.partition.kernels.size() ||
      state.partition.kernels[size_t(request.kernel)].task != request.task)
    return fail("the compile worker's kernels differ from the tuner's (kernel " +
                std::to_string(request.kernel) + ", task " + request.task + ")");
  auto parsed = parse_kernel_schedule(request.schedule);
  if (!parsed) return fail(parsed.error().message);
  // The default is built as the compile builds it (no record, so no legality check).
  std::map<std::string, ScheduleRecord> records;
  if (!request.is_default) records[request.task] = ScheduleRecord{*parsed, "tune"};
  auto partition = partition_kernels(state.graph, state.target, state.schedule, records);
  if (!partition) return fail(partition.error().message);
  auto spec =
      build_measure_candidate(state.graph, *partition, request.kernel, state.target, state.schedule,
                              state.batch, request.inputs, state.runtime_archive, request.dir);
  if (!spec) return fail(spec.error().message);
  tuner::CompileReply reply;
  reply.ok = true;
  reply.spec = *spec;
  return reply;
}

int serve(const CompilerOptions& options) {
  // The protocol keeps private copies of stdin and stdout; the standard streams become
  // /dev/null and stderr, so nothing else can write into a reply.
  const int in_fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
  const int out_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in_fd < 0 || out_fd < 0 || null_fd < 0)
    return report_error(make_error("tune-compiler: cannot set up its streams"));
  dup2(null_fd, 0);
  dup2(2, 1);
  FILE* in = fdopen(in_fd, "r");
  FILE* out = fdopen(out_fd, "w");
  if (!in || !out) return report_error(make_error("tune-compiler: cannot set up its streams"));

  auto target = parse_halide_target(options.target);
  if (!target) return report_error(target.error());
  auto schedule = tuner::parse_schedule_options(options.schedule_options);
  if (!schedule) return report_error(schedule.error());
  Result<Graph> graph = load_model(options.model_path, options.keras_weights);
  if (!graph) return report_error(graph.error());
  if (Status status = run_pass_pipeline(*graph, PassOptions{}, options.model_path); !status)
    return report_error(status.error());
  auto state = std::make_unique<CompilerState>();
  state->graph = std::move(*graph);
  state->target = *target;
  state->schedule = *schedule;
  state->batch = options.batch;
  state->runtime_archive = options.runtime_archive;
  auto partition = partition_kernels(state->graph, state->target, state->schedule);
  if (!partition) return report_error(partition.error());
  state->partition = std::move(*partition);

  std::fputs("{\"ready\":true}\n", out);
  std::fflush(out);
  char* line = nullptr;
  size_t capacity = 0;
  for (ssize_t n; (n = getline(&line, &capacity, in)) > 0;) {
    std::string text(line, size_t(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) continue;
    tuner::CompileReply reply;
    auto request = tuner::parse_compile_request(text);
    if (!request) {
      reply = fail(request.error().message);
    } else {
      try {
        reply = compile(*state, *request);
      } catch (const std::exception& e) {
        reply = fail(e.what());
      } catch (...) {
        reply = fail("unexpected internal failure");
      }
    }
    std::fputs((reply.to_json() + "\n").c_str(), out);
    std::fflush(out);
  }
  std::free(line);
  return kExitOk;
}

}  // namespace

CommandAction register_tune_compiler_command(CLI::App& app) {
  auto options = std::make_shared<CompilerOptions>();
  CLI::App* compiler = app.add_subcommand("tune-compiler", "");
  compiler->group("");  // hidden from --help
  compiler->add_option("model", options->model_path, "Model file")->required();
  compiler->add_option("--target", options->target, "Halide target")->required();
  compiler->add_option("--batch", options->batch, "Every symbolic dim")->required();
  compiler->add_option("--runtime", options->runtime_archive, "Halide runtime archive")->required();
  compiler->add_option("--schedule-options", options->schedule_options, "Schedule options (JSON)")
      ->required();
  add_keras_weights_option(*compiler, options->keras_weights);
  return [options] { return serve(*options); };
}

}  // namespace kiln::cli
