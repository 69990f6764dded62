// Hdf5Reader.h: a small read-only view of an HDF5 file through libhdf5's C API, in this process,
// holding just what the Keras weight layouts need: groups, string attributes and float datasets.
// Importers use Hdf5File (Hdf5File.h), which runs this reader in a child process.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::keras_import {

/// An array read from a dataset, converted to float32 (row-major, dims as stored).
struct WeightArray {
  std::string name;  ///< the dataset path or weight name it came from
  std::vector<int64_t> dims;
  std::vector<float> values;
};

/// An HDF5 file open in this process. Every failure is an Error naming `display_name`; libhdf5's
/// own error printing is silenced. A corrupt file can still crash libhdf5 itself.
class Hdf5Reader {
 public:
  /// Opens a file on disk.
  static Result<std::shared_ptr<Hdf5Reader>> open(const std::string& path);
  /// Opens an in-memory file image (a model.weights.h5 read out of a .keras zip).
  static Result<std::shared_ptr<Hdf5Reader>> open_image(std::vector<uint8_t> image,
                                                        const std::string& display_name);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  const std::string& display_name() const { return display_name_; }
  /// True when an object (group or dataset) exists at `path`.
  bool exists(const std::string& path) const;
  bool is_group(const std::string& path) const;
  /// Names of the direct children of the group at `path`, sorted.
  std::vector<std::string> children(const std::string& path) const;
  /// True when the object at `path` carries attribute `name`.
  bool has_attribute(const std::string& path, const std::string& name) const;
  /// A string attribute (fixed- or variable-length); a list attribute joins nothing and fails.
  Result<std::string> string_attribute(const std::string& path, const std::string& name) const;
  /// A list-of-strings attribute (fixed- or variable-length elements; an empty float array,
  /// as old h5py writes for no names, is an empty list).
  Result<std::vector<std::string>> string_list_attribute(const std::string& path,
                                                         const std::string& name) const;
  /// Reads a numeric dataset as float32.
  Result<WeightArray> read_floats(const std::string& path) const;
  /// The bytes a numeric dataset at `path` claims as float32 (what read_floats would read),
  /// or 0 where it is missing, not numeric or unreadable; saturates at INT64_MAX.
  int64_t claimed_float_bytes(const std::string& path) const;

 private:
  Hdf5Reader(hid_t file, std::string display_name, std::vector<uint8_t> image);
  hid_t file_;
  std::string display_name_;
  std::vector<uint8_t> image_;  ///< keeps an in-memory image alive while the file is open
};

}  // namespace kiln::keras_import
