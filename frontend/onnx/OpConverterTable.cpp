// OpConverterTable.cpp: which ONNX op types the importer supports, and who converts each.
#include <map>

#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {

ConvertFn find_op_converter(const std::string& op_type) {
  static const std::map<std::string, ConvertFn> kConverters = {
      {"Clip", convert_clip},
      {"Softmax", convert_softmax},
      {"LogSoftmax", convert_softmax},
      {"Hardmax", convert_softmax},
      {"Trilu", convert_trilu},
      {"Squeeze", convert_squeeze},
      {"Unsqueeze", convert_unsqueeze},
      {"ReduceMean", convert_reduction},
      {"ReduceSum", convert_reduction},
      {"ReduceMax", convert_reduction},
      {"ReduceMin", convert_reduction},
      {"ReduceProd", convert_reduction},
      {"ReduceL1", convert_reduction},
      {"ReduceL2", convert_reduction},
      {"ReduceLogSum", convert_reduction},
      {"ReduceLogSumExp", convert_reduction},
      {"ReduceSumSquare", convert_reduction},
      {"Pad", convert_pad},
      {"Slice", convert_slice},
      {"Constant", convert_constant},
      {"ConstantOfShape", convert_constant_of_shape},
      {"Sum", convert_sum},
      {"Max", convert_max},
      {"Min", convert_min},
      {"Mean", convert_mean},
      {"Cast", convert_cast},
      {"Dropout", convert_dropout},
      {"BatchNormalization", convert_batch_normalization},
      {"MaxPool", convert_max_pool},
      {"MaxUnpool", convert_max_unpool},
      {"Resize", convert_resize},
      {"Upsample", convert_upsample},
      {"LayerNormalization", convert_layer_normalization},
      {"Split", convert_split},
      {"Expand", convert_expand},
      {"Tile", convert_tile},
      {"Range", convert_range},
      {"CastLike", convert_cast_like},
      {"EyeLike", convert_eye_like},
      {"Scatter", convert_scatter},
      {"OneHot", convert_one_hot},
      {"CumSum", convert_cum_sum},
      {"TopK", convert_top_k},
      {"SoftmaxCrossEntropyLoss", convert_softmax_cross_entropy_loss},
      {"QuantizeLinear", convert_quantize_linear},
      {"DequantizeLinear", convert_dequantize_linear},
      {"DynamicQuantizeLinear", convert_dynamic_quantize_linear},
      {"QLinearConv", convert_qlinear_conv},
      {"QLinearMatMul", convert_qlinear_mat_mul},
      {"ConvInteger", convert_conv_integer},
      {"MatMulInteger", convert_mat_mul_integer},
  };
  auto it = kConverters.find(op_type);
  if (it != kConverters.end()) return it->second;
  return is_direct_op(op_type) ? convert_direct_op : nullptr;
}

}  // namespace kiln::onnx_import
