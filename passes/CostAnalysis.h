// CostAnalysis.h: static cost figures of a shape-inferred graph (parameters, multiply-accumulates,
// receptive fields), as shown by `kiln inspect --summary` and `--format json`.
//
// Conventions:
//  - Parameters are the elements of floating-point constant inputs (weights, biases, batch-norm
//    statistics). Integer constants (shapes, axes) are not parameters. A constant read by several
//    nodes counts for each of them in its node row, but only once in the totals.
//  - MACs are counted per inference of the whole input batch, with every symbolic or unknown
//    dimension counted as 1, so a dynamic batch gives the cost of one sample. Only the ops that
//    dominate a CNN's cost are counted: Conv (output elements x Cin/group x kernel area), Gemm
//    (M x N x K) and MatMul (output elements x K, batch dims broadcast). Every other op (bias
//    adds, activations, pools, normalisation) counts 0.
//  - Receptive field and jump (the product of strides) are tracked per spatial axis of every
//    activation, starting at 1/1 on each graph input: a window op with kernel k, dilation d and
//    stride s gives rf_out = rf_in + (k_eff - 1) * jump_in and jump_out = jump_in * s, where
//    k_eff = (k - 1) * d + 1 (read through ir/shape_rules/WindowGeometry.h, so the cost model and
//    the shape rules agree on window attributes). Global pools cover their whole input (a
//    non-static spatial dim counts as 1). Every other op takes the element-wise maximum over its
//    inputs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// Receptive field and jump of one activation, one entry per spatial axis.
struct ReceptiveField {
  std::vector<int64_t> size;  ///< input pixels seen along each spatial axis
  std::vector<int64_t> jump;  ///< input pixels between neighbouring outputs along each axis
};

/// Costs of one node.
struct NodeCost {
  int64_t params = 0;  ///< elements of its floating-point constant inputs
  int64_t macs = 0;    ///< multiply-accumulates (0 for ops not counted)
  /// Receptive field of its first output; set only for spatial window ops (Conv, pools).
  std::optional<ReceptiveField> receptive_field;
};

/// Costs of a whole graph.
struct CostReport {
  std::vector<NodeCost> nodes;  ///< one entry per node, in graph order
  int64_t total_params = 0;     ///< each constant counted once
  int64_t total_macs = 0;
  /// Receptive field of every activation that has spatial axes (rank >= 3).
  std::map<const Value*, ReceptiveField> receptive_fields;
};

/// Computes the costs of `graph`, which should be shape-inferred; values with unknown shapes
/// simply contribute what can be known (unknown dims count as 1, unknown ranks as no MACs).
CostReport analyze_costs(const Graph& graph);

/// True for the ops that get a receptive-field entry in NodeCost: the Window ops of ir/Ops.def
/// (Conv and the pools).
bool is_spatial_window_op(const std::string& op);

}  // namespace kiln
