// FoldConstants.h: the constant-folding pass, shape arithmetic included.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"
#include "passes/PassManager.h"

namespace kiln {

/// Turns node outputs whose values are known at compile time into constants and removes the
/// nodes that computed them:
/// - integer values whose `known_dims` (set by infer-shapes) are all static, such as the result
///   of Shape -> Gather -> Concat on a static shape: shape arithmetic needs no evaluator;
/// - outputs of nodes whose inputs are all constant, evaluated by `context.evaluator` when one is
///   given (a node the evaluator rejects is left as it is).
/// Graph outputs are never folded, so the model's outputs stay computed. Constants that only fed
/// folded nodes are removed.
Status fold_constants(Graph& graph, const PassContext& context);

}  // namespace kiln
