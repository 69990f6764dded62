// Hdf5Reader.cpp: the libhdf5 calls behind Hdf5Reader, with every handle closed on every path.
#include "frontend/keras/Hdf5Reader.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "ir/ModelLimits.h"

namespace kiln::keras_import {
namespace {

/// The most a dataset's data may exceed its stored size (deflate's ceiling is 1032:1).
constexpr uint64_t kMaxStoredRatio = 1032;

/// Closes an hid_t with the matching H5?close when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void silence_hdf5_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

/// Reads every element of a string-typed attribute, fixed- or variable-length.
Result<std::vector<std::string>> read_string_elements(hid_t attribute, hid_t type,
                                                      const std::string& what) {
  Handle space(H5Aget_space(attribute), H5Sclose);
  hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) return make_error("cannot read the dataspace of " + what);
  std::vector<std::string> strings;
  Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_cset(memory_type.get(), H5Tget_cset(type));
  if (H5Tis_variable_str(type) > 0) {
    H5Tset_size(memory_type.get(), H5T_VARIABLE);
    std::vector<char*> pointers(static_cast<size_t>(count), nullptr);
    if (count > 0 && H5Aread(attribute, memory_type.get(), pointers.data()) < 0)
      return make_error("cannot read " + what);
    for (char* text : pointers) strings.emplace_back(text ? text : "");
    if (count > 0) H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
    return strings;
  }
  size_t width = H5Tget_size(type);
  H5Tset_size(memory_type.get(), width);
  // numpy writes null-padded strings that fill their width; a null-terminated memory type
  // would drop their last character.
  H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD);
  std::vector<char> buffer(static_cast<size_t>(count) * width + 1, '\0');
  if (count > 0 && H5Aread(attribute, memory_type.get(), buffer.data()) < 0)
    return make_error("cannot read " + what);
  for (hssize_t i = 0; i < count; ++i) {
    const char* start = buffer.data() + static_cast<size_t>(i) * width;
    strings.emplace_back(start, strnlen(start, width));
  }
  return strings;
}

/// A dataset's dims and the bytes they claim as float32 (none when past 2^63).
struct DatasetShape {
  std::vector<int64_t> dims;
  std::optional<int64_t> float_bytes;
};

/// The shape of an open dataset, or none when libhdf5 cannot read it.
std::optional<DatasetShape> dataset_shape(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) return std::nullopt;
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  DatasetShape shape;
  int64_t bytes = sizeof(float);
  bool overflow = false;
  for (hsize_t dim : dims) {
    shape.dims.push_back(static_cast<int64_t>(dim));
    overflow |= dim > static_cast<hsize_t>(INT64_MAX) ||
                __builtin_mul_overflow(bytes, static_cast<int64_t>(dim), &bytes);
  }
  if (!overflow) shape.float_bytes = bytes;
  return shape;
}

}  // namespace

