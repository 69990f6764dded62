// KerasFuzz.h: what the three Keras fuzz targets run on their input file: import (which
// verifies), model limits and shape inference, as `kiln inspect` does before its passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "frontend/keras/Hdf5File.h"
#include "frontend/keras/KerasImporter.h"
#include "fuzz/FuzzFile.h"
#include "ir/ModelLimits.h"
#include "passes/InferShapes.h"

namespace kiln::fuzz {

/// Writes the input as `file_name` and imports it as a Keras model. HDF5 is read in this
/// process, not in the importer's child process, so that libFuzzer sees (and is guided by) the
/// reader's coverage; a crash inside libhdf5 is then set aside by scripts/fuzz.sh, and in
/// `kiln` it ends only the reader process (frontend/keras/Hdf5File.h).
inline void import_keras_input(const std::string& file_name, const uint8_t* data, size_t size) {
  keras_import::Hdf5File::set_isolated(false);
  std::string path = write_scratch_file(file_name, data, size);
  Result<Graph> graph = import_keras_file(path);
  if (!graph) return;
  Status status = check_model_limits(*graph);
  if (status) status = infer_shapes(*graph);
  if (status) (void)check_model_limits(*graph);
}

}  // namespace kiln::fuzz
