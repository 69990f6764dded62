// MeasureSpec.h: what the tuner's measurement worker is told about one kernel candidate (its
// library, function and arguments as files on disk) and what it reports back, as JSON. Nothing
// here depends on Halide's compiler: the worker links only this and HalideRuntime.h, so it can
// run GPU candidates next to a GPU driver that brings its own LLVM (PoCL).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln {

/// A buffer argument of a measured kernel: type, innermost-first sizes and strides, and where its
/// bytes are (empty for outputs, which the worker allocates).
struct MeasureBuffer {
  std::string file;
  int type_code = 2;  ///< halide_type_code_t (2 = float)
  int type_bits = 32;
  std::vector<int32_t> sizes;
  std::vector<int32_t> strides;
  /// Elements the buffer spans (the product of its sizes; layouts are dense permutations).
  int64_t elements() const;
  /// Bytes per element (bool, uint1, takes one byte).
  int element_bytes() const { return type_bits <= 8 ? 1 : type_bits / 8; }
};

/// `buffer` as a JSON object (as MeasureSpec::to_json writes each buffer argument).
nlohmann::json measure_buffer_json(const MeasureBuffer& buffer);

/// Reads a buffer written by measure_buffer_json (throws nlohmann::json::exception when a field
/// is missing or mistyped).
MeasureBuffer parse_measure_buffer(const nlohmann::json& j);

/// One argument of the kernel function, in call order (outputs last).
struct MeasureArgument {
  bool is_scalar = false;
  int32_t scalar = 0;  ///< an int32 symbol (the batch)
  bool is_output = false;
  MeasureBuffer buffer;
};

/// Everything the worker needs to time one candidate.
struct MeasureSpec {
  std::string library;      ///< the candidate's shared library
  std::string function;     ///< the kernel function (called through FUNCTION_argv)
  std::string schedule;     ///< the schedule text (for messages and test hooks)
  std::string output_file;  ///< where the worker writes the outputs' bytes, concatenated
  int threads = 0;          ///< Halide threads (0: the runtime's default)
  int warmup = 2;
  int min_repeats = 5;
  int max_repeats = 200;
  double min_total_ms = 100;  ///< repeat until at least this much time is measured
  std::vector<MeasureArgument> arguments;

  /// The spec as JSON text; parse_measure_spec reads it back.
  std::string to_json() const;
};

/// Reads a spec written by MeasureSpec::to_json.
Result<MeasureSpec> parse_measure_spec(const std::string& text);

/// What the worker reports.
struct MeasureResult {
  std::string status = "ok";  ///< "ok" or "error"
  std::string error;
  double median_ms = 0;
  double min_ms = 0;
  int repeats = 0;

  /// The one JSON line a worker prints: {"status", "error", "median_ms", "min_ms", "repeats"}.
  std::string to_json_line() const;
};

}  // namespace kiln
