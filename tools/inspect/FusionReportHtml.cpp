// FusionReportHtml.cpp: the self-contained HTML fusion report: the fused graph as inline SVG
// (Graphviz draws it to a temporary file that is read back) and the tables, with no external
// stylesheet, script or image.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tools/inspect/FusionReport.h"
#include "tools/inspect/SvgRenderer.h"

namespace kiln::cli {
namespace {

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string comma_joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

Result<std::string> render_inline_svg(const std::string& dot_text) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("kiln-fusion-" + std::to_string(getpid()) + ".svg");
  Status status = render_svg(dot_text, path.string());
  if (!status) return status.error();
  std::ifstream in(path);
  std::stringstream svg;
  svg << in.rdbuf();
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::string text = svg.str();
  // The XML prologue and DOCTYPE are not allowed inside HTML: keep from <svg on.
  const size_t start = text.find("<svg");
  return start == std::string::npos ? text : text.substr(start);
}

}  // namespace

Result<std::string> make_fusion_html(const Graph& graph, const FusionPlan& plan,
                                     const KernelProfile* profile) {
  std::map<std::string, const KernelProfile::Kernel*> kernel_of;
  if (profile)
    for (const KernelProfile::Kernel& k : profile->kernels) kernel_of[k.name] = &k;
  auto kernel_ms = [&](const std::string& stage) -> std::string {
    auto it = kernel_of.find(stage);
    if (it == kernel_of.end()) return "";
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", it->second->median_ms);
    return text;
  };
  std::ostringstream dot;
  print_fusion_dot(dot, graph, plan);
  // Without Graphviz the page still carries the tables (compile must not fail over a picture).
  Result<std::string> svg = render_inline_svg(dot.str());
  const std::string picture =
      svg ? *svg : "<p>graph picture unavailable: " + escape_html(svg.error().message) + "</p>";

  std::ostringstream html;
  const std::string title = "Kiln fusion report: " + escape_html(graph.name);
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << title
       << "</title>\n<style>body{font-family:sans-serif;margin:1em}"
          "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 6px;"
          "font-size:13px;text-align:left}th{background:#eee}.num{text-align:right}"
          ".graph{overflow:auto;border:1px solid #ddd;max-height:80vh}</style></head><body>\n";
  const FusionTotals& t = plan.totals;
  html << "<h1>" << title << "</h1>\n<p>Kernels: " << t.kernels_before << " before fusion, "
       << t.kernels_after << " after; " << t.groups << " groups of " << t.fused_nodes
       << " nodes; intermediates kept out of memory: " << t.bytes_saved
       << " bytes; memory traffic saved: " << t.memory_traffic_saved << " bytes.</p>\n";
  html << "<h2>Groups</h2>\n<table><tr><th>id</th><th>nodes</th><th>ops</th><th>output shape"
          "</th><th>MACs</th><th>bytes saved</th><th>pattern</th>"
       << (profile ? "<th>ms</th>" : "") << "</tr>\n";
  for (const FusionGroup& g : plan.groups) {
    html << "<tr><td class=\"num\">" << g.id << "</td><td>" << escape_html(comma_joined(g.nodes))
         << "</td><td>" << escape_html(comma_joined(g.ops)) << "</td><td>"
         << escape_html(shape_to_string(g.output_shape)) << "</td><td class=\"num\">" << g.macs
         << "</td><td class=\"num\">" << g.bytes_saved << "</td><td>" << escape_html(g.schedule)
         << "</td>";
    if (profile)
      html << "<td class=\"num\">" << (g.nodes.empty() ? "" : kernel_ms(g.nodes.back())) << "</td>";
    html << "</tr>\n";
  }
  html << "</table>\n";
  if (profile) {
    std::vector<const KernelProfile::Kernel*> slowest;
    for (const KernelProfile::Kernel& k : profile->kernels) slowest.push_back(&k);
    std::stable_sort(slowest.begin(), slowest.end(),
                     [](const auto* a, const auto* b) { return a->median_ms > b->median_ms; });
    char total[64];
    std::snprintf(total, sizeof total, "%.3f", profile->total_ms);
    html << "<h2>Kernel times</h2>\n<p>Whole run: " << total << " ms (median).</p>\n"
         << "<table><tr><th>kernel</th><th>template</th><th>schedule</th><th>ms</th>"
            "<th>share</th><th>GFLOP/s</th></tr>\n";
    for (const KernelProfile::Kernel* k : slowest) {
      char cells[160];
      std::snprintf(cells, sizeof cells,
                    "<td class=\"num\">%.3f</td><td class=\"num\">%.1f%%</td>"
                    "<td class=\"num\">%.2f</td>",
                    k->median_ms,
                    profile->total_ms > 0 ? 100.0 * k->median_ms / profile->total_ms : 0.0,
                    k->gflops);
      html << "<tr><td>" << escape_html(k->name) << "</td><td>" << escape_html(k->template_name)
           << "</td><td>" << escape_html(k->schedule) << "</td>" << cells << "</tr>\n";
    }
    html << "</table>\n";
  }
  html << "<h2>Not fused</h2>\n<table><tr><th>node</th><th>op</th><th>reason</th></tr>\n";
  for (const NotFusedCandidate& c : plan.not_fused)
    html << "<tr><td>" << escape_html(c.node) << "</td><td>" << escape_html(c.op) << "</td><td>"
         << escape_html(c.reason) << "</td></tr>\n";
  html << "</table>\n<h2>Graph</h2>\n<div class=\"graph\">\n"
       << picture << "</div>\n</body></html>\n";
  return html.str();
}

}  // namespace kiln::cli
