// Commands.h: the kiln subcommands. Each lives in its own tools/<Name>Command.cpp and is listed
// once in kiln.cpp's command table.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace kiln::cli {

/// What a subcommand does once the command line is parsed; returns the process exit code.
using CommandAction = std::function<int()>;

/// Adds a subcommand and its options to `app`; the action runs when the subcommand is chosen.
using CommandRegistration = CommandAction (*)(CLI::App& app);

/// `kiln inspect MODEL`: prints the IR, a summary table, JSON or Graphviz of a model.
CommandAction register_inspect_command(CLI::App& app);
/// `kiln compile MODEL -o DIR`: compiles a model to a native library (tools/CompileCommand.cpp).
CommandAction register_compile_command(CLI::App& app);
/// `kiln run`: runs a compiled library or a model on .npy inputs (tools/RunCommand.cpp).
CommandAction register_run_command(CLI::App& app);
/// `kiln bench`: times a compiled library or a model on random inputs (tools/BenchCommand.cpp).
CommandAction register_bench_command(CLI::App& app);

/// `kiln target [TARGET]`: the CPU facts the default schedules derive from
/// (tools/TargetCommand.cpp).
CommandAction register_target_command(CLI::App& app);

/// `kiln tune MODEL -o RECORDS`: tunes each kernel's schedule; `kiln tune --report RECORDS`
/// summarises records (tools/TuneCommand.cpp).
CommandAction register_tune_command(CLI::App& app);
/// `kiln tune-worker SPEC`: the hidden measurement worker the tuner starts
/// (tools/TuneWorkerCommand.cpp).
CommandAction register_tune_worker_command(CLI::App& app);
/// `kiln tune-compiler MODEL ...`: the hidden compile worker the tuner starts, which builds
/// candidates on request (tools/TuneCompilerCommand.cpp).
CommandAction register_tune_compiler_command(CLI::App& app);

}  // namespace kiln::cli
