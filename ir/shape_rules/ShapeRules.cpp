// ShapeRules.cpp: builds shape contexts and dispatches to the per-op rule through a table
// generated from ir/Ops.def.
#include "ir/ShapeRules.h"

#include <map>
#include <string_view>

#include "ir/OpSchema.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln {
namespace {

using RuleFn = Status (*)(ShapeContext&);

const std::map<std::string_view, RuleFn>& rule_table() {
  static const std::map<std::string_view, RuleFn> table = {
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) {#NAME, &shape_rules::infer_##NAME},
#include "ir/Ops.def"
#undef KILN_OP
  };
  return table;
}

// Integer constants small enough to be shape data are given to the rules as known dims.
constexpr int64_t kMaxKnownDimsElements = 1024;

std::optional<std::vector<Dim>> constant_known_dims(const Tensor& tensor) {
  if (!shape_rules::is_integer_dtype(tensor.dtype) || tensor.dims.size() > 1 ||
      tensor.element_count() > kMaxKnownDimsElements)
    return std::nullopt;
  std::vector<Dim> dims;
  for (int64_t i = 0; i < tensor.element_count(); ++i)
    dims.push_back(Dim{tensor.element_as_int(i), {}});
  return dims;
}

}  // namespace

ShapeContext make_shape_context(const Node& node) {
  ShapeContext ctx;
  ctx.op = node.op;
  ctx.node_name = node.name;
  ctx.attrs = &node.attrs;
  for (const Value* input : node.inputs) {
    ctx.input_types.push_back(input ? &input->type : nullptr);
    ctx.input_constants.push_back(input && input->constant ? &*input->constant : nullptr);
    const std::vector<Dim>* known = nullptr;
    if (input && input->known_dims) {
      known = &*input->known_dims;
    } else if (input && input->constant) {
      if (std::optional<std::vector<Dim>> dims = constant_known_dims(*input->constant)) {
        ctx.owned_known_dims.push_back(std::make_shared<const std::vector<Dim>>(std::move(*dims)));
        known = ctx.owned_known_dims.back().get();
      }
    }
    ctx.input_known_dims.push_back(known);
  }
  return ctx;
}

Status infer_output_types(ShapeContext& ctx) {
  auto rule = rule_table().find(ctx.op);
  if (rule == rule_table().end()) return make_error("no shape rule for op '" + ctx.op + "'");
  if (!ctx.attrs) {
    static const Attributes kNoAttributes;
    ctx.attrs = &kNoAttributes;
  }
  // Arity is checked here once so that rules may index their required inputs freely.
  if (const OpSchema* schema = find_op_schema(ctx.op)) {
    int count = static_cast<int>(ctx.input_types.size());
    if (count < schema->min_inputs || (schema->max_inputs >= 0 && count > schema->max_inputs))
      return make_error(
          ctx.op + " takes " + std::to_string(schema->min_inputs) +
          (schema->max_inputs == schema->min_inputs
               ? ""
               : " to " + (schema->max_inputs < 0 ? std::string("any number of")
                                                  : std::to_string(schema->max_inputs))) +
          " inputs but has " + std::to_string(count));
    for (int i = 0; i < schema->min_inputs; ++i)
      if (!ctx.input_types[static_cast<size_t>(i)])
        return make_error(shape_rules::input_label(ctx, static_cast<size_t>(i)) +
                          " is required but omitted");
  }
  ctx.input_constants.resize(ctx.input_types.size(), nullptr);
  ctx.input_known_dims.resize(ctx.input_types.size(), nullptr);
  ctx.output_types.clear();
  ctx.output_known_dims.clear();
  KILN_RETURN_IF_ERROR(rule->second(ctx));
  ctx.output_known_dims.resize(ctx.output_types.size());
  return Status::ok();
}

Status infer_node_types(Node& node) {
  ShapeContext ctx = make_shape_context(node);
  KILN_RETURN_IF_ERROR(infer_output_types(ctx));
  if (ctx.output_types.size() < node.outputs.size())
    return make_error(node.op + " has " + std::to_string(node.outputs.size()) +
                      " outputs but its shape rule describes " +
                      std::to_string(ctx.output_types.size()));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    Value* output = node.outputs[i];
    if (!output) continue;
    output->type = ctx.output_types[i];
    output->known_dims = ctx.output_known_dims[i];
  }
  return Status::ok();
}

}  // namespace kiln
