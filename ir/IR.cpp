// IR.cpp: the small amount of behaviour behind the IR data types (dtype tables, shapes,
// tensors, attributes and graph editing).
#include "ir/IR.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ir/Error.h"

namespace kiln {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) out += file + ": ";
  if (!node.empty()) out += "node '" + node + "': ";
  out += message;
  return out;
}

namespace {
struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::Unknown, "?", 0},   {DType::Float32, "f32", 4}, {DType::Float64, "f64", 8},
    {DType::Float16, "f16", 2}, {DType::Int8, "i8", 1},     {DType::Int16, "i16", 2},
    {DType::Int32, "i32", 4},   {DType::Int64, "i64", 8},   {DType::UInt8, "u8", 1},
    {DType::Bool, "bool", 1},   {DType::UInt16, "u16", 2},  {DType::UInt32, "u32", 4},
    {DType::UInt64, "u64", 8},
};

const DTypeInfo& info(DType dtype) {
  for (const auto& entry : kDTypes)
    if (entry.dtype == dtype) return entry;
  return kDTypes[0];
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
}  // namespace

size_t dtype_size(DType dtype) { return info(dtype).size; }
const char* dtype_name(DType dtype) { return info(dtype).name; }
std::optional<DType> parse_dtype_name(const std::string& name) {
  for (const auto& entry : kDTypes)
    if (name == entry.name) return entry.dtype;
  return std::nullopt;
}
bool is_floating(DType d) {
  return d == DType::Float32 || d == DType::Float64 || d == DType::Float16;
}
bool is_unsigned(DType d) {
  return d == DType::UInt8 || d == DType::UInt16 || d == DType::UInt32 || d == DType::UInt64;
}

std::string Dim::to_string() const {
  if (is_static()) return std::to_string(value);
  if (is_symbolic()) return symbol;
  return "?";
}

Shape static_shape(const std::vector<int64_t>& dims) {
  Shape shape;
  for (int64_t d : dims) shape.push_back(Dim::known(d));
  return shape;
}

bool is_static(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](const Dim& d) { return d.is_static(); });
}

std::optional<int64_t> static_element_count(const Shape& shape) {
  int64_t count = 1;
  for (const Dim& d : shape) {
    if (!d.is_static()) return std::nullopt;
    count *= d.value;
  }
  return count;
}

std::string shape_to_string(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    out += shape[i].to_string();
  }
  return out + "]";
}

std::string dims_to_string(const std::vector<int64_t>& dims) {
  return shape_to_string(static_shape(dims));
}

std::string TensorType::to_string() const {
  std::string out = dtype_name(dtype);
  out += shape ? shape_to_string(*shape) : "[*]";
  return out;
}

TensorData TensorData::from_vector(std::vector<uint8_t> bytes) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return TensorData(owner, owner->data(), owner->size());
}

TensorData TensorData::copy_of(const void* data, size_t size) {
  std::vector<uint8_t> bytes(size);
  if (size) std::memcpy(bytes.data(), data, size);
  return from_vector(std::move(bytes));
}

int64_t Tensor::element_count() const {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  return count;
}

double Tensor::element_as_double(int64_t i) const {
  switch (dtype) {
    case DType::Float32: return data.as<float>()[i];
    case DType::Float64: return data.as<double>()[i];
    case DType::Float16: return half_to_float(data.as<uint16_t>()[i]);
    case DType::Int8: return data.as<int8_t>()[i];
    case DType::Int16: return data.as<int16_t>()[i];
    case DType::Int32: return data.as<int32_t>()[i];
    case DType::Int64: return static_cast<double>(data.as<int64_t>()[i]);
    case DType::UInt8: return data.as<uint8_t>()[i];
    case DType::UInt16: return data.as<uint16_t>()[i];
    case DType::UInt32: return data.as<uint32_t>()[i];
    case DType::UInt64: return static_cast<double>(data.as<uint64_t>()[i]);
    case DType::Bool: return data.as<uint8_t>()[i] ? 1.0 : 0.0;
    case DType::Unknown: break;
  }
  return 0.0;
}

int64_t Tensor::element_as_int(int64_t i) const {
  switch (dtype) {
    case DType::Int64: return data.as<int64_t>()[i];
    case DType::Int32: return data.as<int32_t>()[i];
    case DType::Int16: return data.as<int16_t>()[i];
    case DType::Int8: return data.as<int8_t>()[i];
    case DType::UInt8:
    case DType::Bool: return data.as<uint8_t>()[i];
    case DType::UInt16: return data.as<uint16_t>()[i];
    case DType::UInt32: return data.as<uint32_t>()[i];
    case DType::UInt64: return static_cast<int64_t>(data.as<uint64_t>()[i]);
    default: return static_cast<int64_t>(element_as_double(i));
  }
}

