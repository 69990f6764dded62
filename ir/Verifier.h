// Verifier.h: structural checks on a Graph.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Checks that: every op is known and has a legal number of inputs/outputs; every value is
/// defined once (graph input, constant or one node output) and its producer pointer agrees; every
/// node input is defined before use (which rules out cycles); graph outputs are defined; constant
/// data matches its type (size and dtype); known types are consistent where ops demand it (for
/// example elementwise inputs share a dtype). The error names the first offending node.
Status verify_graph(const Graph& graph);

}  // namespace kiln
