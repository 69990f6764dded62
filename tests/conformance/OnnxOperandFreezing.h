// OnnxOperandFreezing.h: ONNX node tests feed some operands as graph inputs (Clip's bounds, Pad's
// pads, Squeeze/Unsqueeze/ReduceMean axes, Dropout's ratio and training_mode) that Kiln's IR holds
// as attributes and so requires to be constant. For those tests the runner turns the graph inputs
// into initializers carrying the test data's values, as any static compiler would see them.
#pragma once

#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::testing {

/// A copy of a model with some graph inputs turned into initializers.
struct FrozenOperands {
  std::string model_path;             ///< the model to import (the original when nothing froze)
  std::vector<size_t> frozen_inputs;  ///< indices (into the test data inputs) now constant
  bool wrote_copy = false;            ///< true when model_path is a temporary file to delete
};

/// Freezes the attribute-like operands of `model_path` fed by graph inputs, reading their values
/// from `data_set_dir`/input_K.pb, and writes the result to `copy_path` when anything froze.
Result<FrozenOperands> freeze_attribute_operands(const std::string& model_path,
                                                 const std::string& data_set_dir,
                                                 const std::string& copy_path);

}  // namespace kiln::testing
