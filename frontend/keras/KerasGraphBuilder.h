// KerasGraphBuilder.h: appends IR nodes for Keras layers, typing each node as it goes, and keeps
// each Keras tensor in up to two layouts: Keras's own, and channels-first for the NCHW ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::keras_import {

/// One Keras tensor. A channels_last rank-4 tensor (NHWC) is also held as its NCHW transpose,
/// made on demand, so that consecutive spatial layers need no Transpose between them.
struct KerasTensor {
  Value* keras = nullptr;           ///< in Keras's layout; null until first needed
  Value* channels_first = nullptr;  ///< the NHWC tensor as NCHW; null when not made
};

/// Appends nodes to a graph for the layers of one model file.
class KerasGraphBuilder {
 public:
  KerasGraphBuilder(Graph& graph, std::string file) : graph_(graph), file_(std::move(file)) {}

  Graph& graph() { return graph_; }
  const std::string& file() const { return file_; }
  /// An error naming the file and `layer`.
  Error error(const std::string& layer, const std::string& message) const {
    return Error{file_, layer, message};
  }

  /// Appends `op` for `layer` and infers its output type with the shared shape rules, so that
  /// later layers can read static shapes (weight checks, axes). The layer's first main node is
  /// named after it (so cost reports line up with Keras's summary), the others `layer/op`;
  /// layout Transposes pass `names_layer` false.
  Result<Value*> add(const std::string& layer, const std::string& op, std::vector<Value*> inputs,
                     Attributes attrs = {}, bool names_layer = true);
  /// A float constant named `layer/role`.
  Value* constant(const std::string& layer, const std::string& role, Tensor tensor);
  /// An int64 vector constant named `layer/role`.
  Value* int64_constant(const std::string& layer, const std::string& role,
                        const std::vector<int64_t>& values);

  /// The tensor in Keras's layout (transposing NCHW -> NHWC when only that form exists).
  Result<Value*> keras_view(KerasTensor& tensor, const std::string& layer);
  /// The channels_last rank-4 tensor as NCHW (transposing NHWC -> NCHW when needed).
  Result<Value*> channels_first_view(KerasTensor& tensor, const std::string& layer);

  /// Rank of a value's type; -1 when unknown.
  static int64_t rank_of(const Value* value);
  /// Static dim `axis` (negative counts from the end) of a value; -1 when unknown.
  static int64_t static_dim(const Value* value, int64_t axis);

 private:
  Graph& graph_;
  std::string file_;
};

}  // namespace kiln::keras_import
