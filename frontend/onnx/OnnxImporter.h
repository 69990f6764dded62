// OnnxImporter.h: reads an .onnx file into Kiln IR.
#pragma once

#include <map>
#include <string>

#include "ir/ConstantEvaluator.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Loads an ONNX model file into a Graph. Handles opsets 6-21 of every supported op,
/// initializers in all encodings, Constant nodes, inputs that are also initializers, dim_param
/// symbolic dimensions and external data (resolved inside the model's folder). Weights of
/// external data and large raw_data are shared, not copied. Every error names the file; a model
/// with unsupported ops gets one error listing all of them (op type, node names, domain, opset).
/// The graph is not shape-inferred: run passes/InferShapes.h next.
Result<Graph> import_onnx_file(const std::string& path);

/// Same, but each graph input named in `constant_inputs` becomes a constant holding the given
/// tensor instead of an input. Test harnesses use it where a model takes as an input what Kiln
/// needs as a constant (the ONNX node tests feed Unsqueeze axes, Clip bounds and Pad pads as
/// inputs). A name that is not a graph input is an error.
Result<Graph> import_onnx_file(const std::string& path,
                               const std::map<std::string, Tensor>& constant_inputs);

/// Same, with `evaluator` computing the values the importer needs while it converts (Pad's pads,
/// Split's sizes ...) from constants when the model computes them rather than storing them
/// (frontend/onnx/ImportFolding.h). Without one, only shape arithmetic on static shapes folds.
Result<Graph> import_onnx_file(const std::string& path,
                               const std::map<std::string, Tensor>& constant_inputs,
                               const ConstantEvaluator* evaluator);

}  // namespace kiln
