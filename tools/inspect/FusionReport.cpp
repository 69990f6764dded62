// FusionReport.cpp: text, JSON and dot forms of the fusion report (HTML: FusionReportHtml.cpp).
#include "tools/inspect/FusionReport.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "passes/FuseGroups.h"
#include "tools/inspect/JsonReport.h"

namespace kiln::cli {
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

/// A dot double-quoted string on one line (line breaks become spaces).
std::string quoted_one_line(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

// Pastel fills, cycled over groups.
const char* group_colour(int64_t id) {
  static const char* const kColours[] = {"#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1",
                                         "#e8dff5", "#d7f9f1", "#fce1c8", "#e0f0d8"};
  return kColours[id % 8];
}

}  // namespace

void print_fusion_text(std::ostream& out, const FusionPlan& plan) {
  out << "fusion groups: " << plan.groups.size() << "\n";
  for (const FusionGroup& g : plan.groups) {
    out << "group " << g.id << " [" << g.schedule << "] " << join(g.ops, "+") << " -> "
        << shape_to_string(g.output_shape) << "  macs=" << g.macs
        << " bytes_saved=" << g.bytes_saved << "\n";
    out << "  nodes: " << join(g.nodes, ", ") << "\n";
  }
  out << "not fused: " << plan.not_fused.size() << "\n";
  for (const NotFusedCandidate& c : plan.not_fused)
    out << "  " << c.node << " (" << c.op << "): " << c.reason << "\n";
  const FusionTotals& t = plan.totals;
  out << "totals: kernels " << t.kernels_before << " -> " << t.kernels_after << ", " << t.groups
      << " groups of " << t.fused_nodes << " nodes, bytes_saved=" << t.bytes_saved
      << ", memory_traffic_saved=" << t.memory_traffic_saved << "\n";
}

nlohmann::ordered_json make_fusion_json(const FusionPlan& plan) {
  nlohmann::ordered_json doc;
  doc["groups"] = nlohmann::ordered_json::array();
  for (const FusionGroup& g : plan.groups) {
    nlohmann::ordered_json group;
    group["id"] = g.id;
    group["nodes"] = g.nodes;
    group["ops"] = g.ops;
    group["output_shape"] = shape_json(g.output_shape);
    group["macs"] = g.macs;
    group["bytes_saved"] = g.bytes_saved;
    group["schedule"] = g.schedule;
    doc["groups"].push_back(group);
  }
  doc["not_fused"] = nlohmann::ordered_json::array();
  for (const NotFusedCandidate& c : plan.not_fused)
    doc["not_fused"].push_back({{"node", c.node}, {"op", c.op}, {"reason", c.reason}});
  const FusionTotals& t = plan.totals;
  doc["totals"] = {{"kernels_before", t.kernels_before},
                   {"kernels_after", t.kernels_after},
                   {"groups", t.groups},
                   {"fused_nodes", t.fused_nodes},
                   {"bytes_saved", t.bytes_saved},
                   {"memory_traffic_saved", t.memory_traffic_saved}};
  return doc;
}

void print_fusion_dot(std::ostream& out, const Graph& graph, const FusionPlan& plan) {
  out << "digraph " << quoted_one_line(graph.name) << " {\n";
  out << "  node [fontname=\"Helvetica\", fontsize=10, shape=box];\n";
  std::map<const Node*, std::string> id_of;
  std::map<const Value*, std::string> source_of;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    source_of[graph.inputs[i]] = "input" + std::to_string(i);
    out << "  input" << i << " [shape=ellipse, label=" << quoted_one_line(graph.inputs[i]->name)
        << "];\n";
  }
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    id_of[graph.nodes()[i].get()] = "node" + std::to_string(i);
    for (const Value* output : graph.nodes()[i]->outputs)
      if (output) source_of[output] = "node" + std::to_string(i);
  }
  auto node_line = [&](const Node& node) {
    std::string shape;
    if (node.output(0) && node.output(0)->type.shape)
      shape = shape_to_string(*node.output(0)->type.shape);
    // Quoted part by part so that dot's "\n" line breaks are not escaped.
    std::string text;
    for (const std::string& line : {node.name, node.op, shape}) {
      const std::string part = quoted_one_line(line);
      text += (text.empty() ? "" : "\\n") + part.substr(1, part.size() - 2);
    }
    return id_of[&node] + " [label=\"" + text + "\"];\n";
  };
  for (const FusionGroup& g : plan.groups) {
    out << "  subgraph cluster_group" << g.id << " {\n    style=filled; color=\"#888888\"; "
        << "fillcolor=" << quoted_one_line(group_colour(g.id))
        << "; label=" << quoted_one_line("group " + std::to_string(g.id) + ": " + g.schedule)
        << ";\n";
    for (const Node* member : g.members) out << "    " << node_line(*member);
    out << "  }\n";
  }
  for (const auto& owned : graph.nodes())
    if (!owned->attrs.has("fusion_group")) out << "  " << node_line(*owned);
  for (const auto& owned : graph.nodes())
    for (const Value* input : owned->inputs)
      if (auto source = source_of.find(input); source != source_of.end())
        out << "  " << source->second << " -> " << id_of[owned.get()] << ";\n";
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    out << "  output" << i << " [shape=ellipse, label=" << quoted_one_line(graph.outputs[i]->name)
        << "];\n";
    if (auto source = source_of.find(graph.outputs[i]); source != source_of.end())
      out << "  " << source->second << " -> output" << i << ";\n";
  }
  out << "}\n";
}

