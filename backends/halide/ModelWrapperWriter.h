// ModelWrapperWriter.h: writes NAME_wrapper.c, the glue between the typed C API in NAME.h and
// the Halide-generated pipeline function: it checks arguments, wraps caller buffers and weights
// in halide_buffer_t, routes Halide errors to a per-thread message, and defines the descriptor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/halide/ModelInterface.h"

namespace kiln {

/// One weight argument of the pipeline: where it sits in the blob, and its type.
struct WrapperWeight {
  uint64_t offset = 0;
  DType dtype = DType::Float32;
  std::vector<int64_t> dims;  ///< row-major static shape
};

/// What the wrapper calls and where the weights come from.
struct WrapperSpec {
  std::string pipeline_function;  ///< the Halide function: (user_context, inputs, weights, outputs)
  std::string pipeline_header;    ///< header Halide wrote for it
  std::vector<WrapperWeight> weights;
  uint64_t weights_size = 0;
  bool external_weights = false;  ///< map NAME.weights at run time instead of a linked symbol
  int64_t macs_per_unit_run = 0;  ///< for the descriptor (every symbolic dim = 1)
};

/// The C source of NAME_wrapper.c.
std::string write_model_wrapper(const ModelInterface& model, const WrapperSpec& spec);

/// The symbol that holds embedded weights ("NAME_weights_data").
std::string weights_symbol(const std::string& model_name);

}  // namespace kiln
