// EinsumShapes.cpp: the shape rule of Einsum: each output dim is the size its label has in the
// operands (ellipsis dims broadcast numpy-style; a letter must have one size everywhere).
#include <map>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/EinsumEquation.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {

Status infer_Einsum(ShapeContext& ctx) {
  std::vector<TensorType> operands;
  std::vector<int64_t> ranks;
  for (size_t i = 0; i < ctx.input_types.size(); ++i) {
    KILN_SHAPE_ASSIGN(type, input_type(ctx, i));
    if (type.dtype == DType::Bool)
      return make_error("Einsum operands must be numeric, not " + type.to_string());
    if (i > 0 && type.dtype != operands[0].dtype)
      return make_error("Einsum operands must share one dtype, not " + operands[0].to_string() +
                        " and " + type.to_string());
    operands.push_back(type);
    ranks.push_back(static_cast<int64_t>(type.shape->size()));
  }
  const std::string equation = ctx.attrs->get_string("equation", "");
  KILN_SHAPE_ASSIGN(parsed, parse_einsum_equation(equation, ranks));
  std::map<int, Dim> sizes;
  for (size_t i = 0; i < operands.size(); ++i) {
    const std::vector<int>& labels = parsed.operand_labels[i];
    for (size_t d = 0; d < labels.size(); ++d) {
      const Dim& dim = (*operands[i].shape)[d];
      auto [it, inserted] = sizes.emplace(labels[d], dim);
      if (inserted || it->second == dim) continue;
      if (labels[d] >= EinsumEquation::kEllipsisLabel) {
        std::optional<Dim> combined = broadcast_dims(it->second, dim);
        if (combined) {
          it->second = *combined;
          continue;
        }
      } else if (!(it->second.is_static() && dim.is_static())) {
        continue;  // a symbol against a size: trusted, as broadcasting trusts it
      }
      return make_error("Einsum '" + equation + "': a label has sizes " + it->second.to_string() +
                        " and " + dim.to_string());
    }
  }
  Shape out;
  for (int label : parsed.output_labels) out.push_back(sizes.at(label));
  return set_output(ctx, TensorType{operands[0].dtype, out});
}

}  // namespace kiln::shape_rules
