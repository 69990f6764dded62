// MemoryPlan.h: the arena plan of a kernel partition's intermediate tensors, computed by the
// same code the model library runs (runtime/kiln_memory_plan.c).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/halide/KernelPartition.h"

namespace kiln {

/// Where each intermediate tensor sits in the arena, for one set of symbol values.
struct ArenaPlan {
  std::vector<uint64_t> offsets;  ///< by intermediate index
  std::vector<uint64_t> bytes;    ///< by intermediate index
  uint64_t arena_bytes = 0;       ///< the arena's size
  uint64_t total_bytes = 0;       ///< what one buffer per tensor would take
};

/// Plans the intermediates of `partition` with every symbol set to `symbol_value`.
ArenaPlan plan_arena(const KernelPartition& partition, int64_t symbol_value = 1);

/// The bytes of one element of each dtype as stored in a buffer (bool takes one byte).
uint64_t stored_element_bytes(DType dtype);

}  // namespace kiln
