// MakeViews.h: the pass that marks pure index remaps as views.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Marks every View op of ir/Ops.def (Flatten, Reshape, Squeeze, Unsqueeze) with the attribute
/// `view = 1`: its output is its input's elements in the same row-major order, so backends may
/// alias the input's buffer or compute the remap inline instead of copying. Reference semantics
/// are unchanged.
Status make_views(Graph& graph);

}  // namespace kiln
