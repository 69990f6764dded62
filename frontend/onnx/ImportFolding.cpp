// ImportFolding.cpp: on-demand folding of the small computations whose results the importer
// needs, with elements that depend on symbolic dims tracked as unknown (see ImportFolding.h).
#include "frontend/onnx/ImportFolding.h"

#include <cstring>
#include <map>

#include "ir/OpSchema.h"
#include "ir/ShapeRules.h"

namespace kiln::onnx_import {
namespace {

// Folded results stay small: a shape computation, not a layer of the network.
constexpr int64_t kMaxFoldElements = int64_t{1} << 16;
// Deeper chains than this are not shape computations either (and recursion stays shallow).
constexpr int kMaxFoldDepth = 64;

/// A tensor whose elements may be partly unknown. Unknown elements hold a placeholder.
struct PartialTensor {
  Tensor values;
  std::vector<bool> unknown;  ///< per element; empty when every element is known

  bool fully_known() const { return unknown.empty(); }
};

/// The bytes of placeholder `which` (0 or 1: two different values, neither 0 where that matters
/// for division) in `dtype`.
std::vector<uint8_t> placeholder_bytes(DType dtype, int which) {
  std::vector<uint8_t> bytes(dtype_size(dtype), 0);
  auto put = [&](auto value) { std::memcpy(bytes.data(), &value, sizeof(value)); };
  switch (dtype) {
    case DType::Float32:
      put(float(1 + which));
      break;
    case DType::Float64:
      put(double(1 + which));
      break;
    case DType::Float16:
      put(uint16_t(which ? 0x4000 : 0x3c00));  // 2.0 and 1.0
      break;
    case DType::Bool:
      bytes[0] = uint8_t(which);
      break;
    default:  // integers, little-endian
      bytes[0] = uint8_t(1 + which);
      break;
  }
  return bytes;
}

/// `partial`'s values with placeholder `which` in its unknown elements.
Tensor with_placeholders(const PartialTensor& partial, int which) {
  if (partial.fully_known()) return partial.values;
  const size_t size = dtype_size(partial.values.dtype);
  std::vector<uint8_t> bytes(partial.values.data.data(),
                             partial.values.data.data() + partial.values.data.size());
  const std::vector<uint8_t> fill = placeholder_bytes(partial.values.dtype, which);
  for (size_t i = 0; i < partial.unknown.size(); ++i)
    if (partial.unknown[i]) std::memcpy(bytes.data() + i * size, fill.data(), size);
  return Tensor{partial.values.dtype, partial.values.dims,
                TensorData::from_vector(std::move(bytes))};
}

Tensor bool_tensor(const std::vector<int64_t>& dims, const std::vector<bool>& values) {
  std::vector<uint8_t> bytes(values.begin(), values.end());
  return Tensor{DType::Bool, dims, TensorData::from_vector(std::move(bytes))};
}

/// A value's elements from the known dims the shape rules derived (symbolic ones unknown).
std::optional<PartialTensor> from_known_dims(const Value& value) {
  const TensorType& type = value.type;
  if (!value.known_dims || !type.shape || type.shape->size() > 1) return std::nullopt;
  if (type.dtype != DType::Int64 && type.dtype != DType::Int32) return std::nullopt;
  const std::optional<int64_t> count = static_element_count(*type.shape);
  if (!count || *count != int64_t(value.known_dims->size())) return std::nullopt;
  PartialTensor partial;
  std::vector<int64_t> elements;
  bool any_unknown = false;
  for (const Dim& dim : *value.known_dims) {
    const bool unknown = !dim.symbol.empty();
    partial.unknown.push_back(unknown);
    any_unknown = any_unknown || unknown;
    elements.push_back(unknown ? 1 : dim.value);
  }
  if (!any_unknown) partial.unknown.clear();
  std::vector<int64_t> dims;
  if (!type.shape->empty()) dims.push_back(*count);
  if (type.dtype == DType::Int64) {
    partial.values = make_int64_tensor(dims, elements);
  } else {
    std::vector<int32_t> narrow(elements.begin(), elements.end());
    partial.values =
        Tensor{DType::Int32, dims, TensorData::copy_of(narrow.data(), narrow.size() * 4)};
  }
  return partial;
}

class Folder {
 public:
  explicit Folder(GraphBuilder& builder) : builder_(builder) {}

