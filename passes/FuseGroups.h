// FuseGroups.h: the fusion pass. It partitions nodes into fusion groups, each of which the Halide
// backend turns into one stage (one kernel), and records the partition in the IR so that it shows
// in IR text and survives a print/parse round trip.
//
// Attributes written (on the nodes concerned only):
//   fusion_group     int     the group id, dense from 0 in graph order of the groups' first nodes
//   fusion_role      string  "anchor" (the Conv/Gemm/MatMul/pool or first node), "epilogue"
//                            (pointwise after the anchor), "pool" (a pool computed from conv
//                            tiles), "view" (a Flatten/Reshape inside a head) or "member"
//   fusion_pattern   string  on the group's last node (the stage): what the group computes,
//                            one of "conv_pool", "conv_epilogue", "gemm_epilogue", "head",
//                            "elementwise" (ir/FusionPattern.h); the backend picks the template
//   fusion_not_fused string  on a node that is a fusion candidate but was left alone: the reason
//
// Rules: a convolution (Conv, ConvTranspose: ir/Ops.def's kConvolution) + pointwise epilogue
// (bias is in the convolution; BatchNormalization, Relu, Clip,
// LeakyRelu, Sigmoid, Tanh, SiLU x*Sigmoid(x), a residual Add/Sub/Mul/Div of the same shape, a
// run of Elementwise ops that leaves the anchor's type and returns to it, such as a QDQ model's
// QuantizeLinear + DequantizeLinear) +
// an optional 2-D MaxPool/AveragePool; Gemm/MatMul + the same epilogue; GlobalAveragePool +
// Flatten/Reshape + Gemm (+ epilogue); chains of two or more pointwise ops. A value inside a group
// must be read only inside the group and must not be a graph output.
#pragma once

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Runs fusion on a shape-inferred graph, replacing any previous fusion attributes.
Status fuse_groups(Graph& graph);

/// Removes every fusion attribute (what "no fusion" means to the backends).
void clear_fusion(Graph& graph);

/// True for the ops fusion treats as pointwise epilogue or chain members: the activations and
/// the two-input broadcast arithmetic of ir/Ops.def (is_activation_op, is_binary_broadcast_op).
bool is_fusable_pointwise(const std::string& op);

}  // namespace kiln
