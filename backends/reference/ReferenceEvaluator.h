// ReferenceEvaluator.h: constant folding through the reference interpreter. Passes stay
// backend-free (they see only ir/ConstantEvaluator.h); whoever runs them injects this.
#pragma once

#include "backends/reference/ReferenceInterpreter.h"
#include "ir/ConstantEvaluator.h"

namespace kiln {

/// Evaluates one node with run_reference_node.
class ReferenceEvaluator final : public ConstantEvaluator {
 public:
  Result<std::vector<Tensor>> evaluate(const Node& node,
                                       const std::vector<Tensor>& inputs) const override {
    return run_reference_node(node, inputs);
  }
};

}  // namespace kiln