Status ensure_fused(Graph& graph) {
  for (const auto& node : graph.nodes())
    if (node->attrs.has("fusion_group") || node->attrs.has("fusion_not_fused")) return Status::ok();
  return fuse_groups(graph);
}

Result<std::vector<std::string>> write_fusion_files(const Graph& graph, const std::string& dir,
                                                    const std::string& name) {
  const FusionPlan plan = read_fusion_plan(graph);
  const std::string base = (std::filesystem::path(dir) / name).string();
  Result<std::string> html = make_fusion_html(graph, plan);
  if (!html) return html.error();
  std::vector<std::string> written;
  for (const auto& [path, text] :
       {std::pair{base + ".fusion.json", make_fusion_json(plan).dump(2) + "\n"},
        std::pair{base + ".fusion.html", *html}}) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) return Error{path, "", "cannot write the fusion report"};
    written.push_back(path);
  }
  return written;
}

Result<KernelProfile> read_kernel_profile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path, "", "cannot open the profile"};
  nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("kernels") ||
      !json["kernels"].is_array())
    return Error{path, "", "not a profile (expected the JSON of `kiln bench --profile`)"};
  KernelProfile profile;
  profile.total_ms = json.value("total_ms", 0.0);
  for (const nlohmann::json& k : json["kernels"]) {
    if (!k.is_object() || !k.contains("name") || !k["name"].is_string())
      return Error{path, "", "a kernel entry has no name"};
    profile.kernels.push_back({k["name"].get<std::string>(), k.value("template", std::string()),
                               k.value("schedule", std::string()), k.value("median_ms", 0.0),
                               k.value("gflops", 0.0)});
  }
  return profile;
}

Status write_fusion_report(std::ostream& out, Graph& graph, const std::string& format,
                           const KernelProfile* profile) {
  KILN_RETURN_IF_ERROR(ensure_fused(graph));
  const FusionPlan plan = read_fusion_plan(graph);
  if (format == "json") {
    out << make_fusion_json(plan).dump(2) << "\n";
  } else if (format == "dot") {
    print_fusion_dot(out, graph, plan);
  } else if (format == "html") {
    Result<std::string> html = make_fusion_html(graph, plan, profile);
    if (!html) return html.error();
    out << *html;
  } else {
    print_fusion_text(out, plan);
  }
  return Status::ok();
}

}  // namespace kiln::cli
