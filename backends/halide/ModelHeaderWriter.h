// ModelHeaderWriter.h: writes the generated NAME.h, the typed C API of a compiled model.
#pragma once

#include <string>

#include "backends/halide/ModelInterface.h"

namespace kiln {

/// The text of NAME.h: a header comment documenting every input and output (dtype, shape,
/// layout, symbolic dims), the embedded model ABI (runtime/kiln_model_abi.h), the typed
/// NAME_inputs / NAME_outputs structs and the entry points NAME_run, NAME_last_error,
/// NAME_set_num_threads and NAME_describe. Valid C and C++.
std::string write_model_header(const ModelInterface& model, const std::string& source_model);

}  // namespace kiln
