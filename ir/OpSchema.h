// OpSchema.h: arity facts about each op, generated from ir/Ops.def.
#pragma once

#include <string_view>
#include <vector>

namespace kiln {

/// What the verifier knows of an op: its name and how many inputs/outputs it takes.
struct OpSchema {
  const char* name;
  int min_inputs;
  int max_inputs;  ///< -1 = variadic
  int min_outputs;
  int max_outputs;
};

/// The schema of `op`, or null for an op Kiln does not know.
const OpSchema* find_op_schema(std::string_view op);
/// Every op, in Ops.def order.
const std::vector<OpSchema>& all_op_schemas();

}  // namespace kiln
