// DotGraph.h: the `kiln inspect --format dot` Graphviz rendering of a model.
#pragma once

#include <ostream>

#include "ir/IR.h"

namespace kiln::cli {

/// Prints a Graphviz digraph: one box per node labelled "<name>\n<op>\n<output shape>", one
/// ellipse per graph input and output, and an edge along every non-constant value from its
/// producer to each user. Constants (weights) are left out to keep the picture readable.
void print_dot_graph(std::ostream& out, const Graph& graph);

}  // namespace kiln::cli
