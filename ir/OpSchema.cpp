// OpSchema.cpp: the op table, built from ir/Ops.def.
#include "ir/OpSchema.h"

namespace kiln {

const std::vector<OpSchema>& all_op_schemas() {
  static const std::vector<OpSchema> schemas = {
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) {#NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT},
#include "ir/Ops.def"
#undef KILN_OP
  };
  return schemas;
}

const OpSchema* find_op_schema(std::string_view op) {
  for (const OpSchema& schema : all_op_schemas())
    if (op == schema.name) return &schema;
  return nullptr;
}

}  // namespace kiln
