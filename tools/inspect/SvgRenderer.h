// SvgRenderer.h: renders dot text to an SVG file with the Graphviz `dot` program.
#pragma once

#include <string>

#include "ir/Error.h"

namespace kiln::cli {

/// Runs `dot -Tsvg -o svg_path` (found on PATH) with `dot_text` on its standard input. Fails with
/// a clear message when `dot` is not installed or reports an error.
Status render_svg(const std::string& dot_text, const std::string& svg_path);

}  // namespace kiln::cli
