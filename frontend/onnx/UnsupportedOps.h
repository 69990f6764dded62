// UnsupportedOps.h: finds every node the importer cannot convert and reports them all at once,
// so a user sees the full list of missing ops in one run.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln::onnx_import {

/// True for the default ONNX domain ("" or "ai.onnx").
bool is_default_domain(const std::string& domain);

/// The opset the model imports for `domain` (the default domain under either spelling).
std::optional<int64_t> imported_opset(const onnx::ModelProto& model, const std::string& domain);

/// One error listing every unsupported node of the graph, grouped by op type in order of first
/// appearance, e.g.
///   unsupported ops (2 kinds, 3 nodes):
///     Foo (domain '', opset 13): n1, n2
///     com.x.Bar (domain 'com.x', opset 1): n3
/// `node_names` holds the (unique) name of each node of the graph.
Status check_supported_ops(const onnx::ModelProto& model,
                           const std::vector<std::string>& node_names, const std::string& file);

}  // namespace kiln::onnx_import
