// StableHash.cpp: FNV-1a, twice, through splitmix64's finaliser.
#include "ir/StableHash.h"

#include <cstdint>
#include <cstdio>

namespace kiln {
namespace {

uint64_t fnv1a(const std::string& text, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t mix(uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::string stable_hash(const std::string& text) {
  const uint64_t a = mix(fnv1a(text, 0xcbf29ce484222325ull));
  const uint64_t b =
      mix(fnv1a(text, 0x84222325cbf29ce4ull) ^ (text.size() * 0x9e3779b97f4a7c15ull));
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return out;
}

}  // namespace kiln
