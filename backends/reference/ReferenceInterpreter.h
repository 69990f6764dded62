// ReferenceInterpreter.h: a plain C++ interpreter of Kiln IR, written for clarity rather than
// speed. It is the oracle every other backend and test is checked against.
#pragma once

#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Runs `graph` on `inputs` (one concrete tensor per graph input, in graph.inputs order) and
/// returns one tensor per graph output, in graph.outputs order.
///
/// Inputs are checked against the declared input types: dtype, rank, static dims, and symbolic
/// dims (a symbol such as `batch` must bind to the same size everywhere). A mismatch is an error
/// naming the input, e.g. "input 'x': expected f32[batch,3,224,224], got f32[1,3,200,200]".
/// Each node's output types are computed by the shared shape rules (ir/ShapeRules.h) from the
/// concrete input tensors, so the graph need not be shape-inferred beforehand; errors name the
/// node that failed.
Result<std::vector<Tensor>> run_reference(const Graph& graph, const std::vector<Tensor>& inputs);

}  // namespace kiln

namespace kiln {

/// Evaluates one node on concrete input tensors (an omitted optional input is a Tensor with
/// DType::Unknown) and returns one tensor per output. Used to fold constant nodes.
Result<std::vector<Tensor>> run_reference_node(const Node& node,
                                               const std::vector<Tensor>& inputs);

}  // namespace kiln
