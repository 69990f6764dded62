// NodeConverter.cpp: reading ONNX node inputs/attributes and emitting IR for op converters.
#include "frontend/onnx/NodeConverter.h"

#include <algorithm>

#include "frontend/onnx/ImportFolding.h"

namespace kiln::onnx_import {
namespace {

const char* kind_name(AttrKind kind) {
  switch (kind) {
    case AttrKind::Int:
      return "an int";
    case AttrKind::Float:
      return "a float";
    case AttrKind::String:
      return "a string";
    case AttrKind::Ints:
      return "a list of ints";
    case AttrKind::Floats:
      return "a list of floats";
  }
  return "?";
}

/// Old exporters leave `type` unset and only fill the value field; infer it from that.
onnx::AttributeProto::AttributeType attribute_type(const onnx::AttributeProto& attr) {
  if (attr.type() != onnx::AttributeProto::UNDEFINED) return attr.type();
  if (attr.has_f()) return onnx::AttributeProto::FLOAT;
  if (attr.has_i()) return onnx::AttributeProto::INT;
  if (attr.has_s()) return onnx::AttributeProto::STRING;
  if (attr.has_t()) return onnx::AttributeProto::TENSOR;
  if (attr.ints_size()) return onnx::AttributeProto::INTS;
  if (attr.floats_size()) return onnx::AttributeProto::FLOATS;
  return onnx::AttributeProto::UNDEFINED;
}

/// The IR value of `attr` when its ONNX type matches `kind`.
std::optional<AttributeValue> attribute_value(const onnx::AttributeProto& attr, AttrKind kind) {
  onnx::AttributeProto::AttributeType type = attribute_type(attr);
  switch (kind) {
    case AttrKind::Int:
      if (type == onnx::AttributeProto::INT) return AttributeValue(int64_t{attr.i()});
      break;
    case AttrKind::Float:
      if (type == onnx::AttributeProto::FLOAT) return AttributeValue(double{attr.f()});
      break;
    case AttrKind::String:
      if (type == onnx::AttributeProto::STRING) return AttributeValue(attr.s());
      break;
    case AttrKind::Ints:
      if (type == onnx::AttributeProto::INTS || type == onnx::AttributeProto::UNDEFINED)
        return AttributeValue(std::vector<int64_t>(attr.ints().begin(), attr.ints().end()));
      break;
    case AttrKind::Floats:
      if (type == onnx::AttributeProto::FLOATS && attr.floats_size())
        return AttributeValue(std::vector<double>(attr.floats().begin(), attr.floats().end()));
      if (type == onnx::AttributeProto::FLOATS || type == onnx::AttributeProto::UNDEFINED)
        return AttributeValue(std::vector<int64_t>{});  // the IR's empty list
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string GraphBuilder::fresh_value_name(const std::string& base) const {
  auto taken = [&](const std::string& name) {
    return onnx_value_names.count(name) || graph.find_value(name);
  };
  if (!taken(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!taken(candidate)) return candidate;
  }
}

std::string GraphBuilder::fresh_node_name(const std::string& base) {
  std::string name = base;
  for (int i = 1; node_names.count(name); ++i) name = base + "_" + std::to_string(i);
  node_names.insert(name);
  return name;
}

Error NodeConverter::error(const std::string& message) const {
  return Error{builder_.file, name_, message};
}

Result<Value*> NodeConverter::input(size_t i) const {
  if (i >= static_cast<size_t>(proto_.input_size()) || proto_.input(i).empty())
    return static_cast<Value*>(nullptr);
  Value* value = builder_.graph.find_value(proto_.input(i));
  if (!value)
    return error("input '" + proto_.input(i) +
                 "' is not defined before this node (not a graph input, initializer or "
                 "earlier node output)");
  return value;
}

Result<Value*> NodeConverter::required_input(size_t i, const std::string& role) const {
  Result<Value*> value = input(i);
  if (value && !*value) return error(op_type() + " needs its '" + role + "' input");
  return value;
}

Result<std::vector<Value*>> NodeConverter::inputs_up_to(
    size_t count, size_t required, const std::vector<std::string>& roles) const {
  std::vector<Value*> inputs;
  for (size_t i = 0; i < count; ++i) {
    const std::string role = i < roles.size() ? roles[i] : "input " + std::to_string(i);
    Result<Value*> value = i < required ? required_input(i, role) : input(i);
    if (!value) return value.error();
    inputs.push_back(*value);
  }
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  return inputs;
}

Result<const Tensor*> NodeConverter::constant_input(size_t i, const std::string& role) const {
  Result<Value*> value = input(i);
  if (!value) return value.error();
  if (!*value) return static_cast<const Tensor*>(nullptr);
  if ((*value)->is_constant()) return &*(*value)->constant;
  if (!fold_at_import(builder_, *value))
    return error(op_type() + " input '" + role + "' ('" + (*value)->name +
                 "') must be a constant: an initializer, a Constant node, or computed from "
                 "those and static shapes");
  return &builder_.folded.at(*value);
}

Result<Value*> NodeConverter::folded_input(size_t i) {
  Result<Value*> value = input(i);
  if (!value || !*value || (*value)->is_constant()) return value;
  std::optional<Tensor> folded = fold_at_import(builder_, *value);
  if (!folded) return value;
  return builder_.graph.add_constant(builder_.fresh_value_name((*value)->name + "/folded"),
                                     std::move(*folded));
}

Result<std::optional<std::vector<int64_t>>> NodeConverter::constant_ints(
    size_t i, const std::string& role) const {
  Result<const Tensor*> tensor = constant_input(i, role);
  if (!tensor) return tensor.error();
  if (!*tensor) return std::optional<std::vector<int64_t>>();
  if (is_floating((*tensor)->dtype) || (*tensor)->dims.size() > 1)
    return error(op_type() + " input '" + role + "' must be a 1-D integer tensor");
  std::vector<int64_t> values;
  for (int64_t k = 0; k < (*tensor)->element_count(); ++k)
    values.push_back((*tensor)->element_as_int(k));
  return std::optional<std::vector<int64_t>>(std::move(values));
}

Result<std::optional<double>> NodeConverter::constant_scalar(size_t i,
                                                             const std::string& role) const {
  Result<const Tensor*> tensor = constant_input(i, role);
  if (!tensor) return tensor.error();
  if (!*tensor) return std::optional<double>();
  if ((*tensor)->element_count() != 1)
    return error(op_type() + " input '" + role + "' must hold exactly one value");
  return std::optional<double>((*tensor)->element_as_double(0));
}

const onnx::AttributeProto* NodeConverter::attribute(const std::string& name) const {
  for (const onnx::AttributeProto& attr : proto_.attribute())
    if (attr.name() == name) return &attr;
  return nullptr;
}

Result<Attributes> NodeConverter::convert_attributes(
    const std::vector<AttrSpec>& known, const std::vector<std::string>& ignored) const {
  Attributes out;
  for (const onnx::AttributeProto& attr : proto_.attribute()) {
    if (!attr.ref_attr_name().empty())
      return error("attribute '" + attr.name() + "' refers to a function attribute");
    auto spec = std::find_if(known.begin(), known.end(),
                             [&](const AttrSpec& s) { return attr.name() == s.name; });
    if (spec == known.end()) {
      bool skip = std::any_of(ignored.begin(), ignored.end(),
                              [&](const std::string& name) { return attr.name() == name; });
      if (skip) continue;
      return error("unsupported attribute '" + attr.name() + "' for " + op_type() + " (opset " +
                   std::to_string(opset()) + ")");
    }
    std::optional<AttributeValue> value = attribute_value(attr, spec->kind);
    if (!value) return error("attribute '" + attr.name() + "' must be " + kind_name(spec->kind));
    out.set(attr.name(), std::move(*value));
  }
  return out;
}

bool NodeConverter::output_used(size_t i) const {
  return i < static_cast<size_t>(proto_.output_size()) && !proto_.output(i).empty() &&
         builder_.used_value_names.count(proto_.output(i));
}

Status NodeConverter::reject_used_outputs(size_t first, const std::string& what) const {
  for (size_t i = first; i < static_cast<size_t>(proto_.output_size()); ++i)
    if (output_used(i))
      return error(op_type() + " output " + std::to_string(i) + " ('" + proto_.output(i) +
                   "') is used, but " + what);
  return Status::ok();
}

Result<Value*> NodeConverter::define_output(size_t i) {
  std::string name = i < static_cast<size_t>(proto_.output_size()) ? proto_.output(i) : "";
  if (name.empty()) return temporary("output" + std::to_string(i));
  if (builder_.graph.find_value(name))
    return error("value '" + name + "' is defined more than once");
  return builder_.graph.add_value(name);
}

Result<std::vector<Value*>> NodeConverter::define_outputs(size_t count) {
  std::vector<Value*> outputs;
  for (size_t i = 0; i < count; ++i) {
    Result<Value*> value = define_output(i);
    if (!value) return value.error();
    outputs.push_back(*value);
  }
  return outputs;
}

Value* NodeConverter::temporary(const std::string& suffix) {
  return builder_.graph.add_value(builder_.fresh_value_name(name_ + "/" + suffix));
}

std::optional<int64_t> NodeConverter::known_rank(const Value* value) const {
  if (value->type.shape) return static_cast<int64_t>(value->type.shape->size());
  auto hint = builder_.type_hints.find(value->name);
  if (hint != builder_.type_hints.end() && hint->second.shape)
    return static_cast<int64_t>(hint->second.shape->size());
  return std::nullopt;
}

Node* NodeConverter::emit(const std::string& op, std::vector<Value*> inputs,
                          std::vector<Value*> outputs, Attributes attrs,
                          const std::string& suffix) {
  std::string node_name = name_;
  if (name_used_) node_name = builder_.fresh_node_name(name_ + "/" + suffix);
  name_used_ = true;
  return builder_.graph.add_node(node_name, op, std::move(inputs), std::move(outputs),
                                 std::move(attrs));
}

}  // namespace kiln::onnx_import
