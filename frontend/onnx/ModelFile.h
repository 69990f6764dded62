// ModelFile.h: reads and parses an .onnx file into a ModelProto, with one clear error for each
// way a file can fail to be a model.
#pragma once

#include <onnx/onnx_pb.h>

#include <memory>
#include <string>

#include "ir/Error.h"

namespace kiln::onnx_import {

/// Parses the ModelProto in `path`. The parse is bounded (2 GB, protobuf's own nesting limit) and
/// must consume the whole file. Errors name the file: missing, empty, not parseable (truncated,
/// random bytes, text), or parsed but holding no graph. The result is shared so tensors can point
/// into its raw_data strings without copying them.
Result<std::shared_ptr<const onnx::ModelProto>> read_model_file(const std::string& path);

}  // namespace kiln::onnx_import
