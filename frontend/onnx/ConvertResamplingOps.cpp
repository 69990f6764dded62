// ConvertResamplingOps.cpp: ONNX ops of the resampling family whose operands become IR
// attributes: MaxUnpool's output_shape input.
#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {

Status convert_max_unpool(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes(
      {{"kernel_shape", AttrKind::Ints}, {"strides", AttrKind::Ints}, {"pads", AttrKind::Ints}});
  if (!attrs) return attrs.error();
  if (node.proto().output_size() > 1) return node.error("MaxUnpool has only one output");
  Result<Value*> data = node.required_input(0, "X");
  if (!data) return data.error();
  Result<Value*> indices = node.required_input(1, "I");
  if (!indices) return indices.error();
  Result<std::optional<std::vector<int64_t>>> shape = node.constant_ints(2, "output_shape");
  if (!shape) return shape.error();
  if (*shape) attrs->set("output_shape", **shape);
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("MaxUnpool", {*data, *indices}, {*output}, std::move(*attrs));
  return Status::ok();
}

}  // namespace kiln::onnx_import
