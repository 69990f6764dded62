// OpTable.h: the op table of tests/halide/OpTableTest.cpp: for every ir/Ops.def op, a few cases
// (operands, attributes, the output dims its shape rule must infer). The rows are in
// OpTableRows.cpp; adding an op to Ops.def means adding its row there.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln::halide_test {

using Dims = std::vector<int64_t>;

/// An operand of a case: a run-time input, a constant, or an omitted optional input.
struct Operand {
  enum Kind { kInput, kConstant, kAbsent } kind;
  Tensor tensor;
};

struct OpCase {
  std::vector<Operand> operands;
  Attributes attrs;
  std::vector<Dims> outputs;  ///< the dims the shape rule must infer, one per output
};

/// Every row, by op name.
const std::map<std::string, std::vector<OpCase>>& op_table();

}  // namespace kiln::halide_test
