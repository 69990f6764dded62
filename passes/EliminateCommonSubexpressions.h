// EliminateCommonSubexpressions.h: the pass that merges nodes computing the same thing.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Merges nodes with the same op, attributes and inputs into the first of them; the later node's
/// outputs are replaced by the earlier node's. A node whose output is a graph output is kept, so
/// output names stay stable.
Status eliminate_common_subexpressions(Graph& graph);

}  // namespace kiln
