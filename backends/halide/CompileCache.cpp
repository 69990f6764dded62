// CompileCache.cpp: cache folders, atomic commits and the build identity.
#include "backends/halide/CompileCache.h"

#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;

namespace kiln {
namespace {

// The GNU build id note of the main executable, as hex; empty when it has none.
std::string executable_build_id() {
  std::string id;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) -> int {
        std::string& out = *static_cast<std::string*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
              for (unsigned k = 0; k < note->n_descsz; ++k) {
                char hex[3];
                std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(desc[k]));
                out += hex;
              }
              return 1;
            }
            p = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;  // only the first object: the executable
      },
      &id);
  return id;
}

}  // namespace

std::string default_cache_dir() {
  if (const char* dir = std::getenv("KILN_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "kiln").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".cache" / "kiln").string();
  return "";
}

const std::string& kiln_build_identity() {
  static const std::string identity = [] {
    std::string id = executable_build_id();
    if (id.empty()) {
      struct stat st;
      if (stat("/proc/self/exe", &st) == 0)
        id = std::to_string(st.st_size) + "-" + std::to_string(st.st_mtime);
    }
    return std::string(KILN_VERSION) + "+" + id;
  }();
  return identity;
}

std::string CompileCache::path_for(const std::string& kind, const std::string& key) const {
  return (fs::path(dir_) / kind / (key + ".o")).string();
}

std::optional<std::string> CompileCache::lookup(const std::string& kind,
                                                const std::string& key) const {
  if (!enabled()) return std::nullopt;
  std::error_code error;
  const std::string path = path_for(kind, key);
  if (fs::is_regular_file(path, error) && fs::file_size(path, error) > 0) return path;
  return std::nullopt;
}

Result<std::string> CompileCache::temporary_path(const std::string& kind,
                                                 const std::string& key) const {
  static std::atomic<int> counter{0};
  std::error_code error;
  const fs::path folder = fs::path(dir_) / kind;
  fs::create_directories(folder, error);
  if (error)
    return Error{folder.string(), "", "cannot create the cache folder: " + error.message()};
  return (folder /
          (key + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++) + ".o"))
      .string();
}

Result<std::string> CompileCache::commit(const std::string& kind, const std::string& key,
                                         const std::string& temporary) const {
  const std::string path = path_for(kind, key);
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return Error{path, "", "cannot write to the cache: " + error.message()};
  return path;
}

}  // namespace kiln