Tensor make_float_tensor(const std::vector<int64_t>& dims, const std::vector<float>& values) {
  return Tensor{DType::Float32, dims,
                TensorData::copy_of(values.data(), values.size() * sizeof(float))};
}

Tensor make_int64_tensor(const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
  return Tensor{DType::Int64, dims,
                TensorData::copy_of(values.data(), values.size() * sizeof(int64_t))};
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  if (auto* v = std::get_if<double>(&it->second)) return static_cast<int64_t>(*v);
  return fallback;
}

double Attributes::get_float(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<double>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return static_cast<double>(*v);
  return fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name,
                                          const std::vector<int64_t>& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return {*v};
  return fallback;
}

std::vector<double> Attributes::get_floats(const std::string& name,
                                           const std::vector<double>& fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* v = std::get_if<std::vector<double>>(&it->second)) return *v;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second))
    return std::vector<double>(v->begin(), v->end());
  return fallback;
}

Value* Graph::add_value(const std::string& name, TensorType type) {
  auto value = std::make_unique<Value>();
  value->name = name;
  value->type = std::move(type);
  Value* raw = value.get();
  values_.push_back(std::move(value));
  value_index_.emplace(name, raw);  // keeps the first on a clash; the verifier reports it
  return raw;
}

Value* Graph::add_constant(const std::string& name, Tensor tensor) {
  TensorType type{tensor.dtype, static_shape(tensor.dims)};
  Value* value = add_value(name, type);
  value->constant = std::move(tensor);
  return value;
}

Node* Graph::add_node(const std::string& name, const std::string& op, std::vector<Value*> inputs,
                      std::vector<Value*> outputs, Attributes attrs) {
  return insert_node(nodes_.size(), name, op, std::move(inputs), std::move(outputs),
                     std::move(attrs));
}

Node* Graph::insert_node(size_t index, const std::string& name, const std::string& op,
                         std::vector<Value*> inputs, std::vector<Value*> outputs,
                         Attributes attrs) {
  auto node = std::make_unique<Node>();
  node->name = name;
  node->op = op;
  node->inputs = std::move(inputs);
  node->outputs = std::move(outputs);
  node->attrs = std::move(attrs);
  for (Value* out : node->outputs)
    if (out) out->producer = node.get();
  Node* raw = node.get();
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(std::min(index, nodes_.size())),
                std::move(node));
  return raw;
}

void Graph::remove_node(Node* node) {
  for (Value* out : node->outputs)
    if (out && out->producer == node) out->producer = nullptr;
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](const std::unique_ptr<Node>& n) { return n.get() == node; }),
               nodes_.end());
}

void Graph::remove_value(Value* value) {
  auto it = value_index_.find(value->name);
  if (it != value_index_.end() && it->second == value) value_index_.erase(it);
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const std::unique_ptr<Value>& v) { return v.get() == value; }),
                values_.end());
}

Value* Graph::find_value(const std::string& name) const {
  auto it = value_index_.find(name);
  return it == value_index_.end() ? nullptr : it->second;
}

Node* Graph::find_node(const std::string& name) const {
  for (const auto& node : nodes_)
    if (node->name == name) return node.get();
  return nullptr;
}

std::string Graph::unique_value_name(const std::string& base) const {
  if (!find_value(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!find_value(candidate)) return candidate;
  }
}

std::string Graph::unique_node_name(const std::string& base) const {
  if (!find_node(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!find_node(candidate)) return candidate;
  }
}

std::vector<Value*> Graph::constants() const {
  std::vector<Value*> out;
  for (const auto& v : values_)
    if (v->is_constant()) out.push_back(v.get());
  return out;
}

std::vector<Node*> Graph::users(const Value* value) const {
  std::vector<Node*> out;
  for (const auto& node : nodes_)
    if (std::find(node->inputs.begin(), node->inputs.end(), value) != node->inputs.end())
      out.push_back(node.get());
  return out;
}

void Graph::replace_all_uses(Value* from, Value* to) {
  for (auto& node : nodes_)
    for (Value*& in : node->inputs)
      if (in == from) in = to;
  for (Value*& out : outputs)
    if (out == from) out = to;
}

}  // namespace kiln
