// NpyFile.h: reads and writes NumPy .npy files (format versions 1-3, C order), the tensor
// exchange format of `kiln run`.
#pragma once

#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Reads an .npy file into a Tensor. Errors name the file: bad magic, unsupported dtype,
/// Fortran order, a header that does not parse, or data shorter than the shape needs.
Result<Tensor> read_npy_file(const std::string& path);

/// Writes a Tensor as an .npy (version 1.0) file.
Status write_npy_file(const std::string& path, const Tensor& tensor);

}  // namespace kiln
