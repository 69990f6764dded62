// KernelMeasure.h: measuring one kernel candidate (a kernel with one schedule) safely.
//
// The tuner (parent) builds each candidate into a small shared library (the kernel object plus a
// private copy of the Halide runtime) and writes a measurement spec: the library, the function
// and every argument as a file on disk (random inputs in the kernel's boundary layout, the
// model's real weights in the layout the schedule reads them). A worker process (`kiln
// tune-worker SPEC`, possibly started through a runner such as srun) reads the spec, loads the
// library, runs the kernel with warm-up and repeats, writes the outputs next to the spec and
// prints one JSON line with its times. A crash, a hang or a Halide error in the worker never
// takes the tuner down.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/KernelPartition.h"
#include "ir/Error.h"
#include "ir/IR.h"

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
};

/// Compiles the Halide runtime for `target` into an archive under `dir` (its symbols stay
/// private to each candidate library linked against it).
Result<std::string> build_measure_runtime(const Halide::Target& target, const std::string& dir);

/// Writes random inputs (fixed `seed`, every symbol = `batch`) for kernel `index` of
/// `partition` under `dir`, in the kernel's boundary layout (channels-last where the tensor
/// crosses the boundary so); one buffer per plan input.
Result<std::vector<MeasureBuffer>> write_measure_inputs(const KernelPartition& partition, int index,
                                                        int64_t batch, uint64_t seed,
                                                        const std::string& dir);

/// Lowers kernel `index` of `partition` (its plan holds the candidate schedule), compiles it
/// for `target`, links it with `runtime_archive` into `dir`/candidate.so and writes its weights;
/// returns the spec (without threads and repeats, which the caller sets).
Result<MeasureSpec> build_measure_candidate(const Graph& graph, const KernelPartition& partition,
                                            int index, const Halide::Target& target,
                                            const ScheduleOptions& options, int64_t batch,
                                            const std::vector<MeasureBuffer>& inputs,
                                            const std::string& runtime_archive,
                                            const std::string& dir);

/// The worker side: loads the library, runs the kernel, writes the outputs, returns the times.
/// Halide errors come back as status "error"; crashes are the parent's to observe.
MeasureResult run_measurement(const MeasureSpec& spec);

}  // namespace kiln
