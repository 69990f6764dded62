// SummaryTable.h: the `kiln inspect --summary` table, one row per node in the style of Keras's
// model.summary().
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "ir/IR.h"
#include "passes/CostAnalysis.h"

namespace kiln::cli {

/// Prints one row per node (name, op, output shape, params, MACs, receptive field and jump for
/// spatial window ops, '-' otherwise) and a totals row. Numbers are right-aligned with
/// thousands separators.
void print_summary_table(std::ostream& out, const Graph& graph, const CostReport& costs);

/// 62378344 -> "62,378,344".
std::string format_with_thousands(int64_t number);

}  // namespace kiln::cli
