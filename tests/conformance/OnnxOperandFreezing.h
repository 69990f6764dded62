// OnnxOperandFreezing.h: ONNX node tests feed some operands as graph inputs (Pad's pads,
// Squeeze/Unsqueeze/ReduceMean axes, Dropout's ratio and training_mode, Split's sizes) that
// Kiln's IR holds as attributes, or that its shape rules need at compile time (Expand's shape,
// Range's operands), and so requires to be known when it compiles. For those tests the runner
// imports the model with those graph inputs, and the inputs they are computed from, bound to the
// test data's values (the importer's constant_inputs overload), as any static compiler would see
// them.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"
#include "tests/conformance/OnnxTestData.h"

namespace kiln::testing {

/// Per op type, input positions to freeze.
using OperandPositions = std::map<std::string, std::set<int>>;

/// A node-test model imported for one data set.
struct FrozenImport {
  Graph graph;                 ///< attribute-like operands are constants here
  std::vector<Tensor> inputs;  ///< the data set's inputs that remain graph inputs, in order
};

/// Imports `model_path` with its attribute-like operands fed by graph inputs bound to their
/// values in `data_set`; the other inputs of the data set are returned for running the graph.
/// `also_freeze` adds operands a backend needs constant beyond the IR's attributes (a static
/// compiler needs Reshape's shape and Slice's bounds at compile time).
Result<FrozenImport> import_with_frozen_operands(const std::string& model_path,
                                                 const OnnxTestDataSet& data_set,
                                                 const OperandPositions& also_freeze = {});

}  // namespace kiln::testing
