// ChooseLayout.h: the pass that picks the internal storage layout of 4-D activations.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Records `layout = "NHWC"` on every node that produces a 4-D floating-point activation inside
/// the model through an image op (by ir/Ops.def: the Window ops, Conv, the pools and Resize; the
/// Elementwise and Broadcast ops, activations, BatchNormalization, arithmetic, Cast; the
/// kLayoutAgnostic ones, Concat, Pad, Transpose): the backend stores that value
/// channels-innermost, so convolutions vectorise over output channels, and the values' logical
/// shapes stay NCHW. Graph inputs and outputs keep the model's layout (no attribute), so layout
/// conversions happen only where the model's inputs are first read and its outputs written.
Status choose_layout(Graph& graph);

}  // namespace kiln
