// KerasFuzz.h: what the three Keras fuzz targets run on their input file: import (which
// verifies), model limits and shape inference, as `kiln inspect` does before its passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "frontend/keras/KerasImporter.h"
#include "fuzz/FuzzFile.h"
#include "ir/ModelLimits.h"
#include "passes/InferShapes.h"

namespace kiln::fuzz {

/// Writes the input as `file_name` and imports it as a Keras model.
inline void import_keras_input(const std::string& file_name, const uint8_t* data, size_t size) {
  std::string path = write_scratch_file(file_name, data, size);
  Result<Graph> graph = import_keras_file(path);
  if (!graph) return;
  Status status = check_model_limits(*graph);
  if (status) status = infer_shapes(*graph);
  if (status) (void)check_model_limits(*graph);
}

}  // namespace kiln::fuzz
