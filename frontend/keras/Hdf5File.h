// Hdf5File.h: the HDF5 files the Keras importer reads, through libhdf5 run in a child process,
// so that a file that crashes or hangs libhdf5 (a library with a long CVE history) gives Kiln's
// caller one clear error instead of taking the process down.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/keras/Hdf5Reader.h"
#include "ir/Error.h"

namespace kiln::keras_import {

class Hdf5ReaderProcess;

/// A read-only HDF5 file. By default an Hdf5Reader serves it from a child process, one request
/// at a time; when that process crashes, is killed or does not answer within a time limit, the
/// file records the failure, later answers are empty, and importers report failure() rather
/// than what they concluded from the missing answers.
class Hdf5File {
 public:
  /// Opens a file on disk.
  static Result<std::shared_ptr<Hdf5File>> open(const std::string& path);
  /// Opens an in-memory file image (a model.weights.h5 read out of a .keras zip).
  static Result<std::shared_ptr<Hdf5File>> open_image(std::vector<uint8_t> image,
                                                      const std::string& display_name);
  /// Whether files opened from now on are read in a child process (the default). The fuzz
  /// targets read in this process, so that libFuzzer sees the reader's coverage.
  static void set_isolated(bool isolated);

  ~Hdf5File();
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& display_name() const { return display_name_; }
  /// True when an object (group or dataset) exists at `path`.
  bool exists(const std::string& path) const;
  bool is_group(const std::string& path) const;
  /// Names of the direct children of the group at `path`, sorted.
  std::vector<std::string> children(const std::string& path) const;
  /// True when the object at `path` carries attribute `name`.
  bool has_attribute(const std::string& path, const std::string& name) const;
  /// A string attribute (see Hdf5Reader::string_attribute).
  Result<std::string> string_attribute(const std::string& path, const std::string& name) const;
  /// A list-of-strings attribute (see Hdf5Reader::string_list_attribute).
  Result<std::vector<std::string>> string_list_attribute(const std::string& path,
                                                         const std::string& name) const;
  /// Reads a numeric dataset as float32.
  Result<WeightArray> read_floats(const std::string& path) const;
  /// Why the reader process stopped answering (it crashed, hung or was killed), once it has.
  const std::optional<Error>& failure() const { return failure_; }

 private:
  Hdf5File(std::string display_name, std::shared_ptr<Hdf5Reader> local,
           std::unique_ptr<Hdf5ReaderProcess> process);
  std::string display_name_;
  std::shared_ptr<Hdf5Reader> local_;           ///< set when read in this process
  std::unique_ptr<Hdf5ReaderProcess> process_;  ///< set when read in a child process
  mutable std::optional<Error> failure_;
};

}  // namespace kiln::keras_import
