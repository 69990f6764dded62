// Parser.h: reads the IR text that ir/Printer.h writes, so IR text can be a test input.
#pragma once

#include <string>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// Parses IR text. `source_name` names the input in errors, which also give line and column.
/// An `elided` constant is an error: elided text is for reading, not for round trips.
Result<Graph> parse_graph(const std::string& text, const std::string& source_name = "<input>");
/// Reads and parses a file.
Result<Graph> parse_graph_file(const std::string& path);

}  // namespace kiln
