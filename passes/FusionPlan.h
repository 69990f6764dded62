// FusionPlan.h: reads the fusion groups recorded by the fusion pass (passes/FuseGroups.h) back
// from a graph, with the figures the fusion report shows: per group its nodes, ops, output shape,
// MACs, the bytes of intermediates kept out of memory and its schedule; the candidates left
// unfused with the reason; kernel counts before and after fusion.
//
// Conventions: a "kernel" is a node with a floating-point output (integer nodes are shape
// arithmetic evaluated at compile time); a group counts as one kernel. bytes_saved counts each
// intermediate tensor of a group once (its size); memory traffic saved counts it twice (the store
// and the load fusion avoids). Symbolic or unknown dims count as 1, as in CostAnalysis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// One fusion group: one stage (kernel) of the compiled model.
struct FusionGroup {
  int64_t id = 0;
  std::vector<const Node*> members;  ///< graph order; the last one is the stage
  std::vector<std::string> nodes;    ///< member names
  std::vector<std::string> ops;      ///< member op types
  Shape output_shape;                ///< the stage's output shape
  int64_t macs = 0;
  int64_t bytes_saved = 0;  ///< bytes of intermediates never written to memory
  std::string schedule;     ///< the group's fusion pattern (e.g. "conv_pool"; ir/FusionPattern.h)
};

/// A fusion candidate left alone.
struct NotFusedCandidate {
  std::string node;
  std::string op;
  std::string reason;
};

/// Whole-model figures.
struct FusionTotals {
  int64_t kernels_before = 0;
  int64_t kernels_after = 0;
  int64_t groups = 0;
  int64_t fused_nodes = 0;
  int64_t bytes_saved = 0;
  int64_t memory_traffic_saved = 0;  ///< bytes: twice bytes_saved (a store and a load each)
};

/// The fusion of a graph as recorded in its attributes.
struct FusionPlan {
  std::vector<FusionGroup> groups;  ///< by id
  std::vector<NotFusedCandidate> not_fused;
  FusionTotals totals;
};

/// Reads the plan from `graph` (shape-inferred, fusion attributes set by fuse_groups; a graph
/// without them gives no groups and kernels_after == kernels_before).
FusionPlan read_fusion_plan(const Graph& graph);

}  // namespace kiln