  std::optional<PartialTensor> fold(const Value* value, int depth) {
    if (value->is_constant()) return PartialTensor{*value->constant, {}};
    if (auto found = builder_.folded.find(value); found != builder_.folded.end())
      return PartialTensor{found->second, {}};
    // Failures are remembered too: graphs reconverge (residual blocks), and each value is tried
    // once per request.
    if (auto found = memo_.find(value); found != memo_.end()) return found->second;
    const Node* producer = value->producer;
    if (!producer) return memo_[value] = std::nullopt;
    if (depth > kMaxFoldDepth) return std::nullopt;
    if (std::optional<PartialTensor> known = from_known_dims(*value)) return memo_[value] = known;
    if (!fold_node(*producer, depth)) {
      for (const Value* out : producer->outputs) memo_.try_emplace(out, std::nullopt);
      return std::nullopt;
    }
    return memo_.at(value);
  }

 private:
  // Evaluates `node` on (partial) inputs and records its outputs in memo_; false when it cannot.
  bool fold_node(const Node& node, int depth) {
    if (!builder_.evaluator) return false;
    for (const Value* out : node.outputs) {
      if (!out || !out->type.shape) return false;
      const std::optional<int64_t> count = static_element_count(*out->type.shape);
      if (!count || *count > kMaxFoldElements) return false;
    }
    std::vector<PartialTensor> inputs;
    bool all_known = true;
    for (const Value* in : node.inputs) {
      if (!in) {
        inputs.push_back(PartialTensor{});
        continue;
      }
      std::optional<PartialTensor> partial = fold(in, depth + 1);
      if (!partial) return false;
      all_known = all_known && partial->fully_known();
      inputs.push_back(std::move(*partial));
    }
    if (all_known) return record(node, evaluate(node, inputs, 0), {});
    switch (op_pattern(node.op)) {
      case OpPattern::Elementwise:
      case OpPattern::Broadcast:
        return fold_elementwise(node, inputs);
      case OpPattern::View:
      case OpPattern::Injective:
        return fold_moving(node, inputs);
      default:
        return false;
    }
  }

  std::optional<std::vector<Tensor>> evaluate(const Node& node,
                                              const std::vector<PartialTensor>& inputs, int which) {
    std::vector<Tensor> tensors;
    for (const PartialTensor& input : inputs) tensors.push_back(with_placeholders(input, which));
    Result<std::vector<Tensor>> outputs = builder_.evaluator->evaluate(node, tensors);
    if (!outputs || outputs->size() != node.outputs.size()) return std::nullopt;
    return std::move(*outputs);
  }

  bool record(const Node& node, std::optional<std::vector<Tensor>> outputs,
              const std::vector<std::vector<bool>>& unknown) {
    if (!outputs) return false;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      PartialTensor partial{std::move((*outputs)[i]), {}};
      if (i < unknown.size()) partial.unknown = unknown[i];
      memo_[node.outputs[i]] = std::move(partial);
    }
    return true;
  }

