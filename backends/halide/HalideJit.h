// HalideJit.h: runs a lowered graph in-process with Halide's JIT. Weights are bound as Buffers
// over the constants' own bytes (no copy); inputs and outputs are Kiln Tensors.
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
  /// Lowers and JIT-compiles `graph` for `target` ("host" or a JIT-able Halide target string).
  static Result<HalideJitProgram> compile(const Graph& graph, const std::string& target = "host",
                                          const ScheduleOptions& options = {});

  /// Runs on `inputs` (one per graph input, graph order). Inputs are checked against the graph's
  /// input types; an error names the input. Returns one tensor per graph output.
  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) const;

  const LoweredGraph& lowered() const { return *lowered_; }

 private:
  const Graph* graph_ = nullptr;
  Halide::Target target_;
  std::shared_ptr<LoweredGraph> lowered_;
};

/// Lowers, compiles and runs `graph` once (convenience for tests and the CLI's `run`).
Result<std::vector<Tensor>> run_halide_jit(const Graph& graph, const std::vector<Tensor>& inputs,
                                           const std::string& target = "host",
                                           const ScheduleOptions& options = {});

}  // namespace kiln
