// ModelLoader.h: the one place where CLI subcommands turn a model path into a checked,
// shape-inferred Graph, whatever the model's format.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::cli {

/// The model formats Kiln recognises.
enum class ModelFormat { Onnx, KilnIr, Keras };

/// Works out a file's format from its extension and its first bytes. Fails, naming the file,
/// when the file is missing, not a regular file, empty, or of no recognised format.
Result<ModelFormat> detect_model_format(const std::string& path);

/// Loads the model at `path` (ONNX, Kiln IR text or Keras), verifies it and infers every shape. Every
/// error names the file. `keras_weights` names the weights file (.h5 / .weights.h5) of a Keras
/// JSON description; it is an error for other formats.
Result<Graph> load_model(const std::string& path, const std::string& keras_weights = "");

/// Adds `--keras-weights FILE` to a subcommand.
void add_keras_weights_option(CLI::App& command, std::string& keras_weights);

}  // namespace kiln::cli
