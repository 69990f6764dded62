// KerasFixtures.h: writes the Keras-layout fixture models once per test run (with /usr/bin/python3,
// h5py and torch) and reads their raw float32 inputs and expected outputs.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln::keras_test {

inline std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The fixture folder, written on first use; empty when writing failed. CTest runs every test in
/// its own process, possibly in parallel: each writer uses a private folder and renames it into
/// place, and a folder keyed by the scripts' contents is reused by later processes.
inline const std::string& fixture_dir() {
  static const std::string dir = [] {
    std::string scripts = std::string(KILN_SOURCE_DIR) + "/tests/keras/fixtures/";
    size_t key = std::hash<std::string>{}(file_text(scripts + "write_keras_fixtures.py") +
                                          file_text(scripts + "keras_layouts.py"));
    std::string root = std::string(KILN_BINARY_DIR) + "/test-models";
    std::string final_dir = root + "/keras-" + std::to_string(key);
    if (std::filesystem::exists(final_dir + "/manifest.json")) return final_dir;
    std::string private_dir = final_dir + ".tmp" + std::to_string(::getpid());
    std::string command = "PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 " + scripts + "write_keras_fixtures.py --out " +
                          private_dir + " > /dev/null";
    if (std::system(command.c_str()) != 0) return std::string();
    std::error_code error;
    std::filesystem::rename(private_dir, final_dir, error);
    if (error) std::filesystem::remove_all(private_dir, error);  // another process won the race
    return std::filesystem::exists(final_dir + "/manifest.json") ? final_dir : std::string();
  }();
  return dir;
}

inline nlohmann::json fixture_manifest() {
  std::ifstream in(fixture_dir() + "/manifest.json");
  return nlohmann::json::parse(in, nullptr, false);
}

/// A raw little-endian float32 file as a tensor of `dims`.
inline Tensor read_f32_tensor(const std::string& path, const std::vector<int64_t>& dims) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> values;
  float value;
  while (in.read(reinterpret_cast<char*>(&value), sizeof value)) values.push_back(value);
  return make_float_tensor(dims, values);
}

}  // namespace kiln::keras_test
