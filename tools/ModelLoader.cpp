// ModelLoader.cpp: format detection and the load -> verify -> infer-shapes sequence.
#include "tools/ModelLoader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "backends/reference/ReferenceEvaluator.h"
#include "frontend/keras/KerasImporter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/FilePrefix.h"
#include "ir/ModelLimits.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"
#include "passes/InferShapes.h"

namespace kiln::cli {
namespace {

Error file_error(const std::string& path, std::string message) {
  return Error{path, "", std::move(message)};
}

std::string lowercase_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

/// IR text opens with `graph` once blank lines and comments are skipped.
bool looks_like_ir_text(std::string_view prefix) {
  size_t pos = 0;
  while (pos < prefix.size()) {
    if (std::isspace(static_cast<unsigned char>(prefix[pos]))) {
      ++pos;
    } else if (prefix[pos] == '#' || prefix.substr(pos, 2) == "//") {
      size_t end = prefix.find('\n', pos);
      if (end == std::string_view::npos) return false;
      pos = end + 1;
    } else {
      return prefix.substr(pos, 5) == "graph";
    }
  }
  return false;
}

/// A serialised ModelProto starts with the tag of one of its fields; exporters write ir_version
/// (field 1) first. Checking the first tag rejects text and most random bytes before protobuf
/// gets a chance to parse garbage into an odd model.
bool looks_like_onnx(std::string_view prefix) {
  static constexpr std::array<unsigned char, 9> kModelProtoTags = {0x08, 0x12, 0x1a, 0x22, 0x28,
                                                                   0x32, 0x3a, 0x42, 0x72};
  if (prefix.empty()) return false;
  auto first = static_cast<unsigned char>(prefix[0]);
  if (std::find(kModelProtoTags.begin(), kModelProtoTags.end(), first) != kModelProtoTags.end())
    return true;
  // training_info (field 20) and functions (field 25) need a two-byte tag.
  return prefix.size() >= 2 && (first == 0xa2 || first == 0xca) && prefix[1] == 0x01;
}

Result<Graph> import_by_format(const std::string& path, ModelFormat format,
                               const std::string& keras_weights) {
  if (!keras_weights.empty() && format != ModelFormat::Keras)
    return file_error(path, "--keras-weights is only for Keras models");
  switch (format) {
    case ModelFormat::Onnx: {
      // Values the importer needs while it converts (Pad's pads, Split's sizes) may be computed
      // by the model from constants; the reference interpreter evaluates them.
      static const ReferenceEvaluator evaluator;
      return import_onnx_file(path, {}, &evaluator);
    }
    case ModelFormat::KilnIr:
      return parse_graph_file(path);
    case ModelFormat::Keras:
      return import_keras_file(path, keras_weights);
  }
  return file_error(path, "unrecognised model format");
}

}  // namespace

Result<ModelFormat> detect_model_format(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return file_error(path, "no such file");
  if (!std::filesystem::is_regular_file(status)) return file_error(path, "not a regular file");
  std::string prefix = read_file_prefix(path, 4096);
  if (prefix.empty()) return file_error(path, "file is empty");

  std::string extension = lowercase_extension(path);
  if (looks_like_keras_file(path)) return ModelFormat::Keras;  // HDF5, .keras zip or Keras JSON
  if (extension == ".kir" || looks_like_ir_text(prefix)) return ModelFormat::KilnIr;
  if (looks_like_onnx(prefix)) return ModelFormat::Onnx;
  if (extension == ".onnx") {
    return file_error(path,
                      "not an ONNX model (the file does not start like a protobuf ModelProto)");
  }
  return file_error(path,
                    "unrecognised model format (expected .onnx, .kir IR text, or a Keras .json, "
                    ".h5 or .keras file)");
}

Result<Graph> load_model(const std::string& path, const std::string& keras_weights) {
  Result<ModelFormat> format = detect_model_format(path);
  if (!format) return format.error();
  Result<Graph> graph = import_by_format(path, *format, keras_weights);
  if (!graph) {
    Error error = graph.error();
    if (error.file.empty()) error.file = path;
    return error;
  }
  // The limits are checked before inference too, so that no shape rule computes with absurd
  // input sizes, and after it, for the sizes the rules derive.
  Status status = verify_graph(*graph);
  if (status) status = check_model_limits(*graph);
  if (status) status = infer_shapes(*graph);
  if (status) status = check_model_limits(*graph);
  if (!status) {
    Error error = status.error();
    if (error.file.empty()) error.file = path;
    return error;
  }
  return graph;
}

void add_keras_weights_option(CLI::App& command, std::string& keras_weights) {
  command.add_option("--keras-weights", keras_weights,
                     "Weights (.h5 / .weights.h5) of a Keras JSON model description");
}

}  // namespace kiln::cli
