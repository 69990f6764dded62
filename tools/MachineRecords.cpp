// MachineRecords.cpp: where this machine's tuning records live in the cache directory.
#include "tools/MachineRecords.h"

#include <filesystem>

#include "backends/halide/HostTarget.h"
#include "backends/halide/MachineModel.h"
#include "ir/StableHash.h"

namespace kiln::cli {

std::string machine_identity() {
  const Halide::Target host = host_target();
  return machine_model(host).name + " | " + host.to_string();
}

std::string machine_records_path(const std::string& cache_dir) {
  if (cache_dir.empty()) return "";
  return (std::filesystem::path(cache_dir) / "records" /
          (stable_hash(machine_identity()).substr(0, 16) + ".jsonl"))
      .string();
}

}  // namespace kiln::cli
