// Printer.cpp: writes a Graph as the deterministic IR text documented in ir/Printer.h.
#include "ir/Printer.h"

#include <cstring>
#include <sstream>

#include "ir/Lexer.h"
#include "ir/NumberText.h"

namespace kiln {

namespace {

std::string value_name(const std::string& name) {
  return "%" + (is_bare_name(name) ? name : quote_string(name));
}

std::string at_name(const std::string& name) {
  return "@" + (is_bare_name(name) ? name : quote_string(name));
}

std::string identifier_or_quoted(const std::string& name) {
  return is_bare_identifier(name) ? name : quote_string(name);
}

std::string dim_text(const Dim& dim) {
  if (dim.is_static()) return std::to_string(dim.value);
  if (dim.is_symbolic()) return identifier_or_quoted(dim.symbol);
  return "?";
}

std::string type_text(const TensorType& type) {
  std::string out = dtype_name(type.dtype);
  if (!type.shape) return out + "[*]";
  out += "[";
  for (size_t i = 0; i < type.shape->size(); ++i) {
    if (i) out += ",";
    out += dim_text((*type.shape)[i]);
  }
  return out + "]";
}

template <typename T, typename Format>
std::string list_text(const std::vector<T>& items, Format format) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += format(items[i]);
  }
  return out + "]";
}

std::string attribute_text(const AttributeValue& value) {
  if (auto* v = std::get_if<int64_t>(&value)) return std::to_string(*v);
  if (auto* v = std::get_if<double>(&value)) return format_float_attribute(*v);
  if (auto* v = std::get_if<std::string>(&value)) return quote_string(*v);
  if (auto* v = std::get_if<std::vector<int64_t>>(&value))
    return list_text(*v, [](int64_t x) { return std::to_string(x); });
  if (auto* v = std::get_if<std::vector<double>>(&value))
    return list_text(*v, format_float_attribute);
  const auto& strings = std::get<std::vector<std::string>>(value);
  return list_text(strings, [](const std::string& s) { return quote_string(s); });
}

std::string attributes_text(const Attributes& attrs) {
  if (attrs.all().empty()) return "";
  std::string out = " {";
  bool first = true;
  for (const auto& [name, value] : attrs.all()) {  // std::map: already sorted by name
    if (!first) out += ", ";
    first = false;
    out += identifier_or_quoted(name) + " = " + attribute_text(value);
  }
  return out + "}";
}

template <typename T>
T load(const uint8_t* bytes, int64_t index) {
  T value;
  std::memcpy(&value, bytes + index * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return value;
}

std::string element_text(const Tensor& tensor, int64_t i) {
  const uint8_t* bytes = tensor.data.data();
  switch (tensor.dtype) {
    case DType::Float32:
      return format_f32(load<float>(bytes, i));
    case DType::Float64:
      return format_f64(load<double>(bytes, i));
    // Every f16 value is exactly an f32, so its shortest f32 digits round-trip.
    case DType::Float16:
      return format_f32(static_cast<float>(tensor.element_as_double(i)));
    case DType::Bool:
      return load<uint8_t>(bytes, i) ? "1" : "0";
    case DType::UInt64:
      return std::to_string(load<uint64_t>(bytes, i));
    default:
      return std::to_string(tensor.element_as_int(i));
  }
}

/// The constant's value text, or a note saying why its bytes cannot be shown.
std::string constant_text(const Tensor& tensor, const PrintOptions& options) {
  int64_t count = tensor.element_count();
  if (options.elide_constants_above > 0 && count > options.elide_constants_above) return "elided";
  size_t element_size = dtype_size(tensor.dtype);
  // A malformed constant (the verifier reports it) must not make the printer read out of bounds.
  if (element_size == 0 || count < 0 ||
      tensor.data.size() != static_cast<size_t>(count) * element_size)
    return "elided";
  std::string out = "[";
  for (int64_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += element_text(tensor, i);
  }
  return out + "]";
}

std::string optional_value_name(const Value* value) {
  return value ? value_name(value->name) : "_";
}

void print_node(std::ostream& out, const Node& node) {
  out << "  ";
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (i) out << ", ";
    const Value* output = node.outputs[i];
    out << optional_value_name(output);
    if (output) out << ": " << type_text(output->type);
  }
  if (!node.outputs.empty()) out << " = ";
  // A bare `_` would read back as an omitted output.
  out << (node.op == "_" ? quote_string(node.op) : identifier_or_quoted(node.op)) << " "
      << at_name(node.name) << " (";
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (i) out << ", ";
    out << optional_value_name(node.inputs[i]);
  }
  out << ")" << attributes_text(node.attrs) << "\n";
}

}  // namespace

void print_graph(std::ostream& out, const Graph& graph, const PrintOptions& options) {
  out << "graph " << at_name(graph.name) << " {\n";
  for (const Value* input : graph.inputs) {
    out << "  input " << optional_value_name(input);
    if (input) out << ": " << type_text(input->type);
    out << "\n";
  }
  for (const Value* constant : graph.constants()) {
    out << "  const " << value_name(constant->name) << ": " << type_text(constant->type) << " = "
        << constant_text(*constant->constant, options) << "\n";
  }
  for (const auto& node : graph.nodes())
    if (node) print_node(out, *node);
  for (const Value* output : graph.outputs)
    out << "  output " << optional_value_name(output) << "\n";
  out << "}\n";
}

std::string graph_to_string(const Graph& graph, const PrintOptions& options) {
  std::ostringstream out;
  print_graph(out, graph, options);
  return out.str();
}

}  // namespace kiln
