// FuzzFile.cpp: the fuzz targets' per-process scratch folder.
#include "fuzz/FuzzFile.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kiln::fuzz {

const std::string& scratch_folder() {
  static const std::string folder = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/kiln-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("kiln fuzz: mkdtemp");
      std::abort();
    }
    static std::string made = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(made, ec);
    });
    return pattern;
  }();
  return folder;
}

std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = scratch_folder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::perror("kiln fuzz: writing the scratch file");
    std::abort();
  }
  return path;
}

}  // namespace kiln::fuzz