  // An output element of an elementwise op depends on the input elements at its (broadcast)
  // position: it is unknown where any of them is (the masks are broadcast and or-ed). An
  // Elementwise op's extra inputs are per-channel parameters, which must be known.
  bool fold_elementwise(const Node& node, const std::vector<PartialTensor>& inputs) {
    const bool broadcast = op_pattern(node.op) == OpPattern::Broadcast;
    std::optional<Tensor> mask;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const PartialTensor& input = inputs[i];
      if (!node.inputs[i]) continue;
      if (!broadcast && i > 0) {
        if (!input.fully_known()) return false;
        continue;
      }
      std::vector<bool> unknown = input.unknown;
      unknown.resize(size_t(input.values.element_count()), false);
      Tensor input_mask = bool_tensor(input.values.dims, unknown);
      if (!mask) {
        mask = input_mask;
        continue;
      }
      Node either;
      either.name = node.name + "/unknown";
      either.op = "Or";
      either.inputs = {nullptr, nullptr};
      either.outputs = {nullptr};
      Result<std::vector<Tensor>> combined =
          builder_.evaluator->evaluate(either, {*mask, input_mask});
      if (!combined || combined->size() != 1) return false;
      mask = (*combined)[0];
    }
    std::optional<std::vector<Tensor>> outputs = evaluate(node, inputs, 0);
    if (!outputs || !mask || node.outputs.size() != 1 ||
        mask->element_count() != (*outputs)[0].element_count())
      return false;
    std::vector<bool> unknown(size_t(mask->element_count()));
    for (size_t i = 0; i < unknown.size(); ++i) unknown[i] = mask->data.data()[i] != 0;
    return record(node, std::move(outputs), {unknown});
  }

  // Each output element of an element-moving op is one input element or independent of the
  // inputs' values (a pad, Shape's dims): evaluated with two different placeholders, exactly the
  // elements that came from unknown ones differ. Index operands (inputs 1.. unless every input
  // holds data, as Concat's do) must be known.
  bool fold_moving(const Node& node, const std::vector<PartialTensor>& inputs) {
    const bool every_input_is_data = op_dtype_rule(node.op) == DTypeRule::AllSame;
    for (size_t i = 1; i < inputs.size(); ++i)
      if (!every_input_is_data && !inputs[i].fully_known()) return false;
    std::optional<std::vector<Tensor>> first = evaluate(node, inputs, 0);
    std::optional<std::vector<Tensor>> second = evaluate(node, inputs, 1);
    if (!first || !second) return false;
    std::vector<std::vector<bool>> unknown;
    for (size_t k = 0; k < first->size(); ++k) {
      const Tensor& a = (*first)[k];
      const Tensor& b = (*second)[k];
      const size_t size = dtype_size(a.dtype);
      if (a.data.size() != b.data.size()) return false;
      std::vector<bool> differs(size_t(a.element_count()));
      bool any = false;
      for (size_t i = 0; i < differs.size(); ++i) {
        differs[i] = std::memcmp(a.data.data() + i * size, b.data.data() + i * size, size) != 0;
        any = any || differs[i];
      }
      unknown.push_back(any ? differs : std::vector<bool>{});
    }
    return record(node, std::move(first), unknown);
  }

  GraphBuilder& builder_;
  std::map<const Value*, std::optional<PartialTensor>> memo_;  ///< nullopt: cannot fold
};

// Runs the shape rules over the nodes built since the last call, in order (types in place). A
// node whose rule fails keeps unknown output types; nodes after it that read them do too.
void infer_new_types(GraphBuilder& builder) {
  const auto& nodes = builder.graph.nodes();
  for (; builder.typed_nodes < nodes.size(); ++builder.typed_nodes) {
    Node& node = *nodes[builder.typed_nodes];
    bool inputs_typed = true;
    for (const Value* in : node.inputs) inputs_typed = inputs_typed && (!in || in->type.is_known());
    if (inputs_typed) (void)infer_node_types(node);
  }
}

}  // namespace

std::optional<Tensor> fold_at_import(GraphBuilder& builder, const Value* value) {
  if (value->is_constant()) return *value->constant;
  if (auto found = builder.folded.find(value); found != builder.folded.end()) return found->second;
  infer_new_types(builder);
  std::optional<PartialTensor> partial = Folder(builder).fold(value, 0);
  if (!partial || !partial->fully_known()) return std::nullopt;
  builder.folded[value] = partial->values;
  return partial->values;
}

TensorType type_at_import(GraphBuilder& builder, const Value* value) {
  if (!value->type.is_known()) infer_new_types(builder);
  return value->type;
}

void forget_import_types(Graph& graph) {
  for (const auto& value : graph.values()) {
    if (!value->producer) continue;
    value->type = TensorType{};
    value->known_dims.reset();
  }
}

}  // namespace kiln::onnx_import
