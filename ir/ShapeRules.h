// ShapeRules.h: the per-op shape and dtype rules, one per entry of ir/Ops.def.
//
// A rule sees an op's attributes and its input types (plus constant or known-dim input values,
// for ops such as Reshape whose output shape depends on an input's contents) and fills in the
// output types. Rules do not touch the Graph, so the shape-inference pass and the reference
// interpreter (which knows every value at run time) both use them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Inputs and outputs of one shape-rule evaluation.
struct ShapeContext {
  std::string op;
  std::string node_name;
  const Attributes* attrs = nullptr;
  /// One entry per node input; null where an optional input is omitted.
  std::vector<const TensorType*> input_types;
  /// The contents of constant inputs (null where not constant).
  std::vector<const Tensor*> input_constants;
  /// Known element values of small integer inputs, possibly symbolic (null where unknown).
  std::vector<const std::vector<Dim>*> input_known_dims;
  /// Storage for known dims the context derives itself (from integer constants); entries of
  /// input_known_dims may point into it. Shared so that copies of the context stay valid.
  std::vector<std::shared_ptr<const std::vector<Dim>>> owned_known_dims;

  /// Filled by the rule: one type per node output.
  std::vector<TensorType> output_types;
  /// Filled by the rule where it can compute the elements of an integer output (Shape, Gather of
  /// a shape, Concat of shapes, arithmetic on them).
  std::vector<std::optional<std::vector<Dim>>> output_known_dims;
};

/// Builds a context for `node` from the current types and values of its inputs.
ShapeContext make_shape_context(const Node& node);

/// Runs the rule for ctx.op. Errors carry the problem; callers add the file and node name.
Status infer_output_types(ShapeContext& ctx);

/// Runs the rule of `node` on its inputs' current types and values and records the output types
/// (and known dims) on its outputs. Errors carry the problem; callers add the file and node.
Status infer_node_types(Node& node);

}  // namespace kiln
