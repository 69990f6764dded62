// FusionReport.h: the fusion report of `kiln inspect MODEL --fusion` and of `kiln compile`
// (DIR/NAME.fusion.json, DIR/NAME.fusion.html), in text, JSON, Graphviz dot and HTML.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"
#include "passes/FusionPlan.h"

namespace kiln::cli {

/// A table of groups (id, nodes, ops, output shape, MACs, bytes saved, schedule), the
/// candidates left unfused with their reasons, and the totals.
void print_fusion_text(std::ostream& out, const FusionPlan& plan);

/// {"groups": [{"id", "nodes", "ops", "output_shape", "macs", "bytes_saved", "schedule"}],
///  "not_fused": [{"node", "op", "reason"}], "totals": {"kernels_before", "kernels_after",
///  "groups", "fused_nodes", "bytes_saved", "memory_traffic_saved"}}. Static dims are numbers,
/// symbolic dims their name, unknown dims "?".
nlohmann::ordered_json make_fusion_json(const FusionPlan& plan);

/// The graph in dot with each group as a coloured cluster labelled "group <id>: <schedule>".
void print_fusion_dot(std::ostream& out, const Graph& graph, const FusionPlan& plan);

/// Kernel times measured by `kiln bench LIB --profile --format json`.
struct KernelProfile {
  struct Kernel {
    std::string name, template_name, schedule;
    double median_ms = 0, gflops = 0;
  };
  double total_ms = 0;
  std::vector<Kernel> kernels;  ///< run order
};

/// Reads a `kiln bench --profile --format json` file; errors name the file.
Result<KernelProfile> read_kernel_profile(const std::string& path);

/// One self-contained HTML page: the fusion dot graph rendered to inline SVG by Graphviz, the
/// group table, the unfused candidates and the totals. Without Graphviz the page says so in
/// place of the picture. With `profile`, each group shows its kernel's time and a table lists
/// every kernel's time, slowest first.
Result<std::string> make_fusion_html(const Graph& graph, const FusionPlan& plan,
                                     const KernelProfile* profile = nullptr);

/// Runs the fusion pass unless the graph already carries fusion attributes (a pipeline ran it).
Status ensure_fused(Graph& graph);

/// Writes DIR/NAME.fusion.json and DIR/NAME.fusion.html; returns the paths written.
Result<std::vector<std::string>> write_fusion_files(const Graph& graph, const std::string& dir,
                                                    const std::string& name);

/// Writes the report of `graph` in `format` (text, json, html or dot) to `out`. A graph that
/// carries no fusion attributes (the fusion pass did not run) is fused first.
Status write_fusion_report(std::ostream& out, Graph& graph, const std::string& format,
                           const KernelProfile* profile = nullptr);

}  // namespace kiln::cli