int64_t Hdf5Reader::claimed_float_bytes(const std::string& path) const {
  if (!exists(path)) return 0;
  Handle dataset(H5Dopen2(file_, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return 0;
  std::optional<DatasetShape> shape = dataset_shape(dataset.get());
  if (!shape) return 0;
  return shape->float_bytes.value_or(INT64_MAX);
}

Hdf5Reader::Hdf5Reader(hid_t file, std::string display_name, std::vector<uint8_t> image)
    : file_(file), display_name_(std::move(display_name)), image_(std::move(image)) {}

Hdf5Reader::~Hdf5Reader() {
  if (file_ >= 0) H5Fclose(file_);
}

Result<std::shared_ptr<Hdf5Reader>> Hdf5Reader::open(const std::string& path) {
  silence_hdf5_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0)
    return Error{path, "", "not a readable HDF5 file (missing, truncated or corrupt)"};
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return Error{path, "", "cannot open the HDF5 file (truncated or corrupt?)"};
  return std::shared_ptr<Hdf5Reader>(new Hdf5Reader(file, path, {}));
}

Result<std::shared_ptr<Hdf5Reader>> Hdf5Reader::open_image(std::vector<uint8_t> image,
                                                           const std::string& display_name) {
  silence_hdf5_errors();
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // The core driver reads the image in place; the buffer outlives the file through image_.
  if (image.empty() || H5Pset_fapl_core(access.get(), 1 << 16, false) < 0 ||
      H5Pset_file_image(access.get(), image.data(), image.size()) < 0)
    return Error{display_name, "", "cannot read the HDF5 image (empty or corrupt)"};
  hid_t file = H5Fopen(display_name.c_str(), H5F_ACC_RDONLY, access.get());
  if (file < 0) return Error{display_name, "", "not a readable HDF5 file (truncated or corrupt?)"};
  return std::shared_ptr<Hdf5Reader>(new Hdf5Reader(file, display_name, std::move(image)));
}

bool Hdf5Reader::exists(const std::string& path) const {
  std::string prefix;
  for (const std::string& part : split_path(path)) {
    prefix += "/" + part;
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

bool Hdf5Reader::is_group(const std::string& path) const {
  if (!exists(path)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(file_, path.empty() ? "/" : path.c_str(), &info, H5P_DEFAULT) < 0)
    return false;
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> Hdf5Reader::children(const std::string& path) const {
  std::vector<std::string> names;
  if (!is_group(path)) return names;
  Handle group(H5Gopen2(file_, path.empty() ? "/" : path.c_str(), H5P_DEFAULT), H5Gclose);
  H5G_info_t info;
  if (!group.valid() || H5Gget_info(group.get(), &info) < 0) return names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t size = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                      H5P_DEFAULT);
    if (size < 0) continue;
    std::string name(static_cast<size_t>(size) + 1, '\0');
    H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<size_t>(size));
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool Hdf5Reader::has_attribute(const std::string& path, const std::string& name) const {
  if (!exists(path)) return false;
  return H5Aexists_by_name(file_, path.empty() ? "/" : path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

Result<std::vector<std::string>> Hdf5Reader::string_list_attribute(const std::string& path,
                                                                   const std::string& name) const {
  std::string what = "attribute '" + name + "' of '" + (path.empty() ? "/" : path) + "'";
  if (!has_attribute(path, name)) {
    // Keras splits attributes over 64 KiB into name0, name1, ...
    if (!has_attribute(path, name + "0")) return Error{display_name_, "", "missing " + what};
    std::vector<std::string> all;
    for (int chunk = 0; has_attribute(path, name + std::to_string(chunk)); ++chunk) {
      Result<std::vector<std::string>> part =
          string_list_attribute(path, name + std::to_string(chunk));
      if (!part) return part.error();
      all.insert(all.end(), part->begin(), part->end());
    }
    return all;
  }
  Handle attribute(H5Aopen_by_name(file_, path.empty() ? "/" : path.c_str(), name.c_str(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                   H5Aclose);
  if (!attribute.valid()) return Error{display_name_, "", "cannot open " + what};
  Handle type(H5Aget_type(attribute.get()), H5Tclose);
  H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_STRING) {
    Handle space(H5Aget_space(attribute.get()), H5Sclose);
    if (H5Sget_simple_extent_npoints(space.get()) == 0) return std::vector<std::string>{};
    return Error{display_name_, "", what + " is not a string"};
  }
  Result<std::vector<std::string>> strings =
      read_string_elements(attribute.get(), type.get(), what);
  if (!strings) return Error{display_name_, "", strings.error().message};
  return strings;
}

Result<std::string> Hdf5Reader::string_attribute(const std::string& path,
                                                 const std::string& name) const {
  Result<std::vector<std::string>> strings = string_list_attribute(path, name);
  if (!strings) return strings.error();
  if (strings->size() != 1)
    return Error{display_name_, "", "attribute '" + name + "' is not a single string"};
  return strings->front();
}

Result<WeightArray> Hdf5Reader::read_floats(const std::string& path) const {
  if (!exists(path)) return Error{display_name_, "", "missing dataset '" + path + "'"};
  Handle dataset(H5Dopen2(file_, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return Error{display_name_, "", "'" + path + "' is not a dataset"};
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    return Error{display_name_, "", "dataset '" + path + "' is not numeric"};
  std::optional<DatasetShape> shape = dataset_shape(dataset.get());
  if (!shape) return Error{display_name_, "", "cannot read the shape of '" + path + "'"};
  WeightArray array;
  array.name = path;
  array.dims = shape->dims;
  // The dims are checked before anything is allocated: HDF5 stores a dataset lazily, so a
  // small file may claim terabytes (or store no data at all).
  const bool overflow = !shape->float_bytes;
  const int64_t bytes = shape->float_bytes.value_or(0);
  if (overflow || bytes > kMaxTensorBytes)
    return Error{display_name_, "",
                 "dataset '" + path + "' claims " +
                     (overflow ? std::string("more than 2^63") : std::to_string(bytes)) +
                     " bytes of floats; Kiln compiles tensors of at most 2^31 - 1 bytes"};
  const size_t count = static_cast<size_t>(bytes) / sizeof(float);
  const uint64_t stored = count > 0 ? H5Dget_storage_size(dataset.get()) : 0;
  if (count > 0 && stored == 0)
    return Error{display_name_, "", "dataset '" + path + "' stores no data"};
  // Deflate, the filter Keras files use, cannot compress by more than about 1032:1; a dataset
  // claiming more than that over what it stores would have Kiln allocate what the file lacks.
  if (static_cast<uint64_t>(bytes) / kMaxStoredRatio > stored)
    return Error{display_name_, "",
                 "dataset '" + path + "' claims " + std::to_string(bytes) +
                     " bytes but stores only " + std::to_string(stored)};
  array.values.resize(count);
  if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           array.values.data()) < 0)
    return Error{display_name_, "", "cannot read dataset '" + path + "' (truncated file?)"};
  return array;
}

}  // namespace kiln::keras_import
