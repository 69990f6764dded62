// CompileCache.h: the on-disk cache of compiled kernel objects, keyed by a hash of the kernel's
// IR, schedule, target and Kiln build (LoweredKernel::cache_key). Writers put a temporary file
// in the cache folder and rename it into place, so two compiles sharing a cache never see a
// partial object.
#pragma once

#include <optional>
#include <string>

#include "ir/Error.h"

namespace kiln {

/// $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else $HOME/.cache/kiln (empty if none is set).
std::string default_cache_dir();

/// Kiln's version plus the identity of the running build (its GNU build id, or the size and
/// modification time of the executable), so that a rebuilt compiler never reuses objects of
/// an older one.
const std::string& kiln_build_identity();

/// A folder of cached objects; a default-constructed cache is disabled (every lookup misses).
class CompileCache {
 public:
  CompileCache() = default;
  explicit CompileCache(std::string dir) : dir_(std::move(dir)) {}

  bool enabled() const { return !dir_.empty(); }
  /// The cached object for `key` in `kind` ("kernels", "runtime"), if present.
  std::optional<std::string> lookup(const std::string& kind, const std::string& key) const;
  /// A fresh temporary path in the cache folder for `kind` to write an object to (the folder is
  /// created); commit() moves it into place.
  Result<std::string> temporary_path(const std::string& kind, const std::string& key) const;
  /// Renames `temporary` to the cached object for `key`; returns the final path.
  Result<std::string> commit(const std::string& kind, const std::string& key,
                             const std::string& temporary) const;

 private:
  std::string path_for(const std::string& kind, const std::string& key) const;
  std::string dir_;
};

}  // namespace kiln
