// OpSchema.cpp: the op table, built from ir/Ops.def, and the trait questions answered from it.
#include "ir/OpSchema.h"

namespace kiln {

const std::vector<OpSchema>& all_op_schemas() {
  using namespace op_flags;
  static const std::vector<OpSchema> schemas = {
#define KILN_OP_ROW(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, PATTERN, DTYPE_RULE, FLAGS) \
  {#NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, OpPattern::PATTERN, DTypeRule::DTYPE_RULE, FLAGS},
#include "ir/Ops.def"
#undef KILN_OP_ROW
  };
  return schemas;
}

const OpSchema* find_op_schema(std::string_view op) {
  for (const OpSchema& schema : all_op_schemas())
    if (op == schema.name) return &schema;
  return nullptr;
}

OpPattern op_pattern(std::string_view op) {
  const OpSchema* schema = find_op_schema(op);
  return schema ? schema->pattern : OpPattern::Opaque;
}

std::optional<DTypeRule> op_dtype_rule(std::string_view op) {
  const OpSchema* schema = find_op_schema(op);
  if (!schema) return std::nullopt;
  return schema->dtype_rule;
}

bool op_has_flag(std::string_view op, uint32_t flag) {
  const OpSchema* schema = find_op_schema(op);
  return schema && schema->has(flag);
}

bool is_elementwise_op(std::string_view op) {
  OpPattern pattern = op_pattern(op);
  return pattern == OpPattern::Elementwise || pattern == OpPattern::Broadcast;
}

bool is_activation_op(std::string_view op) {
  const OpSchema* schema = find_op_schema(op);
  return schema && schema->pattern == OpPattern::Elementwise &&
         schema->dtype_rule == DTypeRule::FirstInput && !schema->has(op_flags::kNoOp);
}

bool is_binary_broadcast_op(std::string_view op) {
  const OpSchema* schema = find_op_schema(op);
  return schema && schema->pattern == OpPattern::Broadcast && schema->min_inputs == 2 &&
         schema->max_inputs == 2;
}

bool is_view_op(std::string_view op) {
  return op_pattern(op) == OpPattern::View;
}

bool is_window_op(std::string_view op) {
  return op_pattern(op) == OpPattern::Window;
}

bool is_convolution_op(std::string_view op) {
  return op_has_flag(op, op_flags::kConvolution);
}

const char* op_pattern_name(OpPattern pattern) {
  switch (pattern) {
    case OpPattern::Elementwise:
      return "Elementwise";
    case OpPattern::Broadcast:
      return "Broadcast";
    case OpPattern::View:
      return "View";
    case OpPattern::Injective:
      return "Injective";
    case OpPattern::Window:
      return "Window";
    case OpPattern::Reduction:
      return "Reduction";
    case OpPattern::Opaque:
      return "Opaque";
  }
  return "?";
}

const char* dtype_rule_name(DTypeRule rule) {
  switch (rule) {
    case DTypeRule::AllSame:
      return "AllSame";
    case DTypeRule::FirstInput:
      return "FirstInput";
    case DTypeRule::FirstInputIndexed:
      return "FirstInputIndexed";
    case DTypeRule::FromAttribute:
      return "FromAttribute";
    case DTypeRule::Int64:
      return "Int64";
    case DTypeRule::Bool:
      return "Bool";
    case DTypeRule::Select:
      return "Select";
  }
  return "?";
}

}  // namespace kiln
