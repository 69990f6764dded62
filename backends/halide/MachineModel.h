// MachineModel.h: the facts about a CPU that Kiln's default schedules derive from (vector width,
// vector registers, FMA pipes and latency, clock, cache sizes), read from this machine for the
// host target and taken from a table for named targets. docs/MACHINE_MODEL.md gives the model
// and the numbers behind it.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <string>

namespace kiln {

/// What one core of the target CPU offers to a kernel.
struct MachineModel {
  std::string name;              ///< the CPU (host: CPUID's brand string) or the table entry
  bool from_host = false;        ///< read from this machine (else the table's values)
  int f32_lanes = 4;             ///< f32 lanes of one natural vector (Halide's natural width)
  int vector_registers = 16;     ///< architectural vector registers (x86: 16, AVX-512 and Arm: 32)
  int fma_pipes = 2;             ///< natural-width vector FMAs issued per cycle
  int fma_latency = 4;           ///< cycles from an FMA's inputs to its result
  double ghz = 3.0;              ///< sustained clock under vector load
  int64_t l1d_bytes = 32 << 10;  ///< L1 data cache of one core
  int64_t l2_bytes = 256 << 10;  ///< L2 of one core
  int64_t l3_share_bytes = 0;    ///< one core's share of the L3 (0: none)

  /// f32 multiply-adds one core completes per second at peak.
  double peak_macs_per_second() const { return double(f32_lanes) * fma_pipes * ghz * 1e9; }
};

/// The schedule parameters Kiln's templates derive from a MachineModel (one place, so that
/// `kiln target` prints exactly what the heuristics use).
struct ScheduleFacts {
  /// Vector registers a ConvChannels/GemmPacked register tile may fill with accumulators: the
  /// register file less the widest weight block (4 vectors; the input is a broadcast operand).
  int accumulator_budget = 12;
  /// Independent accumulators that keep every FMA pipe busy: latency x pipes.
  int accumulators_in_flight = 8;
  /// Least multiply-adds per parallel task: kTaskSeconds of peak work on one core.
  int64_t min_task_macs = 1 << 20;
  /// Largest packed-weight block of a dense conv that stays in the L2 across its rows (half the
  /// L2: the other half holds the input rows and the output tile).
  int64_t weight_block_bytes = 128 << 10;
};

/// Seconds of work a parallel task should hold at least: about ten times what handing out a task
/// costs Halide's thread pool (~1 us), so task overhead stays under a tenth.
constexpr double kTaskSeconds = 10e-6;

/// The model of `target`'s CPU: this machine's own facts when `target` has the host's
/// architecture and ISA features (the `host` target, or one spelled out the same), else the
/// table entry for its ISA level. Cached per target; thread-safe.
const MachineModel& machine_model(const Halide::Target& target);

/// The table entry for `target`'s ISA level, ignoring the host (for tests and `kiln target`).
MachineModel table_machine_model(const Halide::Target& target);

/// The schedule parameters derived from `model`.
ScheduleFacts schedule_facts(const MachineModel& model);

/// A deterministic multi-line description of `model` and its schedule facts (`kiln target`).
std::string describe_machine(const MachineModel& model);

}  // namespace kiln
