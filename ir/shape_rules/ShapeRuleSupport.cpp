// ShapeRuleSupport.cpp: input access and axis handling shared by the shape rules.
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {

std::string input_label(const ShapeContext& ctx, size_t index) {
  return ctx.op + " input " + std::to_string(index);
}

bool has_input(const ShapeContext& ctx, size_t index) {
  return index < ctx.input_types.size() && ctx.input_types[index] != nullptr;
}

Result<TensorType> input_type(const ShapeContext& ctx, size_t index) {
  if (!has_input(ctx, index)) return make_error(input_label(ctx, index) + " is missing");
  const TensorType& type = *ctx.input_types[index];
  if (type.dtype == DType::Unknown || !type.shape)
    return make_error(input_label(ctx, index) + " has no known type (" + type.to_string() + ")");
  return type;
}

std::optional<std::vector<Dim>> input_dims_values(const ShapeContext& ctx, size_t index) {
  if (index < ctx.input_known_dims.size() && ctx.input_known_dims[index])
    return *ctx.input_known_dims[index];
  if (index < ctx.input_constants.size() && ctx.input_constants[index]) {
    const Tensor& tensor = *ctx.input_constants[index];
    if (!is_integer_dtype(tensor.dtype) || tensor.dims.size() > 1) return std::nullopt;
    std::vector<Dim> dims;
    for (int64_t i = 0; i < tensor.element_count(); ++i)
      dims.push_back(Dim{tensor.element_as_int(i), {}});
    return dims;
  }
  return std::nullopt;
}

std::optional<std::vector<int64_t>> input_ints(const ShapeContext& ctx, size_t index) {
  if (index < ctx.input_constants.size() && ctx.input_constants[index]) {
    const Tensor& tensor = *ctx.input_constants[index];
    if (!is_integer_dtype(tensor.dtype)) return std::nullopt;
    std::vector<int64_t> values;
    for (int64_t i = 0; i < tensor.element_count(); ++i) values.push_back(tensor.element_as_int(i));
    return values;
  }
  std::optional<std::vector<Dim>> dims = input_dims_values(ctx, index);
  if (!dims) return std::nullopt;
  std::vector<int64_t> values;
  for (const Dim& dim : *dims) {
    if (!dim.symbol.empty()) return std::nullopt;
    values.push_back(dim.value);
  }
  return values;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank)
    return make_error(what + " " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Status check_scalar_operand(const ShapeContext& ctx, size_t index, const TensorType& x) {
  if (!has_input(ctx, index)) return Status::ok();
  KILN_SHAPE_ASSIGN(operand, input_type(ctx, index));
  const std::optional<int64_t> count = static_element_count(*operand.shape);
  if (operand.dtype != x.dtype || count != std::optional<int64_t>(1))
    return make_error(input_label(ctx, index) + " must hold one " + dtype_name(x.dtype) +
                      " value but is " + operand.to_string());
  return Status::ok();
}

Status set_output(ShapeContext& ctx, TensorType type, std::optional<std::vector<Dim>> known_dims) {
  ctx.output_types = {std::move(type)};
  ctx.output_known_dims = {std::move(known_dims)};
  return Status::ok();
}

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

bool is_integer_dtype(DType dtype) {
  switch (dtype) {
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
    case DType::UInt8:
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64:
      return true;
    default:
      return false;
  }
}

}  // namespace kiln::shape_rules
