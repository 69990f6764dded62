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
#include <string>
#include <vector>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/KernelPartition.h"
#include "backends/halide/measure/MeasureSpec.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Compiles the Halide runtime for `target`, with Kiln's thread pool in place of Halide's, into an
/// archive under `dir` (its symbols stay private to each candidate library linked against it).
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

}  // namespace kiln
