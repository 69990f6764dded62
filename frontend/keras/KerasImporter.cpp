// KerasImporter.cpp: recognises the Keras file formats and pairs each model config with its
// weights before handing both to build_keras_graph.
#include "frontend/keras/KerasImporter.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/keras/Hdf5File.h"
#include "frontend/keras/KerasArchive.h"
#include "frontend/keras/KerasGraphImport.h"
#include "ir/FilePrefix.h"

namespace kiln {
namespace {

using namespace keras_import;

enum class KerasFormat { Json, Hdf5, Zip, Unknown };

KerasFormat detect_format(const std::string& path) {
  std::string prefix = read_file_prefix(path, 4096);
  if (prefix.rfind("\x89HDF\r\n\x1a\n", 0) == 0) return KerasFormat::Hdf5;
  if (prefix.rfind("PK\x03\x04", 0) == 0) return KerasFormat::Zip;
  size_t first = prefix.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && prefix[first] == '{' &&
      prefix.find("\"class_name\"") != std::string::npos)
    return KerasFormat::Json;
  return KerasFormat::Unknown;
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "", "cannot open the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Weights in an HDF5 file of either layout, detected from its groups.
class Hdf5WeightSource : public WeightSource {
 public:
  explicit Hdf5WeightSource(std::shared_ptr<Hdf5File> file) : file_(std::move(file)) {}
  Result<LayerWeights> read(const std::vector<WeightedLayer>& layers) const override {
    if (file_->is_group("model_weights"))
      return read_legacy_weights(*file_, "model_weights", layers);
    if (file_->has_attribute("", "layer_names") || file_->has_attribute("", "layer_names0"))
      return read_legacy_weights(*file_, "", layers);
    return read_keras3_weights(*file_, layers);
  }

