// OptionRanges.h: range checks for the numeric options of every subcommand, so a bad value gets
// one short message instead of CLI11's double-precision range or a failure much later.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace kiln::cli {

/// Accepts an integer from `min` to `max`; otherwise "must be an integer from MIN to MAX".
CLI::Validator integer_range(int64_t min, int64_t max);

/// Accepts a number greater than 0 and at most `max`; otherwise "must be a number above 0 and
/// at most MAX".
CLI::Validator positive_number(double max);

/// Bounds shared by several subcommands.
inline constexpr int64_t kMaxThreads = 1024;
inline constexpr int64_t kMaxBatch = int64_t{1} << 20;
inline constexpr int64_t kMaxRuns = 1000000;
inline constexpr double kMaxSeconds = 1e6;  ///< timeouts and budgets (over 11 days)

}  // namespace kiln::cli
