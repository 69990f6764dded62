// GraphQueries.h: small read-only questions about a graph that passes and backends both ask.
#pragma once

#include "ir/IR.h"

namespace kiln {

/// True when `value` is one of the graph's outputs.
bool is_graph_output(const Graph& graph, const Value* value);

}  // namespace kiln
