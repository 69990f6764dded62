// OpLowerings.cpp: the op -> lowering table, generated from ir/Ops.def.
#include "backends/halide/OpLowerings.h"

#include <map>

namespace kiln::halide_lowering {

OpLoweringFn find_op_lowering(std::string_view op) {
  static const std::map<std::string_view, OpLoweringFn> kTable = {
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) {#NAME, &lower_##NAME},
#include "ir/Ops.def"
#undef KILN_OP
  };
  auto it = kTable.find(op);
  return it == kTable.end() ? nullptr : it->second;
}

NodeLowering single_output(Halide::Func f, std::vector<Halide::Expr> extents, DType dtype) {
  NodeLowering lowering;
  lowering.outputs.push_back(LoweredValue{f, std::move(extents), dtype});
  lowering.funcs.output = f;
  return lowering;
}

}  // namespace kiln::halide_lowering
