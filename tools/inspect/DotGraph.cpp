// DotGraph.cpp: writes a graph in Graphviz's dot language.
#include "tools/inspect/DotGraph.h"

#include <map>
#include <string>

namespace kiln::cli {
namespace {

/// A dot double-quoted string; "\n" inside stays a dot line break.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string type_text(const Value& value) {
  return value.type.shape ? shape_to_string(*value.type.shape) : "[*]";
}

/// A label whose lines are joined by dot's "\n" escape (added after quoting the parts).
std::string label(std::initializer_list<std::string> lines) {
  std::string out;
  for (const std::string& line : lines) {
    std::string part = quoted(line);
    if (!out.empty()) out += "\\n";
    out += part.substr(1, part.size() - 2);
  }
  return "\"" + out + "\"";
}

}  // namespace

void print_dot_graph(std::ostream& out, const Graph& graph) {
  out << "digraph " << quoted(graph.name) << " {\n";
  out << "  node [fontname=\"Helvetica\", fontsize=10];\n";
  // Where each value comes from: the dot id of its producer node or graph input.
  std::map<const Value*, std::string> source_of;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const Value& input = *graph.inputs[i];
    std::string id = "input" + std::to_string(i);
    source_of[&input] = id;
    out << "  " << id << " [shape=ellipse, label=" << label({input.name, type_text(input)})
        << "];\n";
  }
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    const Node& node = *graph.nodes()[i];
    std::string id = "node" + std::to_string(i);
    std::string shapes;
    for (const Value* output : node.outputs) {
      if (output == nullptr) continue;
      source_of[output] = id;
      if (!shapes.empty()) shapes += ' ';
      shapes += type_text(*output);
    }
    out << "  " << id << " [shape=box, label=" << label({node.name, node.op, shapes}) << "];\n";
    for (const Value* input : node.inputs) {
      auto source = source_of.find(input);
      if (source == source_of.end()) continue;  // constants and omitted inputs
      out << "  " << source->second << " -> " << id << ";\n";
    }
  }
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const Value& output = *graph.outputs[i];
    std::string id = "output" + std::to_string(i);
    out << "  " << id << " [shape=ellipse, label=" << label({output.name, type_text(output)})
        << "];\n";
    if (auto source = source_of.find(&output); source != source_of.end()) {
      out << "  " << source->second << " -> " << id << ";\n";
    }
  }
  out << "}\n";
}

}  // namespace kiln::cli
