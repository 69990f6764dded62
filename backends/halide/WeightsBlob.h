// WeightsBlob.h: packs a model's constants into one aligned blob, written either as an object file
// linked into the library (the assembler's .incbin, so 250 MB of weights take seconds, not a C
// compiler's minutes) or as an external NAME.weights file the library maps at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Where one constant lives inside the blob.
struct WeightsEntry {
  const Value* value = nullptr;
  uint64_t offset = 0;  ///< byte offset, a multiple of kWeightsAlignment
  uint64_t size = 0;    ///< byte size
};

/// The layout of all constants in one blob.
struct WeightsBlob {
  static constexpr uint64_t kWeightsAlignment = 64;  // one cache line, and AVX-512 friendly
  std::vector<WeightsEntry> entries;
  uint64_t total_size = 0;
};

/// Lays the constants out in order, each aligned to kWeightsAlignment.
WeightsBlob layout_weights(const std::vector<const Value*>& constants);

/// Writes the blob's bytes to `path`.
Status write_weights_file(const WeightsBlob& blob, const std::string& path);

/// Assembles `blob_path` into an ELF object defining the read-only symbol `symbol` (aligned,
/// with `symbol`_size holding the byte count), using the system C compiler as assembler.
Status assemble_weights_object(const std::string& blob_path, const std::string& symbol,
                               const std::string& object_path);

}  // namespace kiln
