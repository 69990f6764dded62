// ModelLimits.cpp: the size, rank and attribute limits of check_model_limits.
#include "ir/ModelLimits.h"

#include <cmath>
#include <string>
#include <variant>

namespace kiln {
namespace {

/// Which value the error is about: "graph input %x", "constant %w" or "output %y".
Error value_error(const Value& value, const std::string& problem) {
  if (value.producer)
    return Error{"", value.producer->name, "output %" + value.name + " " + problem};
  std::string kind = value.is_constant() ? "constant" : "graph input";
  return Error{"", "", kind + " %" + value.name + " " + problem};
}

Status check_value_size(const Value& value) {
  if (!value.type.shape) return Status::ok();
  const Shape& shape = *value.type.shape;
  if (shape.size() > kMaxTensorRank)
    return value_error(value, "has rank " + std::to_string(shape.size()) +
                                  "; Kiln compiles tensors of rank " +
                                  std::to_string(kMaxTensorRank) + " or less");
  int64_t bytes =
      value.type.dtype == DType::Unknown ? 1 : static_cast<int64_t>(dtype_size(value.type.dtype));
  bool overflow = false;
  for (const Dim& dim : shape)
    if (dim.is_static()) overflow |= __builtin_mul_overflow(bytes, dim.value, &bytes);
  if (overflow || bytes > kMaxTensorBytes)
    return value_error(value,
                       value.type.to_string() + " needs " +
                           (overflow ? std::string("more than 2^63") : std::to_string(bytes)) +
                           " bytes; Kiln compiles tensors of at most 2^31 - 1 bytes "
                           "(symbolic dims taken as 1)");
  return Status::ok();
}

bool is_finite_attribute(const AttributeValue& value) {
  if (const double* number = std::get_if<double>(&value)) return std::isfinite(*number);
  if (const auto* list = std::get_if<std::vector<double>>(&value))
    for (double number : *list)
      if (!std::isfinite(number)) return false;
  return true;
}

Status check_float_attributes(const Node& node) {
  for (const auto& [name, value] : node.attrs.all()) {
    if (is_finite_attribute(value)) continue;
    const double* number = std::get_if<double>(&value);
    bool infinite_bound =
        node.op == "Clip" && (name == "min" || name == "max") && number && std::isinf(*number);
    if (infinite_bound) continue;
    return Error{"", node.name,
                 node.op + ": attribute '" + name + "' is " +
                     (number && std::isinf(*number) ? "infinite" : "not a finite number")};
  }
  return Status::ok();
}

}  // namespace

Status check_model_limits(const Graph& graph) {
  if (graph.outputs.empty()) return Error{"", "", "the model has no outputs"};
  for (const Value* input : graph.inputs) {
    if (!input->type.shape) continue;
    for (const Dim& dim : *input->type.shape)
      if (dim.is_static() && dim.value == 0)
        return value_error(*input,
                           "has a zero dim (" + input->type.to_string() + "), so it holds no data");
  }
  for (const auto& value : graph.values()) KILN_RETURN_IF_ERROR(check_value_size(*value));
  for (const auto& node : graph.nodes()) KILN_RETURN_IF_ERROR(check_float_attributes(*node));
  return Status::ok();
}

}  // namespace kiln
