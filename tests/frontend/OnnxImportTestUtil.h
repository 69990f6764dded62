// OnnxImportTestUtil.h: helpers shared by the frontend tests that import hand-built models:
// importing with the reference evaluator folding at import and finding the only node of an op
// (the model builders and import assertions live in OnnxModelBuilder.h).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "backends/reference/ReferenceEvaluator.h"
#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {

/// Imports `model` as the CLI does, with the reference interpreter folding at import.
inline Result<Graph> import_model_folding(const onnx::ModelProto& model) {
  static const ReferenceEvaluator evaluator;
  TempDir dir;
  return import_onnx_file(write_model(dir, model), {}, &evaluator);
}

/// The only node of `op` in `graph` (a failure when there are none or several).
inline const Node& only_node(const Graph& graph, const std::string& op) {
  const Node* found = nullptr;
  for (const auto& node : graph.nodes())
    if (node->op == op) {
      EXPECT_EQ(found, nullptr) << "two " << op << " nodes";
      found = node.get();
    }
  EXPECT_NE(found, nullptr) << "no " << op << " node";
  static const Node kEmpty;
  return found ? *found : kEmpty;
}

}  // namespace kiln::testing
