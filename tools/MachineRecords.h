// MachineRecords.h: the schedule records `kiln tune` keeps for this machine in the cache
// directory, which `kiln compile` and `kiln inspect --schedules` apply unless told not to
// (`--schedules none`). One JSON Lines file per machine identity; each record names its target.
#pragma once

#include <string>

namespace kiln::cli {

/// What makes two machines' tuning records interchangeable: the CPU (CPUID's brand string, or the
/// machine model's name) and the ISA features of the host target. Deterministic on one machine.
std::string machine_identity();

/// `CACHE/records/<hash of machine_identity()>.jsonl`; empty when `cache_dir` is empty.
std::string machine_records_path(const std::string& cache_dir);

/// The value of `--schedules`/`--records` that turns the machine's records off.
inline constexpr const char* kNoSchedules = "none";

}  // namespace kiln::cli
