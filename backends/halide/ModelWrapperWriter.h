// ModelWrapperWriter.h: writes NAME_wrapper.c, the glue between the typed C API in NAME.h and
// the Halide-generated kernel functions: it checks arguments, wraps caller buffers and weights
// in halide_buffer_t, owns the intermediate tensors (one arena per concurrent call, planned by
// runtime/kiln_memory_plan.c), calls the kernels in order, routes Halide errors to a per-thread
// message, and defines the descriptor (with the kernel table and a profiling entry).
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

/// One dim of an intermediate tensor: coefficient times the product of up to two symbols.
struct WrapperDim {
  int64_t coefficient = 1;
  std::vector<int> symbols;  ///< indices into ModelInterface::symbols
};

/// An intermediate tensor in the arena.
struct WrapperTensor {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<WrapperDim> dims;  ///< IR order
  bool channels_last = false;    ///< a 4-D tensor stored channels innermost
  int first = 0, last = 0;       ///< kernels (run order) that write it first and read it last
};

/// One argument of a kernel call.
struct WrapperArgument {
  enum class Kind { Symbol, Input, Output, Intermediate, Weight };
  Kind kind = Kind::Input;
  int index = 0;  ///< symbol, graph input, graph output, intermediate or weight index
};

/// One kernel call, in run order.
struct WrapperKernel {
  std::string name, function, template_name, schedule, task;
  int64_t macs_per_unit_run = 0;
  std::vector<WrapperArgument> arguments;  ///< inputs then outputs, as the function takes them
};

/// What the wrapper calls and where the weights come from.
struct WrapperSpec {
  std::vector<WrapperKernel> kernels;
  std::vector<WrapperTensor> intermediates;
  uint64_t arena_bytes_per_unit_run = 0;
  std::vector<WrapperWeight> weights;
  uint64_t weights_size = 0;
  bool external_weights = false;  ///< map NAME.weights at run time instead of a linked symbol
  int64_t macs_per_unit_run = 0;  ///< for the descriptor (every symbolic dim = 1)
  /// The kernels run on a GPU through this Halide device API: "cuda", "opencl", or empty for a
  /// CPU library. A GPU wrapper checks for the driver library before the first run, keeps each
  /// arena's weights and intermediates on the device, copies the outputs back to the caller's
  /// buffers and frees the per-call device copies of inputs and outputs (docs/GPU.md).
  std::string gpu_api;
  std::string target;  ///< the Halide target string, for messages
};

/// The C source of NAME_wrapper.c.
std::string write_model_wrapper(const ModelInterface& model, const WrapperSpec& spec);

/// The symbol that holds embedded weights ("NAME_weights_data").
std::string weights_symbol(const std::string& model_name);

}  // namespace kiln
