// FuzzFile.h: the fuzz targets' scratch folder. The importers read files, so each input is
// written to a file of the given name in one folder per process (on tmpfs where there is one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::fuzz {

/// The process's scratch folder, made on first use and removed at exit.
const std::string& scratch_folder();

/// Writes `size` bytes to `scratch_folder()/name` (replacing it) and returns the path.
std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size);

}  // namespace kiln::fuzz
