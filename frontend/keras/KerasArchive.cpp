// KerasArchive.cpp: libzip member extraction, bounded against hostile archives: entry names that
// escape the archive, members larger than their kind allows, decompression bombs and headers
// that claim more bytes than the member holds.
#include "frontend/keras/KerasArchive.h"

#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace kiln::keras_import {
namespace {

// Deflate cannot shrink data by more than about 1032:1; weights, unlike padding, barely shrink.
constexpr zip_uint64_t kMaxCompressionRatio = 100;
// Members under this size are read whatever their ratio (a small config of repeated keys).
constexpr zip_uint64_t kRatioCheckFrom = zip_uint64_t{64} << 20;
constexpr zip_uint64_t kReadChunkBytes = zip_uint64_t{8} << 20;

using Archive = std::unique_ptr<zip_t, decltype(&zip_discard)>;

/// An entry name that a careless extractor would write outside its folder: absolute, or with a
/// `..` component. Kiln never extracts, but no legitimate .keras file holds one.
bool escapes_archive(const std::string& name) {
  if (name.empty()) return false;
  if (name.front() == '/' || name.front() == '\\' || name.find(':') == 1) return true;
  std::filesystem::path path(name);
  return std::any_of(path.begin(), path.end(), [](const auto& part) { return part == ".."; });
}

Status check_entry_names(zip_t* archive, const std::string& path) {
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
    if (!name) return Error{path, "", "zip entry " + std::to_string(i) + " has no readable name"};
    if (escapes_archive(name))
      return Error{path, "", "zip entry '" + std::string(name) + "' escapes the archive"};
  }
  return Status::ok();
}

}  // namespace

Result<std::optional<std::vector<uint8_t>>> read_zip_member(const std::string& path,
                                                            const std::string& member,
                                                            uint64_t max_bytes) {
  int error_code = 0;
  Archive archive(zip_open(path.c_str(), ZIP_RDONLY, &error_code), zip_discard);
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Error{path, "", "not a readable zip archive: " + reason};
  }
  KILN_RETURN_IF_ERROR(check_entry_names(archive.get(), path));
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(archive.get(), member.c_str(), 0, &stat) != 0)
    return std::optional<std::vector<uint8_t>>();
  if (!(stat.valid & ZIP_STAT_SIZE) || !(stat.valid & ZIP_STAT_COMP_SIZE))
    return Error{path, "", "zip member '" + member + "' has an unreadable size"};
  if (stat.size > max_bytes)
    return Error{path, "",
                 "zip member '" + member + "' claims " + std::to_string(stat.size) +
                     " bytes uncompressed, more than the " + std::to_string(max_bytes) +
                     " Kiln reads for it"};
  if (stat.size >= kRatioCheckFrom && stat.size / kMaxCompressionRatio > stat.comp_size)
    return Error{path, "",
                 "zip member '" + member + "' inflates " + std::to_string(stat.comp_size) +
                     " bytes to " + std::to_string(stat.size) + " (a decompression bomb?)"};
  std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
      zip_fopen(archive.get(), member.c_str(), 0), zip_fclose);
  // Grown chunk by chunk, so a header claiming more than the member holds costs only the bytes
  // that are really there.
  std::vector<uint8_t> bytes;
  zip_int64_t read = file ? 0 : -1;
  while (read >= 0 && bytes.size() < stat.size) {
    size_t at = bytes.size();
    bytes.resize(at + static_cast<size_t>(std::min(kReadChunkBytes, stat.size - at)));
    read = zip_fread(file.get(), bytes.data() + at, bytes.size() - at);
    if (read >= 0 && static_cast<size_t>(read) != bytes.size() - at) read = -1;
  }
  if (read < 0)
    return Error{path, "", "cannot read zip member '" + member + "' (truncated archive?)"};
  return std::optional<std::vector<uint8_t>>(std::move(bytes));
}

}  // namespace kiln::keras_import
