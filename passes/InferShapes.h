// InferShapes.h: the shape-inference pass.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Gives every value a dtype and a shape by running each node's shape rule in order. Symbolic
/// dimensions flow through, and shape-computing chains (Shape -> Gather -> Unsqueeze -> Concat ->
/// Reshape) fold into symbolic shapes. Errors name the node, e.g. a Conv whose weight channels do
/// not match its input channels.
Status infer_shapes(Graph& graph);

}  // namespace kiln
