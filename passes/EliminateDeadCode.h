// EliminateDeadCode.h: the pass that removes everything the graph outputs do not depend on.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Removes nodes none of whose outputs reach a graph output, then every value (node output or
/// constant) that no node reads and that is not a graph output. Graph inputs always stay: they
/// are the model's interface.
Status eliminate_dead_code(Graph& graph);

}  // namespace kiln
