// CompileCommand.cpp: `kiln compile MODEL -o DIR [--name NAME] [--target T] [--weights MODE]`,
// which compiles a model to DIR/NAME.so, DIR/NAME.a and DIR/NAME.h (plus DIR/NAME.weights with
// external weights).
#include <cctype>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "backends/halide/LibraryEmitter.h"
#include "backends/halide/ModelInterface.h"
#include "passes/CostAnalysis.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/inspect/FusionReport.h"
#include "tools/PassOptions.h"

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
  PassOptions passes;
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

  log.begin("lowering, scheduling and compiling with Halide (" + options.target + ")");
  auto artifacts = emit_native_library(*graph, library);
  if (!artifacts) {
    log.fail();
    Error error = artifacts.error();
    if (error.file.empty()) error.file = options.model_path;
    return report_error(error);
  }
  log.end();
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
                      "arm-64-linux, ...");
  compile->add_option("--weights", options->weights,
                      "embedded (inside the library, default) or external (DIR/NAME.weights)")
      ->check(CLI::IsMember({"embedded", "external"}));
  add_pass_options(*compile, options->passes);
  add_keras_weights_option(*compile, options->keras_weights);
  compile->add_flag("-q,--quiet", options->quiet, "No progress output");
  return [options] { return run_compile(*options); };
}

}  // namespace kiln::cli
