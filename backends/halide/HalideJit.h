// HalideJit.h: runs a graph in-process with Halide's JIT, kernel by kernel (the same kernels the
// AOT path compiles). Weights are bound as Buffers over the constants' own bytes (no copy);
// inputs and outputs are Kiln Tensors; intermediates are Buffers allocated per run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/halide/HalideLowering.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// A graph lowered and JIT-compiled once, runnable many times with inputs of any size its
/// symbolic dims allow. Keeps a pointer to the graph, which must outlive it.
class HalideJitProgram {
 public:
  /// Lowers `graph` for `target` ("host" or a JIT-able Halide target string) and JIT-compiles
  /// its distinct kernels on `jobs` threads (0: one per core).
  static Result<HalideJitProgram> compile(const Graph& graph, const std::string& target = "host",
                                          const ScheduleOptions& options = {},
                                          const std::map<std::string, ScheduleRecord>& records = {},
                                          int jobs = 0);

  /// Runs on `inputs` (one per graph input, graph order). Inputs are checked against the graph's
  /// input types; an error names the input. Returns one tensor per graph output. With
  /// `kernel_ms`, also returns each kernel's time in milliseconds (run order).
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs,
                                  std::vector<double>* kernel_ms = nullptr) const;

  const KernelProgram& program() const { return *program_; }

 private:
  const Graph* graph_ = nullptr;
  Halide::Target target_;
  std::shared_ptr<KernelProgram> program_;
};

/// Lowers, compiles and runs `graph` once (convenience for tests and the CLI's `run`).
Result<std::vector<Tensor>> run_halide_jit(const Graph& graph, const std::vector<Tensor>& inputs,
                                           const std::string& target = "host",
                                           const ScheduleOptions& options = {});

}  // namespace kiln
