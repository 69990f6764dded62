// StableHash.h: a 128-bit hash of a text, stable across runs, builds and machines (task keys,
// cache keys, kernel function names).
#pragma once

#include <string>

namespace kiln {

/// A 128-bit hash of `text` as 32 hex digits (two FNV-1a hashes with different bases, each
/// finished with splitmix64's mixer).
std::string stable_hash(const std::string& text);

}  // namespace kiln
