// KerasArchive.h: reads named members of a zip archive (a Keras 3 `.keras` file) with libzip.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::keras_import {

/// The bytes of member `member` of the zip at `path`; nullopt when the archive has no such
/// member; an Error naming the file when the archive cannot be read.
Result<std::optional<std::vector<uint8_t>>> read_zip_member(const std::string& path,
                                                            const std::string& member);

}  // namespace kiln::keras_import
