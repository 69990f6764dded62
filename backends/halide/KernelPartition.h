// KernelPartition.h: splits a shape-inferred graph into kernels, the units Kiln lowers, compiles,
// caches, times and tunes one at a time.
//
// A kernel is one fusion group (passes/FuseGroups.h) or one unfused node whose result is stored,
// plus the cheap producers it recomputes inline (the nodes choose_schedule leaves Inline, and
// shape arithmetic known at compile time). Kernels exchange tensors through buffers the model
// library owns: graph inputs, graph outputs (the caller's buffers) and intermediates (placed in
// one arena by the memory plan). A 4-D intermediate whose producer stores it channels-innermost
// (choose-layout's NHWC) crosses the boundary in that layout.
//
// Each kernel has a task key: a hash of what makes two kernels the same computation (ops,
// attributes, input/output types and layouts, and the values of constants a lowering reads at
// compile time: integer constants; float constants are weights, passed as arguments), so that
// repeated blocks share one compiled function and tuning records carry over between models.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/halide/KernelSchedule.h"
#include "ir/Error.h"
#include "ir/IR.h"
#include "ir/StableHash.h"

namespace kiln {

/// Where a boundary tensor lives.
enum class TensorRole { Input, Output, Intermediate };

/// A tensor that crosses a kernel boundary.
struct BoundaryTensor {
  const Value* value = nullptr;
  TensorRole role = TensorRole::Intermediate;
  int index = 0;               ///< graph input/output index, or intermediate index
  bool channels_last = false;  ///< a 4-D tensor stored (n, h, w, c): channels innermost
  int producer = -1;           ///< kernel writing it (-1: a graph input)
  int last_use = -1;           ///< last kernel reading it (-1: none)
};

/// One kernel of the partition.
struct KernelPlan {
  std::string name;                  ///< the stage node's name (unique in the model)
  std::vector<const Node*> stored;   ///< the group's members, or the one node (graph order)
  std::vector<const Node*> inlined;  ///< producers recomputed inside it (graph order)
  std::optional<int64_t> group;      ///< its fusion group id, for groups
  const Value* copy_of = nullptr;    ///< a copy kernel: writes this value to a graph output
  std::vector<int> inputs;           ///< boundary tensors read, in first-use order
  std::vector<int> outputs;          ///< boundary tensors written
  KernelSchedule schedule;           ///< the schedule applied (default or from a record)
  std::string task;                  ///< task key: 16 hex digits
  std::string canonical;             ///< the text the task key hashes (for debugging)
  int64_t macs = 0;                  ///< per run with every symbolic dim = 1
  /// Node names in graph order (inlined producers, then stored nodes).
  std::vector<std::string> node_names() const;
};

/// A schedule given for a task (from a records file), with where it came from for errors.
struct ScheduleRecord {
  KernelSchedule schedule;
  std::string origin;  ///< "FILE:LINE"
  /// A record the compile found on its own (this machine's tuned records), not one the user
  /// named: where it does not apply to the kernel (tuned by another Kiln version) the default
  /// schedule stays and the record is listed in KernelPartition::inapplicable_records.
  bool optional = false;
};

/// The kernels of a graph in run order, and the tensors between them.
struct KernelPartition {
  std::vector<KernelPlan> kernels;
  std::vector<BoundaryTensor> tensors;  ///< graph inputs first, then in order of creation
  std::vector<std::string> symbols;     ///< symbolic dims in order of first use by graph inputs
  int intermediate_count = 0;
  /// Optional records left out because they do not apply: "ORIGIN: kernel 'K': reason".
  std::vector<std::string> inapplicable_records;
};

/// Partitions `graph` and picks each kernel's schedule: the record for its task in `records`
/// (checked against the kernel's schedule space; an illegal one is an error naming its origin
/// and the knob, or, for an optional record, the default stays), else the default
/// choose_schedule/choose_group_schedule picks.
Result<KernelPartition> partition_kernels(
    const Graph& graph, const Halide::Target& target, const ScheduleOptions& options,
    const std::map<std::string, ScheduleRecord>& records = {});

/// The schedule space of one kernel of `partition`: the templates that apply and their knobs.
std::vector<TemplateSpace> kernel_schedule_space(const Graph& graph, const KernelPlan& kernel,
                                                 const Halide::Target& target,
                                                 const ScheduleOptions& options);

/// Checks `schedule` for `kernel`: every knob legal in the kernel's space, and the knobs that
/// constrain each other (a shifted tail must fit its extent) consistent. Errors name the knob.
Status check_kernel_schedule(const Graph& graph, const KernelPlan& kernel,
                             const KernelSchedule& schedule, const Halide::Target& target,
                             const ScheduleOptions& options);

}  // namespace kiln
