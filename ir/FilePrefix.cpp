// FilePrefix.cpp: the leading bytes of a file.
#include "ir/FilePrefix.h"

#include <algorithm>
#include <fstream>

namespace kiln {

std::string read_file_prefix(const std::string& path, size_t size) {
  std::ifstream in(path, std::ios::binary);
  std::string prefix(size, '\0');
  in.read(prefix.data(), static_cast<std::streamsize>(size));
  prefix.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return prefix;
}

}  // namespace kiln
