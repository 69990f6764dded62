// ChooseLayout.h: the pass that picks a preferred internal storage layout per 4-D activation.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Records `layout = "NHWC"` on each Conv whose 4-D output is read only by Conv or pooling
/// nodes (channel-innermost storage lets the next conv vectorise over input channels). Values
/// without the attribute, graph inputs and graph outputs stay NCHW. Only an annotation: the values'
/// logical shapes stay NCHW, and backends may ignore it (the Halide backend does for now).
Status choose_layout(Graph& graph);

}  // namespace kiln
