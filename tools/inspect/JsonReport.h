// JsonReport.h: the `kiln inspect --format json` document, for scripts and tests.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "ir/IR.h"
#include "passes/CostAnalysis.h"

namespace kiln::cli {

/// Builds {"nodes": [{"name", "op", "inputs", "outputs", "params", "macs"}], "inputs",
/// "outputs", "totals": {"params", "macs"}}. A value is {"name", "dtype", "shape"}: dtype as in
/// IR text ("f32"), static dims as numbers, symbolic dims as their name, unknown dims as "?", an
/// unknown rank as null. Omitted optional node inputs appear as null.
nlohmann::ordered_json make_json_report(const Graph& graph, const CostReport& costs);

/// A shape as the reports write it: static dims as numbers, symbolic dims as their name, unknown
/// dims as "?"; null for an unknown rank.
nlohmann::ordered_json shape_json(const std::optional<Shape>& shape);

}  // namespace kiln::cli
