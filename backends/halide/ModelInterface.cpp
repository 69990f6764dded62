// ModelInterface.cpp: derives C names and symbol tables for a model's inputs and outputs.
#include "backends/halide/ModelInterface.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kiln {
namespace {

std::string to_c_identifier(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "t_" + out;
  return out;
}

std::string unique_c_name(const std::string& name, std::set<std::string>& taken) {
  std::string base = to_c_identifier(name), candidate = base;
  for (int i = 1; taken.count(candidate); ++i) candidate = base + "_" + std::to_string(i);
  taken.insert(candidate);
  return candidate;
}

Result<InterfaceTensor> describe_tensor(const Value& value, ModelInterface& model,
                                        std::set<std::string>& taken, bool is_input) {
  InterfaceTensor tensor;
  tensor.name = value.name;
  tensor.c_name = unique_c_name(value.name, taken);
  tensor.dtype = value.type.dtype;
  if (!value.type.is_known())
    return make_error("model " + std::string(is_input ? "input" : "output") + " '" + value.name +
                      "' has no known type");
  for (const Dim& dim : *value.type.shape) {
    if (dim.is_static()) {
      tensor.dims.push_back(dim.value);
      tensor.dim_symbols.push_back(-1);
      continue;
    }
    if (dim.is_unknown())
      return make_error("model value '" + value.name + "' has an unknown dimension");
    auto it = std::find(model.symbols.begin(), model.symbols.end(), dim.symbol);
    if (it == model.symbols.end()) {
      if (!is_input)
        return make_error("output '" + value.name + "' has dimension '" + dim.symbol +
                          "', which no input dimension determines");
      model.symbols.push_back(dim.symbol);
      model.symbol_c_names.push_back(unique_c_name(dim.symbol, taken));
      it = model.symbols.end() - 1;
    }
    tensor.dims.push_back(-1);
    tensor.dim_symbols.push_back(static_cast<int>(it - model.symbols.begin()));
  }
  return tensor;
}

}  // namespace

bool is_c_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Result<ModelInterface> describe_model_interface(const Graph& graph, const std::string& name) {
  if (!is_c_identifier(name))
    return make_error("library name '" + name + "' is not a C identifier");
  ModelInterface model;
  model.name = name;
  std::set<std::string> taken;
  for (const Value* input : graph.inputs) {
    auto tensor = describe_tensor(*input, model, taken, true);
    if (!tensor) return tensor.error();
    model.inputs.push_back(std::move(*tensor));
  }
  for (const Value* output : graph.outputs) {
    auto tensor = describe_tensor(*output, model, taken, false);
    if (!tensor) return tensor.error();
    model.outputs.push_back(std::move(*tensor));
  }
  return model;
}

std::string c_string_literal(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* digits = "01234567";
      out += '\\';
      out += digits[(c >> 6) & 7];
      out += digits[(c >> 3) & 7];
      out += digits[c & 7];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string comment_safe(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '/') out += ' ';
  }
  return out;
}

const char* c_type_name(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "float";
    case DType::Float64:
      return "double";
    case DType::Float16:
      return "uint16_t";
    case DType::Int8:
      return "int8_t";
    case DType::Int16:
      return "int16_t";
    case DType::Int32:
      return "int32_t";
    case DType::Int64:
      return "int64_t";
    case DType::UInt8:
      return "uint8_t";
    case DType::UInt16:
      return "uint16_t";
    case DType::UInt32:
      return "uint32_t";
    case DType::UInt64:
      return "uint64_t";
    case DType::Bool:
      return "uint8_t";
    case DType::Unknown:
      break;
  }
  return "void";
}

const char* abi_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "KILN_DTYPE_F32";
    case DType::Float64:
      return "KILN_DTYPE_F64";
    case DType::Float16:
      return "KILN_DTYPE_F16";
    case DType::Int8:
      return "KILN_DTYPE_I8";
    case DType::Int16:
      return "KILN_DTYPE_I16";
    case DType::Int32:
      return "KILN_DTYPE_I32";
    case DType::Int64:
      return "KILN_DTYPE_I64";
    case DType::UInt8:
      return "KILN_DTYPE_U8";
    case DType::UInt16:
      return "KILN_DTYPE_U16";
    case DType::UInt32:
      return "KILN_DTYPE_U32";
    case DType::UInt64:
      return "KILN_DTYPE_U64";
    case DType::Bool:
      return "KILN_DTYPE_BOOL";
    case DType::Unknown:
      break;
  }
  return "0";
}

}  // namespace kiln
