// RemoveIdentity.h: the pass that drops Identity and (inference-mode) Dropout nodes.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Removes every Identity and Dropout node, reading its input directly instead. Graph output
/// names are kept: a removed node's output that is a graph output is given to the producer of its
/// input when nothing else reads that input; otherwise that one node is kept.
Status remove_identity(Graph& graph);

}  // namespace kiln
