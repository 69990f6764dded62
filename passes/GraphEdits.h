// GraphEdits.h: small graph queries and rewrites shared by several passes.
#pragma once

#include <unordered_map>

#include "ir/GraphQueries.h"
#include "ir/IR.h"

namespace kiln {

/// How many node inputs and graph outputs read each value.
std::unordered_map<const Value*, int> count_uses(const Graph& graph);

/// Makes `value` disappear in favour of `replacement`, the value it equals, keeping graph output
/// names stable: when `replacement` is produced by a node whose only use is `through` (the node
/// being removed), that node is rewired to define `value` directly; otherwise every use of `value`
/// is redirected to `replacement`. Returns false, changing nothing, when neither keeps the graph
/// outputs' names. `through` is not removed.
bool forward_value(Graph& graph, Value* value, Value* replacement, const Node* through);

}  // namespace kiln
