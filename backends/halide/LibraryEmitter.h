// LibraryEmitter.h: turns a shape-inferred graph into a native library: NAME.so (self-contained:
// weights and the Halide runtime inside), NAME.a and NAME.h, or NAME.weights beside them.
#pragma once

#include <string>

#include "backends/halide/HalideSchedule.h"
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
};

/// The files written.
struct LibraryArtifacts {
  std::string shared_library;    ///< NAME.so (empty when cross-compiling)
  std::string static_library;    ///< NAME.a (empty when cross-compiling)
  std::string header;            ///< NAME.h
  std::string weights_file;      ///< NAME.weights with external weights
  std::string wrapper_source;    ///< NAME_wrapper.c, kept only when cross-compiling
  std::string pipeline_library;  ///< NAME_halide.a, kept only when cross-compiling
};

/// Lowers, schedules and compiles `graph`. For the host (or a target of the host's architecture
/// and OS) it links NAME.so and NAME.a with the system C compiler. For another architecture it
/// writes NAME.h, NAME_wrapper.c, NAME_halide.a/.h and external NAME.weights for the user's cross
/// toolchain to finish. Writes nothing partial on failure (work happens in a scratch folder).
Result<LibraryArtifacts> emit_native_library(const Graph& graph, const LibraryOptions& options);

}  // namespace kiln
