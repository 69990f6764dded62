// PassOptions.cpp: the shared pass-pipeline flags and the runner behind them.
#include "tools/PassOptions.h"

#include <iostream>
#include <set>

#include "backends/reference/ReferenceInterpreter.h"
#include "backends/reference/ReferenceEvaluator.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"

namespace kiln::cli {
namespace {

std::string joined_pass_names() {
  std::string names;
  for (const PassInfo& pass : all_passes()) {
    if (!names.empty()) names += ", ";
    names += pass.name;
  }
  return names;
}

}  // namespace

void add_pass_options(CLI::App& command, PassOptions& options) {
  command.add_option("--passes", options.passes,
                     "Comma-separated passes to run instead of the default pipeline. Passes:\n" +
                         pass_list_help());
  command.add_flag("--print-after-all", options.print_after_all,
                   "Print the IR to stderr after every pass");
  command
      .add_option("--print-after", options.print_after,
                  "Print the IR to stderr after this pass (repeatable, or comma-separated)")
      ->delimiter(',')
      ->check([](const std::string& name) {
        return find_pass(name) ? std::string()
                               : "unknown pass '" + name + "' (known: " + joined_pass_names() + ")";
      });
  command.add_flag("--time-passes", options.time_passes, "Print the time each pass took to stderr");
  command.add_flag("--verify-each", options.verify_each,
                   "Run the IR verifier after every pass (always on in debug builds)");
}

Status run_pass_pipeline(Graph& graph, const PassOptions& options, const std::string& model_path) {
  std::vector<std::string> passes = default_pipeline();
  if (!options.passes.empty()) {
    Result<std::vector<std::string>> chosen = parse_pass_list(options.passes);
    if (!chosen) return chosen.error();
    passes = *chosen;
  }
  PassRunOptions run_options;
  run_options.print_after_all = options.print_after_all;
  run_options.print_after =
      std::set<std::string>(options.print_after.begin(), options.print_after.end());
  run_options.time_passes = options.time_passes;
  run_options.verify_each = options.verify_each;
  ReferenceEvaluator evaluator;
  PassContext context;
  context.evaluator = &evaluator;
  Status status = run_passes(graph, passes, context, run_options, &std::cerr);
  if (!status && status.error().file.empty()) status.error().file = model_path;
  return status;
}

}  // namespace kiln::cli
