// TuneWorkerCommand.cpp: `kiln tune-worker SPEC.json`, the hidden subcommand the tuner runs (once
// per measurement, possibly through --runner) to time one candidate in a process of its own.
// Prints one JSON line: {"status", "error", "median_ms", "min_ms", "repeats"}.
#include <fstream>
#include <iostream>
#include <memory>

#include "backends/halide/measure/MeasureWorker.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"

namespace kiln::cli {

CommandAction register_tune_worker_command(CLI::App& app) {
  auto spec_path = std::make_shared<std::string>();
  CLI::App* worker = app.add_subcommand("tune-worker", "");
  worker->group("");  // hidden from --help
  worker->add_option("spec", *spec_path, "Measurement spec")->required();
  return [spec_path]() -> int {
    std::ifstream in(*spec_path);
    if (!in) return report_error(Error{*spec_path, "", "cannot open the measurement spec"});
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto spec = parse_measure_spec(text);
    if (!spec) return report_error(Error{*spec_path, "", spec.error().message});
    std::cout << run_measurement(*spec).to_json_line() << std::endl;
    return kExitOk;
  };
}

}  // namespace kiln::cli
