// ImportFolding.h: values the importer must know while it converts (Pad's pads, Split's sizes,
// ConstantOfShape's shape, CastLike's target type) when the model computes them with small
// shape computations (ConstantOfShape -> Concat -> Reshape -> Slice -> Cast, Shape -> Cast ->
// Div -> Ceil ...) rather than storing them as constants.
//
// Folding is on demand and leaves the graph as it is: the importer asks for a value, the nodes
// that compute it are evaluated on constants (through the injected evaluator), with shapes from
// the shape rules run over the nodes built so far. Elements that depend on a symbolic dim stay
// unknown while they flow through elementwise arithmetic and element-moving ops (so the batch
// element of a Shape can be cut off by a Split or Slice), and the value folds when none of its
// own elements is unknown. Without an evaluator only shape arithmetic (the shape rules' known
// dims) folds.
#pragma once

#include <optional>

#include "frontend/onnx/NodeConverter.h"

namespace kiln::onnx_import {

/// The contents of `value` when they follow from constants and static shapes; nullopt when they
/// depend on run-time data (or on an unknown dim), or their computation is not small.
std::optional<Tensor> fold_at_import(GraphBuilder& builder, const Value* value);

/// The type of `value` as the shape rules infer it from the nodes built so far; an unknown type
/// when they cannot.
TensorType type_at_import(GraphBuilder& builder, const Value* value);

/// Forgets the types and known dims folding inferred on node outputs: an imported graph carries
/// only the types the model declares (shape inference runs next).
void forget_import_types(Graph& graph);

}  // namespace kiln::onnx_import
