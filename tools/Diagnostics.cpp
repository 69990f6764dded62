// Diagnostics.cpp: the single place where the CLI prints errors.
#include "tools/Diagnostics.h"

#include <iostream>

namespace kiln::cli {

int report_error(const Error& error) {
  std::cerr << "kiln: error: " << error.to_string() << std::endl;
  return kExitModelError;
}

}  // namespace kiln::cli
