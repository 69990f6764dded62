// FilePrefix.h: the leading bytes of a file, for recognising its format before parsing it.
#pragma once

#include <cstddef>
#include <string>

namespace kiln {

/// Up to `size` bytes from the start of the file at `path` (fewer for a shorter file, none when
/// it cannot be read).
std::string read_file_prefix(const std::string& path, size_t size);

}  // namespace kiln
