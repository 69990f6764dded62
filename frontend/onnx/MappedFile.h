// MappedFile.h: read-only memory maps of model and external-data files, shared by the tensors
// that point into them so weights are never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ir/Error.h"

namespace kiln::onnx_import {

/// A whole file mapped read-only. Unmapped when the last shared_ptr to it goes away.
class MappedFile {
 public:
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  /// Maps `path`. Errors (missing file, not a regular file, unreadable) name the file.
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  const uint8_t* data_ = nullptr;  ///< null for an empty file (mmap cannot map zero bytes)
  size_t size_ = 0;
};

}  // namespace kiln::onnx_import
