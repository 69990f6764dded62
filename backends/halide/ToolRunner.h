// ToolRunner.h: runs an external build tool (the system C compiler, ar) without a shell.
#pragma once

#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln {

/// Runs `argv` (argv[0] looked up on PATH) and waits. A non-zero exit is an error that quotes the
/// command and the tool's output.
Status run_tool(const std::vector<std::string>& argv);

}  // namespace kiln
