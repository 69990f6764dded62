// KerasArchive.h: reads named members of a zip archive (a Keras 3 `.keras` file) with libzip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::keras_import {

/// The largest JSON member (config.json, metadata.json) and weights member read.
inline constexpr uint64_t kMaxJsonMemberBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxWeightsMemberBytes = uint64_t{4} << 30;

/// The bytes of member `member` of the zip at `path`; nullopt when the archive has no such
/// member; an Error naming the file when the archive cannot be read, has an entry whose name
/// escapes it (absolute or `..`), or the member claims more than `max_bytes` or inflates more
/// than 100:1 past 64 MiB (a decompression bomb).
Result<std::optional<std::vector<uint8_t>>> read_zip_member(const std::string& path,
                                                            const std::string& member,
                                                            uint64_t max_bytes);

}  // namespace kiln::keras_import
