// LibraryEmitter.h: turns a shape-inferred graph into a native library: NAME.so (self-contained:
// weights and the Halide runtime inside), NAME.a and NAME.h, or NAME.weights beside them.
#pragma once

#include <string>

#include "backends/halide/HalideSchedule.h"
#include "backends/halide/KernelCompiler.h"
#include "backends/halide/KernelPartition.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// What `kiln compile` asks for.
struct LibraryOptions {
  std::string name;        ///< library name, a C identifier (prefix of every symbol)
  std::string output_dir;  ///< created if missing
  std::string target = "host";
  bool external_weights = false;  ///< write NAME.weights, mapped at run time, instead of linking
  std::string source_model;       ///< shown in the header comment
  int64_t macs_per_unit_run = 0;  ///< recorded in the descriptor for GFLOP/s reports
  ScheduleOptions schedule;
  /// Schedules for tasks, from a records file (`kiln compile --schedules`).
  std::map<std::string, ScheduleRecord> records;
  std::string cache_dir;  ///< compiled kernel objects are cached here; empty: no cache
  int jobs = 0;           ///< parallel kernel compiles (0: one per core)
  CompileProgress progress;
};

/// The files written.
struct LibraryArtifacts {
  std::string shared_library;      ///< NAME.so (empty when cross-compiling)
  std::string static_library;      ///< NAME.a (empty when cross-compiling)
  std::string header;              ///< NAME.h
  std::string weights_file;        ///< NAME.weights with external weights
  std::string wrapper_source;      ///< NAME_wrapper.c, kept only when cross-compiling
  std::string pipeline_library;    ///< NAME_halide.a, kept only when cross-compiling
  int kernels = 0;                 ///< kernels the library runs
  int distinct_kernels = 0;        ///< distinct kernel functions
  int compiled_kernels = 0;        ///< distinct kernels compiled now
  int cached_kernels = 0;          ///< distinct kernels taken from the cache
  uint64_t arena_bytes = 0;        ///< the intermediates' arena with every symbolic dim = 1
  std::vector<std::string> tasks;  ///< task key of each kernel (run order)
  /// Optional records that did not apply (KernelPartition::inapplicable_records).
  std::vector<std::string> inapplicable_records;
};

/// Partitions `graph` into kernels, lowers, schedules and compiles them (in parallel, through
/// the cache) and links them with the wrapper into one library. For the host (or a target of the
/// host's architecture and OS) it links NAME.so and NAME.a with the system C compiler. For another
/// architecture it writes NAME.h, NAME_wrapper.c, NAME_halide.a, HalideRuntime.h and external
/// NAME.weights for the user's cross toolchain to finish. Writes nothing partial on failure (work
/// happens in a scratch folder).
Result<LibraryArtifacts> emit_native_library(const Graph& graph, const LibraryOptions& options);

}  // namespace kiln
