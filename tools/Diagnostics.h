// Diagnostics.h: how the kiln CLI reports errors and which exit codes it uses.
#pragma once

#include "ir/Error.h"

namespace kiln::cli {

/// Exit codes shared by every subcommand.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,       ///< bad command line (CLI11 reports it)
  kExitModelError = 2,  ///< the model could not be loaded, inferred or processed
};

/// Prints `kiln: error: <error>` to stderr and returns kExitModelError.
int report_error(const Error& error);

}  // namespace kiln::cli
