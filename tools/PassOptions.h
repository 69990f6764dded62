// PassOptions.h: the pass-pipeline flags shared by `kiln inspect` and `kiln compile`
// (--passes, --print-after-all, --print-after, --time-passes, --verify-each) and the one function
// that runs the chosen pipeline with the reference backend as constant evaluator.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::cli {

/// The pass flags as parsed from the command line.
struct PassOptions {
  std::string passes;  ///< "a,b,c"; empty = the default pipeline
  bool print_after_all = false;
  std::vector<std::string> print_after;  ///< pass names
  bool time_passes = false;
  bool verify_each = false;
};

/// Adds the pass flags to `command`; `options` must outlive parsing.
void add_pass_options(CLI::App& command, PassOptions& options);

/// Runs the pipeline `options` choose over `graph` (IR dumps and timings go to stderr). Errors
/// name `model_path`, the pass and the node.
Status run_pass_pipeline(Graph& graph, const PassOptions& options, const std::string& model_path);

}  // namespace kiln::cli
