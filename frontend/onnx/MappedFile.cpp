// MappedFile.cpp: mmap-backed read-only file views.
#include "frontend/onnx/MappedFile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln::onnx_import {
namespace {

/// Closes the descriptor on every return path; the mapping stays valid after close.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_file_error(path, "no such file");
    return make_file_error(path, std::string("cannot open file: ") + std::strerror(errno));
  }
  FdCloser closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    return make_file_error(path, std::string("cannot stat file: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return make_file_error(path, "not a regular file");
  auto size = static_cast<size_t>(info.st_size);
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0));
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapped == MAP_FAILED)
    return make_file_error(path, std::string("cannot map file: ") + std::strerror(errno));
  return std::shared_ptr<const MappedFile>(
      new MappedFile(static_cast<const uint8_t*>(mapped), size));
}

}  // namespace kiln::onnx_import