 private:
  std::shared_ptr<Hdf5File> file_;
};

/// The HDF5 files one import opened, to ask afterwards whether a reader process failed.
using OpenedFiles = std::vector<std::shared_ptr<Hdf5File>>;

Result<std::shared_ptr<Hdf5File>> open_hdf5(const std::string& path, OpenedFiles& opened) {
  Result<std::shared_ptr<Hdf5File>> file = Hdf5File::open(path);
  if (file) opened.push_back(*file);
  return file;
}

/// The import's result, unless an HDF5 reader process crashed or hung on the way: then its
/// error, which explains the answers the importer went without.
Result<Graph> unless_a_reader_failed(Result<Graph> result, const OpenedFiles& opened) {
  for (const std::shared_ptr<Hdf5File>& file : opened)
    if (file->failure()) return *file->failure();
  return result;
}

/// The keras_version attribute of an HDF5 file, or "".
std::string hdf5_keras_version(const Hdf5File& file) {
  if (!file.has_attribute("", "keras_version")) return "";
  Result<std::string> version = file.string_attribute("", "keras_version");
  return version ? *version : "";
}

/// The weights of an explicit weights file, or of the model file itself.
Result<std::shared_ptr<Hdf5File>> open_weights(const std::string& weights_path,
                                               std::shared_ptr<Hdf5File> own, OpenedFiles& opened) {
  if (weights_path.empty()) return own;
  return open_hdf5(weights_path, opened);
}

Result<Graph> import_hdf5_model(const std::string& path, const std::string& weights_path,
                                OpenedFiles& opened) {
  Result<std::shared_ptr<Hdf5File>> file = open_hdf5(path, opened);
  if (!file) return file.error();
  if (!(*file)->has_attribute("", "model_config"))
    return Error{path, "",
                 "this HDF5 file holds only weights (no model_config attribute): import the "
                 "model's JSON with it as the weights file"};
  Result<std::string> config = (*file)->string_attribute("", "model_config");
  if (!config) return config.error();
  Result<KerasModel> model = parse_keras_model(*config, path, hdf5_keras_version(**file));
  if (!model) return model.error();
  Result<std::shared_ptr<Hdf5File>> weights = open_weights(weights_path, *file, opened);
  if (!weights) return weights.error();
  Hdf5WeightSource source(*weights);
  return build_keras_graph(*model, &source, path);
}

Result<Graph> import_keras_archive(const std::string& path, const std::string& weights_path,
                                   OpenedFiles& opened) {
  Result<std::optional<std::vector<uint8_t>>> config =
      read_zip_member(path, "config.json", kMaxJsonMemberBytes);
  if (!config) return config.error();
  if (!*config) return Error{path, "", "the archive has no config.json: not a .keras file"};
  std::string version;
  Result<std::optional<std::vector<uint8_t>>> metadata =
      read_zip_member(path, "metadata.json", kMaxJsonMemberBytes);
  if (metadata && *metadata &&
      !keras_import::json_nests_deeper_than(
          std::string_view(reinterpret_cast<const char*>((*metadata)->data()), (*metadata)->size()),
          keras_import::kMaxJsonNesting)) {
    nlohmann::json parsed = nlohmann::json::parse((*metadata)->begin(), (*metadata)->end(), nullptr,
                                                  /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("keras_version") &&
        parsed["keras_version"].is_string())
      version = parsed["keras_version"];
  }
  Result<KerasModel> model =
      parse_keras_model(std::string((*config)->begin(), (*config)->end()), path, version);
  if (!model) return model.error();
  std::shared_ptr<Hdf5File> weights_file;
  if (weights_path.empty()) {
    Result<std::optional<std::vector<uint8_t>>> image =
        read_zip_member(path, "model.weights.h5", kMaxWeightsMemberBytes);
    if (!image) return image.error();
    if (!*image) return Error{path, "", "the archive has no model.weights.h5"};
    Result<std::shared_ptr<Hdf5File>> image_file =
        Hdf5File::open_image(std::move(**image), path + ":model.weights.h5");
    if (!image_file) return image_file.error();
    weights_file = *image_file;
    opened.push_back(weights_file);
  } else {
    Result<std::shared_ptr<Hdf5File>> file = open_hdf5(weights_path, opened);
    if (!file) return file.error();
    weights_file = *file;
  }
  Hdf5WeightSource source(weights_file);
  return build_keras_graph(*model, &source, path);
}

Result<Graph> import_json_model(const std::string& path, const std::string& weights_path,
                                OpenedFiles& opened) {
  Result<std::string> text = read_text(path);
  if (!text) return text.error();
  std::string version;
  std::shared_ptr<Hdf5File> weights_file;
  if (!weights_path.empty()) {
    Result<std::shared_ptr<Hdf5File>> file = open_hdf5(weights_path, opened);
    if (!file) return file.error();
    weights_file = *file;
    version = hdf5_keras_version(*weights_file);
  }
  // The JSON's own keras_version wins over the weights file's (old weights files have none).
  Result<KerasModel> model = parse_keras_model(*text, path, "");
  if (!model) return model.error();
  if (model->keras_version.empty() && !version.empty()) {
    model = parse_keras_model(*text, path, version);
    if (!model) return model.error();
  }
  if (!weights_file) return build_keras_graph(*model, nullptr, path);
  Hdf5WeightSource source(weights_file);
  return build_keras_graph(*model, &source, path);
}

}  // namespace

Result<Graph> import_keras_file(const std::string& path, const std::string& weights_path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    return Error{path, "", "no such file (or not a regular file)"};
  if (!weights_path.empty() && !std::filesystem::is_regular_file(weights_path, error))
    return Error{weights_path, "", "no such weights file (or not a regular file)"};
  OpenedFiles opened;
  switch (detect_format(path)) {
    case KerasFormat::Hdf5:
      return unless_a_reader_failed(import_hdf5_model(path, weights_path, opened), opened);
    case KerasFormat::Zip:
      return unless_a_reader_failed(import_keras_archive(path, weights_path, opened), opened);
    case KerasFormat::Json:
      return unless_a_reader_failed(import_json_model(path, weights_path, opened), opened);
    case KerasFormat::Unknown:
      break;
  }
  std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".json")  // names the JSON error
    return unless_a_reader_failed(import_json_model(path, weights_path, opened), opened);
  return Error{path, "", "not a Keras model (expected model JSON, HDF5 or a .keras zip)"};
}

bool looks_like_keras_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  KerasFormat format = detect_format(path);
  if (extension == ".json") return true;  // even malformed: the Keras importer reports it
  if (extension == ".keras") return true;
  if (extension == ".h5" || extension == ".hdf5") return true;
  return format == KerasFormat::Hdf5 || format == KerasFormat::Json ||
         (format == KerasFormat::Zip && [&] {
           Result<std::optional<std::vector<uint8_t>>> config =
               read_zip_member(path, "config.json", kMaxJsonMemberBytes);
           return config && config->has_value();
         }());
}

}  // namespace kiln
