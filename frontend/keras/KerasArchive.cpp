// KerasArchive.cpp: libzip member extraction with a size cap against corrupt headers.
#include "frontend/keras/KerasArchive.h"

#include <zip.h>

namespace kiln::keras_import {
namespace {

constexpr zip_uint64_t kMaxMemberBytes = zip_uint64_t{4} << 30;

}  // namespace

Result<std::optional<std::vector<uint8_t>>> read_zip_member(const std::string& path,
                                                            const std::string& member) {
  int error_code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error_code);
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Error{path, "", "not a readable zip archive: " + reason};
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(archive, member.c_str(), 0, &stat) != 0) {
    zip_close(archive);
    return std::optional<std::vector<uint8_t>>();
  }
  if (!(stat.valid & ZIP_STAT_SIZE) || stat.size > kMaxMemberBytes) {
    zip_close(archive);
    return Error{path, "", "zip member '" + member + "' has an unreadable size"};
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(stat.size));
  zip_file_t* file = zip_fopen(archive, member.c_str(), 0);
  zip_int64_t read = file ? zip_fread(file, bytes.data(), bytes.size()) : -1;
  if (file) zip_fclose(file);
  zip_close(archive);
  if (read < 0 || static_cast<zip_uint64_t>(read) != stat.size)
    return Error{path, "", "cannot read zip member '" + member + "' (truncated archive?)"};
  return std::optional<std::vector<uint8_t>>(std::move(bytes));
}

}  // namespace kiln::keras_import
