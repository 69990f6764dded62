// OpConverters.h: the converters behind find_op_converter, grouped by how much normalisation the
// ONNX op needs. Each turns one ONNX node into Kiln IR as described in ir/Ops.def.
#pragma once

#include "frontend/onnx/NodeConverter.h"

namespace kiln::onnx_import {

/// Ops whose ONNX form (opsets 6-21) already is the IR form: inputs, outputs and a fixed set of
/// attributes map one to one (ConvertDirectOps.cpp).
Status convert_direct_op(NodeConverter& node);

// Ops whose older opsets carry attributes that newer ones take as inputs (ConvertLegacyForms.cpp).
Status convert_clip(NodeConverter& node);
/// Softmax, LogSoftmax, Hardmax: the pre-13 2-D form becomes Flatten + op + Reshape.
Status convert_softmax(NodeConverter& node);
/// Trilu: the optional k input becomes attribute k.
Status convert_trilu(NodeConverter& node);
Status convert_squeeze(NodeConverter& node);
Status convert_unsqueeze(NodeConverter& node);
/// ReduceMean, ReduceSum, ... ReduceSumSquare: axes as attribute (older opsets) or input.
Status convert_reduction(NodeConverter& node);
Status convert_pad(NodeConverter& node);
Status convert_slice(NodeConverter& node);

// Ops with outputs or modes Kiln drops or rejects, and Constant (ConvertSpecialOps.cpp).
Status convert_constant(NodeConverter& node);
Status convert_constant_of_shape(NodeConverter& node);
Status convert_sum(NodeConverter& node);
Status convert_max(NodeConverter& node);
Status convert_min(NodeConverter& node);
Status convert_mean(NodeConverter& node);
Status convert_cast(NodeConverter& node);
Status convert_dropout(NodeConverter& node);
Status convert_batch_normalization(NodeConverter& node);
Status convert_max_pool(NodeConverter& node);

// Resampling-family ops whose operands become attributes (ConvertResamplingOps.cpp).
/// Resize: constant scales/sizes (and roi, for tf_crop_and_resize) become attributes; opset 10
/// samples like Upsample.
Status convert_resize(NodeConverter& node);
/// Upsample (scales attribute in opset 7, input from 9): a Resize at asymmetric coordinates.
Status convert_upsample(NodeConverter& node);
/// MaxUnpool: the optional output_shape input becomes attribute output_shape.
Status convert_max_unpool(NodeConverter& node);
/// LayerNormalization: outputs up to the last statistics output used; stash_type as a dtype name.
Status convert_layer_normalization(NodeConverter& node);

// Ops whose sizes or dtypes come from other operands (ConvertShapeOps.cpp).
/// Split: sizes as attribute (< 13) or input, else num_outputs parts (the output count < 18).
Status convert_split(NodeConverter& node);
/// Expand, Tile, Range: size operands folded to constants at import where the model computes them.
Status convert_expand(NodeConverter& node);
Status convert_tile(NodeConverter& node);
Status convert_range(NodeConverter& node);
/// CastLike: a Cast to the dtype of input 1.
Status convert_cast_like(NodeConverter& node);
/// EyeLike: the dtype enum becomes attribute `to`.
Status convert_eye_like(NodeConverter& node);
// Indexing and loss ops with folded inputs or extra outputs (ConvertIndexingOps.cpp).
/// Scatter (opsets 9-10): ScatterElements.
Status convert_scatter(NodeConverter& node);
/// OneHot: values moved first, the constant depth input folded into attribute depth.
Status convert_one_hot(NodeConverter& node);
/// CumSum: the constant axis input folded into attribute axis.
Status convert_cum_sum(NodeConverter& node);
/// TopK: k as attribute (< 10) or constant input; largest/sorted from opset 11.
Status convert_top_k(NodeConverter& node);
/// SoftmaxCrossEntropyLoss: one or two outputs (the log-probabilities).
Status convert_softmax_cross_entropy_loss(NodeConverter& node);

// Quantized ops, their output dtype recorded in attribute `to` (ConvertQuantizedOps.cpp).
Status convert_quantize_linear(NodeConverter& node);
Status convert_dequantize_linear(NodeConverter& node);
Status convert_dynamic_quantize_linear(NodeConverter& node);
Status convert_qlinear_conv(NodeConverter& node);
Status convert_qlinear_mat_mul(NodeConverter& node);
Status convert_conv_integer(NodeConverter& node);
Status convert_mat_mul_integer(NodeConverter& node);

/// True for op types convert_direct_op handles.
bool is_direct_op(const std::string& op_type);

}  // namespace kiln::onnx_import
