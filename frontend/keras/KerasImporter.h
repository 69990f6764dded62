// KerasImporter.h: reads Keras models (model JSON, legacy .h5 full models, Keras 3 .keras zips,
// JSON plus a separate weights file) into Kiln IR.
#pragma once

#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Loads a Keras model into a Graph built from the same ops as the ONNX frontend (NCHW inside).
/// `path` is a `model.to_json()` file (Keras 1, 2 or 3 layout), a full-model `.h5`/`.hdf5`, or a
/// `.keras` archive. `weights_path`, when given, is a weights file (`save_weights` `.h5` or a
/// Keras 3 `.weights.h5`) whose weights replace any in `path`. A JSON with no weights file imports
/// the structure with placeholder weights (zeros; ones for batch-norm scale and variance).
///
/// The graph keeps Keras's layout at its boundary: image inputs and outputs stay NHWC
/// (channels_last) and Transposes convert to NCHW inside. Input and output names are the Keras
/// layer names; the batch dimension is the symbol `batch`. Every error names the file and, where
/// there is one, the layer; all unsupported layers are reported in one error. The graph is
/// verified but not shape-inferred as a pass: run passes/InferShapes.h next.
Result<Graph> import_keras_file(const std::string& path, const std::string& weights_path = "");

/// True when `path` looks like a Keras model by extension and content: a `.json` holding a
/// model's class_name, an HDF5 file, or a zip archive with a config.json.
bool looks_like_keras_file(const std::string& path);

}  // namespace kiln
