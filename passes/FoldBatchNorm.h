// FoldBatchNorm.h: the pass that folds inference BatchNormalization into the Conv or Gemm before
// it.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Folds a BatchNormalization into the Conv (per output channel) or Gemm (per output column) that
/// produces its input, when that output has no other user and is not a graph output, and the
/// weights, bias and batch-norm parameters are f32 constants. The Conv/Gemm gets new scaled
/// weight and bias constants (the old ones may be shared, so they go only once unused) and takes
/// over the BatchNormalization's output value, so its name is kept. Anything else is left alone.
Status fold_batch_norm(Graph& graph);

}  // namespace kiln
