// OnnxImportTestUtil.h: assertions shared by the frontend tests that import hand-built models: a
// model with one input, importing with or without an evaluator for import folding, finding the
// only node of an op, and expecting an error that names a node.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "backends/reference/ReferenceEvaluator.h"
#include "tests/frontend/OnnxModelBuilder.h"

namespace kiln::testing {

/// A model with input x: f32[2,3,4] and graph output "y".
inline onnx::ModelProto model_with_input(int64_t opset) {
  onnx::ModelProto model = make_model(opset);
  add_input(model, "x", {int64_t{2}, int64_t{3}, int64_t{4}});
  add_output(model, "y");
  return model;
}

/// Imports `model` as the CLI does, with the reference interpreter folding at import.
inline Result<Graph> import_model_folding(const onnx::ModelProto& model) {
  static const ReferenceEvaluator evaluator;
  TempDir dir;
  return import_onnx_file(write_model(dir, model), {}, &evaluator);
}

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

inline Graph import_ok(const onnx::ModelProto& model) {
  Result<Graph> graph = import_model(model);
  EXPECT_TRUE(graph) << graph.error().to_string();
  return graph ? std::move(*graph) : Graph();
}

/// Expects importing `model` to fail with an error naming `node` whose message holds `fragment`.
inline void expect_node_error(const onnx::ModelProto& model, const std::string& node,
                              const std::string& fragment) {
  Result<Graph> graph = import_model(model);
  ASSERT_FALSE(graph) << "expected an error containing: " << fragment;
  EXPECT_EQ(graph.error().node, node) << graph.error().to_string();
  EXPECT_NE(graph.error().file.find("model.onnx"), std::string::npos);
  EXPECT_NE(graph.error().message.find(fragment), std::string::npos) << graph.error().to_string();
}

}  // namespace kiln::testing
