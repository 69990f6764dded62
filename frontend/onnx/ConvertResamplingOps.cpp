// ConvertResamplingOps.cpp: ONNX ops of the resampling family whose operands become IR
// attributes: Resize (opsets 10-19) and Upsample (7-9) as the one IR Resize, MaxUnpool's
// output_shape.
#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {
namespace {

/// Elements of constant input `index` as doubles; nullopt when absent or empty (ONNX's way of
/// omitting roi/scales before opset 13).
Result<std::optional<std::vector<double>>> constant_floats(NodeConverter& node, size_t index,
                                                           const std::string& role) {
  Result<const Tensor*> tensor = node.constant_input(index, role);
  if (!tensor) return tensor.error();
  if (!*tensor || (*tensor)->element_count() == 0) return std::optional<std::vector<double>>();
  std::vector<double> values;
  for (int64_t i = 0; i < (*tensor)->element_count(); ++i)
    values.push_back((*tensor)->element_as_double(i));
  return std::optional<std::vector<double>>(std::move(values));
}

/// Upsample and Resize-10 sample at o / scale (asymmetric). ONNX Runtime rounds those nearest
/// coordinates down when upsampling and up when downsampling; one IR nearest_mode covers a
/// resize in one direction only.
Status set_legacy_sampling(NodeConverter& node, const std::vector<double>& scales,
                           Attributes& attrs) {
  attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  if (attrs.get_string("mode", "nearest") != "nearest") return Status::ok();
  bool up = false, down = false;
  for (double scale : scales) {
    up = up || scale > 1;
    down = down || scale < 1;
  }
  if (up && down)
    return node.error(node.op_type() + " (opset " + std::to_string(node.opset()) +
                      ") nearest that enlarges some dims and shrinks others is not supported");
  attrs.set("nearest_mode", std::string(down ? "ceil" : "floor"));
  return Status::ok();
}

Status emit_resize(NodeConverter& node, Attributes attrs) {
  if (node.proto().output_size() > 1) return node.error(node.op_type() + " has only one output");
  Result<Value*> data = node.required_input(0, "X");
  if (!data) return data.error();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Resize", {*data}, {*output}, std::move(attrs));
  return Status::ok();
}

}  // namespace

Status convert_upsample(NodeConverter& node) {
  const bool scales_attribute = node.opset() < 9;
  std::vector<AttrSpec> known = {{"mode", AttrKind::String}};
  if (scales_attribute) known.push_back({"scales", AttrKind::Floats});
  Result<Attributes> attrs = node.convert_attributes(known);
  if (!attrs) return attrs.error();
  std::vector<double> scales = attrs->get_floats("scales");
  if (!scales_attribute) {
    Result<std::optional<std::vector<double>>> input = constant_floats(node, 1, "scales");
    if (!input) return input.error();
    if (!*input) return node.error("Upsample needs constant scales");
    scales = **input;
    attrs->set("scales", scales);
  }
  if (scales.empty()) return node.error("Upsample needs scales");
  // Opset 7 spells linear 'bilinear' too.
  const std::string mode = attrs->get_string("mode", "nearest");
  if (mode == "bilinear") attrs->set("mode", std::string("linear"));
  KILN_RETURN_IF_ERROR(set_legacy_sampling(node, scales, *attrs));
  return emit_resize(node, std::move(*attrs));
}

Status convert_resize(NodeConverter& node) {
  if (node.opset() < 11) {
    Result<Attributes> attrs = node.convert_attributes({{"mode", AttrKind::String}});
    if (!attrs) return attrs.error();
    Result<std::optional<std::vector<double>>> scales = constant_floats(node, 1, "scales");
    if (!scales) return scales.error();
    if (!*scales) return node.error("Resize needs constant scales");
    attrs->set("scales", **scales);
    KILN_RETURN_IF_ERROR(set_legacy_sampling(node, **scales, *attrs));
    return emit_resize(node, std::move(*attrs));
  }
  Result<Attributes> attrs =
      node.convert_attributes({{"mode", AttrKind::String},
                               {"coordinate_transformation_mode", AttrKind::String},
                               {"nearest_mode", AttrKind::String},
                               {"cubic_coeff_a", AttrKind::Float},
                               {"exclude_outside", AttrKind::Int},
                               {"extrapolation_value", AttrKind::Float},
                               {"antialias", AttrKind::Int},
                               {"axes", AttrKind::Ints},
                               {"keep_aspect_ratio_policy", AttrKind::String}});
  if (!attrs) return attrs.error();
  // Inputs X, roi, scales, sizes: scales or sizes must be known at compile time.
  Result<std::optional<std::vector<double>>> scales = constant_floats(node, 2, "scales");
  if (!scales) return scales.error();
  Result<std::optional<std::vector<int64_t>>> sizes = node.constant_ints(3, "sizes");
  if (!sizes) return sizes.error();
  if (*sizes && (*sizes)->empty()) sizes->reset();
  if (bool(*scales) == bool(*sizes))
    return node.error("Resize needs exactly one of the scales and sizes inputs (as constants)");
  if (*scales) attrs->set("scales", **scales);
  if (*sizes) attrs->set("sizes", **sizes);
  // roi matters only to tf_crop_and_resize; elsewhere it may be anything, even unknown.
  if (attrs->get_string("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize") {
    Result<std::optional<std::vector<double>>> roi = constant_floats(node, 1, "roi");
    if (!roi) return roi.error();
    if (*roi) attrs->set("roi", **roi);
  }
  return emit_resize(node, std::move(*attrs));
}

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
