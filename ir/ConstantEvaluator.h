// ConstantEvaluator.h: how passes and the ONNX importer evaluate a node whose inputs are all
// constant without depending on a backend. The CLI injects an evaluator built on the reference
// interpreter; without one, constant folding only folds shape arithmetic.
#pragma once

#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Computes the outputs of one node from concrete input tensors.
class ConstantEvaluator {
 public:
  virtual ~ConstantEvaluator() = default;
  /// Returns one tensor per output of `node`, given one tensor per input (an omitted optional
  /// input is an empty Tensor with DType::Unknown).
  virtual Result<std::vector<Tensor>> evaluate(const Node& node,
                                               const std::vector<Tensor>& inputs) const = 0;
};

}  // namespace kiln
