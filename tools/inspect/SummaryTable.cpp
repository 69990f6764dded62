// SummaryTable.cpp: lays out the summary table; column widths follow the widest cell.
#include "tools/inspect/SummaryTable.h"

#include <algorithm>
#include <string>
#include <vector>

namespace kiln::cli {
namespace {

using Row = std::vector<std::string>;

struct Column {
  const char* title;
  bool right_aligned;
};

constexpr Column kColumns[] = {{"Node", false},  {"Op", false},  {"Output Shape", false},
                               {"Params", true}, {"MACs", true}, {"Receptive Field", true},
                               {"Jump", true}};
constexpr size_t kColumnCount = std::size(kColumns);
constexpr const char* kColumnGap = "  ";

/// One number when every spatial axis agrees (square windows), else "7x3".
std::string format_per_axis(const std::vector<int64_t>& values) {
  if (values.empty()) return "-";
  if (std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == values[0]; }))
    return std::to_string(values[0]);
  std::string text;
  for (int64_t value : values) {
    if (!text.empty()) text += 'x';
    text += std::to_string(value);
  }
  return text;
}

std::string output_shapes(const Node& node) {
  std::string text;
  for (const Value* output : node.outputs) {
    if (!text.empty()) text += " ";
    text += output == nullptr    ? "_"
            : output->type.shape ? shape_to_string(*output->type.shape)
                                 : "[*]";
  }
  return text;
}

Row node_row(const Node& node, const NodeCost& cost) {
  const bool has_field = cost.receptive_field.has_value();
  return {node.name,
          node.op,
          output_shapes(node),
          format_with_thousands(cost.params),
          format_with_thousands(cost.macs),
          has_field ? format_per_axis(cost.receptive_field->size) : "-",
          has_field ? format_per_axis(cost.receptive_field->jump) : "-"};
}

void print_row(std::ostream& out, const Row& row, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < kColumnCount; ++i) {
    std::string padding(widths[i] - std::min(widths[i], row[i].size()), ' ');
    if (i) line += kColumnGap;
    line += kColumns[i].right_aligned ? padding + row[i] : row[i] + padding;
  }
  line.erase(line.find_last_not_of(' ') + 1);
  out << line << '\n';
}

}  // namespace

std::string format_with_thousands(int64_t number) {
  std::string digits = std::to_string(number < 0 ? -number : number);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return number < 0 ? "-" + text : text;
}

void print_summary_table(std::ostream& out, const Graph& graph, const CostReport& costs) {
  std::vector<Row> rows;
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    rows.push_back(node_row(*graph.nodes()[i], costs.nodes.at(i)));
  }
  Row header;
  for (const Column& column : kColumns) header.push_back(column.title);
  Row totals = {"Total",
                "",
                "",
                format_with_thousands(costs.total_params),
                format_with_thousands(costs.total_macs),
                "",
                ""};

  std::vector<size_t> widths(kColumnCount, 0);
  for (const Row* row : {&header, &totals}) {
    for (size_t i = 0; i < kColumnCount; ++i) widths[i] = std::max(widths[i], (*row)[i].size());
  }
  for (const Row& row : rows) {
    for (size_t i = 0; i < kColumnCount; ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  size_t table_width = (kColumnCount - 1) * std::string(kColumnGap).size();
  for (size_t width : widths) table_width += width;

  out << "Model: \"" << graph.name << "\"\n";
  out << std::string(table_width, '_') << '\n';
  print_row(out, header, widths);
  out << std::string(table_width, '=') << '\n';
  for (const Row& row : rows) print_row(out, row, widths);
  out << std::string(table_width, '=') << '\n';
  print_row(out, totals, widths);
  out << std::string(table_width, '_') << '\n';
}

}  // namespace kiln::cli
