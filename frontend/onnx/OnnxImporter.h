// OnnxImporter.h: reads an .onnx file into Kiln IR.
#pragma once

#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Loads an ONNX model file into a Graph. Handles opsets 7-18 of every supported op,
/// initializers in all encodings, Constant nodes, inputs that are also initializers, dim_param
/// symbolic dimensions and external data (resolved inside the model's folder). Weights of
/// external data and large raw_data are shared, not copied. Every error names the file; a model
/// with unsupported ops gets one error listing all of them (op type, node names, domain, opset).
/// The graph is not shape-inferred: run passes/InferShapes.h next.
Result<Graph> import_onnx_file(const std::string& path);

}  // namespace kiln
