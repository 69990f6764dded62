// GraphQueries.cpp: small read-only questions about a graph.
#include "ir/GraphQueries.h"

#include <algorithm>

namespace kiln {

bool is_graph_output(const Graph& graph, const Value* value) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

}  // namespace kiln
