// ExternalData.cpp: safe resolution of external tensor data.
#include "frontend/onnx/ExternalData.h"

#include <charconv>
#include <filesystem>
#include <optional>

namespace kiln::onnx_import {
namespace {

namespace fs = std::filesystem;

/// Parses a decimal byte count; nullopt for anything else (signs, spaces, overflow).
std::optional<uint64_t> parse_byte_count(const std::string& text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

/// True when `path` lies inside `folder` (both canonical), component by component, so that a
/// sibling such as /models-evil does not pass for /models.
bool is_inside(const fs::path& path, const fs::path& folder) {
  auto path_it = path.begin();
  for (auto folder_it = folder.begin(); folder_it != folder.end(); ++folder_it, ++path_it) {
    if (folder_it->empty()) continue;  // trailing separator
    if (path_it == path.end() || *path_it != *folder_it) return false;
  }
  return true;
}

}  // namespace

ExternalDataResolver::ExternalDataResolver(std::string model_path)
    : model_path_(std::move(model_path)) {}

Result<TensorData> ExternalDataResolver::read(const onnx::TensorProto& tensor, size_t byte_size,
                                              const std::string& what) {
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      std::optional<uint64_t> parsed = parse_byte_count(entry.value());
      if (!parsed)
        return make_error(what + ": external data " + entry.key() + " '" + entry.value() +
                          "' is not a byte count");
      (entry.key() == "offset" ? offset : length) = parsed;
    }
  }
  if (location.empty()) return make_error(what + ": external data has no location");
  fs::path relative(location);
  if (relative.is_absolute())
    return make_error(what + ": external data location '" + location +
                      "' is absolute; it must be relative to the model's folder");

  std::error_code ec;
  fs::path model_folder = fs::path(model_path_).parent_path();
  if (model_folder.empty()) model_folder = ".";
  fs::path folder = fs::weakly_canonical(fs::absolute(model_folder, ec), ec);
  fs::path resolved = fs::weakly_canonical(fs::absolute(model_folder / relative, ec), ec);
  if (ec || !is_inside(resolved, folder))
    return make_error(what + ": external data location '" + location +
                      "' escapes the model's folder");
  if (!fs::is_regular_file(resolved, ec))
    return make_error(what + ": external data file '" + location + "' does not exist");
  // A hard link is indistinguishable from a file of the folder, yet may share its bytes with
  // any file of the file system, inside the folder or not, so the folder check cannot hold.
  if (fs::hard_link_count(resolved, ec) > 1 || ec)
    return make_error(what + ": external data file '" + location +
                      "' is a hard link; copy the file into the model's folder instead");

  std::shared_ptr<const MappedFile>& mapped = mapped_files_[resolved.string()];
  if (!mapped) {
    Result<std::shared_ptr<const MappedFile>> opened = MappedFile::open(resolved.string());
    if (!opened)
      return make_error(what + ": external data file '" + location +
                        "': " + opened.error().message);
    mapped = *opened;
  }

  uint64_t start = offset.value_or(0);
  if (length && *length != byte_size)
    return make_error(what + ": external data length " + std::to_string(*length) +
                      " does not match the tensor's size of " + std::to_string(byte_size) +
                      " bytes");
  if (start > mapped->size() || byte_size > mapped->size() - start)
    return make_error(what + ": external data (offset " + std::to_string(start) + ", " +
                      std::to_string(byte_size) + " bytes) runs past the end of '" + location +
                      "' (" + std::to_string(mapped->size()) + " bytes)");
  if (byte_size == 0) return TensorData();
  return TensorData(mapped, mapped->data() + start, byte_size);
}

}  // namespace kiln::onnx_import
