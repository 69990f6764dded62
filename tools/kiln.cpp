// kiln.cpp: the `kiln` command-line tool's entry point: builds the subcommand table and runs
// the chosen one.
#include <exception>
#include <iostream>
#include <utility>
#include <vector>

#include "tools/Commands.h"
#include "tools/Diagnostics.h"

namespace {

/// Every subcommand, in the order `kiln --help` lists them.
constexpr kiln::cli::CommandRegistration kCommands[] = {
    kiln::cli::register_inspect_command,        // kiln inspect
    kiln::cli::register_compile_command,        // kiln compile
    kiln::cli::register_run_command,            // kiln run
    kiln::cli::register_bench_command,          // kiln bench
    kiln::cli::register_tune_command,           // kiln tune
    kiln::cli::register_target_command,         // kiln target
    kiln::cli::register_tune_worker_command,    // hidden: the tuner's measurement worker
    kiln::cli::register_tune_compiler_command,  // hidden: the tuner's compile worker
};

int run(int argc, char** argv) {
  CLI::App app{"Kiln: an ahead-of-time compiler for convolutional neural networks", "kiln"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, kiln::cli::CommandAction>> actions;
  for (kiln::cli::CommandRegistration registration : kCommands) {
    size_t before = app.get_subcommands({}).size();
    kiln::cli::CommandAction action = registration(app);
    actions.emplace_back(app.get_subcommands({}).at(before), std::move(action));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help and version requests are "errors" with a success code; CLI11 prints those.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(error);
      return kiln::cli::kExitOk;
    }
    std::cerr << "kiln: error: " << error.what() << " (see kiln --help)" << std::endl;
    return kiln::cli::kExitUsage;
  }
  for (auto& [subcommand, action] : actions) {
    if (subcommand->parsed()) return action();
  }
  return kiln::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Errors are values inside Kiln; this guard only keeps an unexpected exception (such as
  // std::bad_alloc on an absurd model) from ending in a crash report instead of one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "kiln: error: " << error.what() << std::endl;
  } catch (...) {
    std::cerr << "kiln: error: unexpected internal failure" << std::endl;
  }
  return kiln::cli::kExitModelError;
}
