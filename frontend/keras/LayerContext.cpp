// LayerContext.cpp: config field lookup, weight checks and activations shared by converters.
#include "frontend/keras/LayerContext.h"

#include <algorithm>
#include <climits>

#include "ir/ModelLimits.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? "," : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return text + "]";
}

const json& null_json() {
  static const json kNull;
  return kNull;
}

}  // namespace

Result<int64_t> LayerContext::count_field(std::initializer_list<const char*> keys,
                                          int64_t fallback) const {
  const json& field = config_field(layer.config, keys);
  if (field.is_null()) return fallback;
  if (field.is_number_integer() && !field.is_number_unsigned() && field.get<int64_t>() >= 1 &&
      field.get<int64_t>() <= INT32_MAX)
    return field.get<int64_t>();
  if (field.is_number_unsigned() && field.get<uint64_t>() >= 1 &&
      field.get<uint64_t>() <= INT32_MAX)
    return static_cast<int64_t>(field.get<uint64_t>());
  std::string shown = field.is_primitive() ? field.dump() : std::string("a ") + field.type_name();
  return error("'" + std::string(*keys.begin()) + "' must be an integer from 1 to 2^31 - 1, not " +
               shown);
}

Status LayerContext::expect_weight_count(size_t count, const std::string& roles) const {
  if (!weights || weights->size() == count) return Status::ok();
  return error("expects " + std::to_string(count) + " weights (" + roles + ") but the file has " +
               std::to_string(weights->size()));
}

Result<WeightArray> LayerContext::weight(size_t index, const std::string& role,
                                         const std::vector<int64_t>& expected, float fill) const {
  if (!weights) {
    if (std::any_of(expected.begin(), expected.end(), [](int64_t d) { return d < 0; }))
      return error("cannot make placeholder " + role + " of unknown shape " + dims_text(expected) +
                   " (no weights file given)");
    WeightArray array{layer.name + "/" + role, expected, {}};
    int64_t bytes = sizeof(float);
    bool overflow = false;
    for (int64_t dim : expected) overflow |= __builtin_mul_overflow(bytes, dim, &bytes);
    if (overflow || bytes > kMaxTensorBytes)
      return error("placeholder " + role + " of shape " + dims_text(expected) + " needs " +
                   (overflow ? std::string("more than 2^63") : std::to_string(bytes)) +
                   " bytes; Kiln compiles tensors of at most 2^31 - 1 bytes");
    const int64_t count = bytes / static_cast<int64_t>(sizeof(float));
    array.values.assign(static_cast<size_t>(count), fill);
    return array;
  }
  if (index >= weights->size()) return error("missing weight " + role);
  const WeightArray& array = (*weights)[index];
  bool matches = array.dims.size() == expected.size();
  for (size_t i = 0; matches && i < expected.size(); ++i)
    matches = expected[i] < 0 || expected[i] == array.dims[i];
  if (!matches)
    return error("weight " + role + " ('" + array.name + "') has shape " + dims_text(array.dims) +
                 ", expected " + dims_text(expected));
  return array;
}

Result<KerasTensor*> LayerContext::single_input() const {
  if (inputs.size() != 1) return error("expects one input, got " + std::to_string(inputs.size()));
  return inputs[0];
}

const json& config_field(const json& config, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (config.is_object() && config.contains(key) && !config[key].is_null()) return config[key];
  return null_json();
}

std::vector<int64_t> config_pair(const json& config, std::initializer_list<const char*> keys,
                                 std::vector<int64_t> fallback) {
  const json& field = config_field(config, keys);
  if (field.is_number_integer()) return {field.get<int64_t>(), field.get<int64_t>()};
  if (field.is_array() && field.size() == 2 && field[0].is_number_integer() &&
      field[1].is_number_integer())
    return {field[0].get<int64_t>(), field[1].get<int64_t>()};
  return fallback;
}

std::string config_string(const json& config, std::initializer_list<const char*> keys,
                          const std::string& fallback) {
  const json& field = config_field(config, keys);
  return field.is_string() ? field.get<std::string>() : fallback;
}

bool config_bool(const json& config, std::initializer_list<const char*> keys, bool fallback) {
  const json& field = config_field(config, keys);
  return field.is_boolean() ? field.get<bool>() : fallback;
}

double config_number(const json& config, std::initializer_list<const char*> keys, double fallback) {
  const json& field = config_field(config, keys);
  return field.is_number() ? field.get<double>() : fallback;
}

bool is_channels_first(const json& config) {
  std::string format = config_string(config, {"data_format", "dim_ordering"}, "channels_last");
  return format == "channels_first" || format == "th";
}

std::string activation_name(const json& config) {
  const json& field = config_field(config, {"activation"});
  if (field.is_string()) return field.get<std::string>();
  if (field.is_object()) {
    // Keras 3 may serialise {"module": "keras.activations", "class_name": "function",
    // "config": "relu"}.
    if (field.contains("config") && field["config"].is_string()) return field["config"];
    if (field.contains("class_name") && field["class_name"].is_string()) return field["class_name"];
  }
  return "linear";
}

bool is_supported_activation(const std::string& name) {
  static const std::vector<std::string> kSupported = {"linear",     "relu",    "relu6", "sigmoid",
                                                      "tanh",       "softmax", "swish", "silu",
                                                      "leaky_relu", "elu",     "selu"};
  return std::find(kSupported.begin(), kSupported.end(), name) != kSupported.end();
}

Result<Value*> elementwise_operand(LayerContext& context, KerasTensor& tensor,
                                   bool& channels_first) {
  channels_first = tensor.channels_first != nullptr;
  if (channels_first) return tensor.channels_first;
  return context.builder.keras_view(tensor, context.layer.name);
}

KerasTensor tensor_in_layout(Value* value, bool channels_first) {
  KerasTensor tensor;
  (channels_first ? tensor.channels_first : tensor.keras) = value;
  return tensor;
}

int64_t nhwc_axis_to_nchw(int64_t axis) {
  static const int64_t kMap[4] = {0, 2, 3, 1};
  return axis >= 0 && axis < 4 ? kMap[axis] : axis;
}

Result<KerasTensor> apply_activation(LayerContext& context, KerasTensor input,
                                     const std::string& name) {
  if (name == "linear" || name.empty()) return input;
  if (!is_supported_activation(name)) return context.error("unsupported activation '" + name + "'");
  bool channels_first = false;
  Result<Value*> x = elementwise_operand(context, input, channels_first);
  if (!x) return x.error();
  Attributes attrs;
  Result<Value*> y = Error{};
  if (name == "relu") {
    y = context.add("Relu", {*x});
  } else if (name == "relu6") {
    attrs.set("min", 0.0);
    attrs.set("max", 6.0);
    y = context.add("Clip", {*x}, attrs);
  } else if (name == "sigmoid") {
    y = context.add("Sigmoid", {*x});
  } else if (name == "tanh") {
    y = context.add("Tanh", {*x});
  } else if (name == "elu") {
    attrs.set("alpha", 1.0);
    y = context.add("Elu", {*x}, attrs);
  } else if (name == "selu") {  // Keras's constants, which ONNX's defaults round to f32
    attrs.set("alpha", 1.6732632423543772);
    attrs.set("gamma", 1.0507009873554805);
    y = context.add("Selu", {*x}, attrs);
  } else if (name == "leaky_relu") {
    attrs.set("alpha", 0.2);
    y = context.add("LeakyRelu", {*x}, attrs);
  } else if (name == "softmax") {
    attrs.set("axis", static_cast<int64_t>(channels_first ? 1 : -1));
    y = context.add("Softmax", {*x}, attrs);
  } else {  // swish / silu: x * sigmoid(x)
    Result<Value*> gate = context.add("Sigmoid", {*x});
    if (!gate) return gate.error();
    y = context.add("Mul", {*x, *gate});
  }
  if (!y) return y.error();
  return tensor_in_layout(*y, channels_first);
}

std::vector<float> permute_array(const WeightArray& array, const std::vector<int64_t>& perm) {
  size_t rank = array.dims.size();
  std::vector<int64_t> in_strides(rank, 1), out_dims(rank);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * array.dims[i];
  for (size_t i = 0; i < rank; ++i) out_dims[i] = array.dims[static_cast<size_t>(perm[i])];
  std::vector<float> out(array.values.size());
  std::vector<int64_t> index(rank, 0);  // index into the output
  for (size_t flat = 0; flat < out.size(); ++flat) {
    int64_t source = 0;
    for (size_t i = 0; i < rank; ++i) source += index[i] * in_strides[static_cast<size_t>(perm[i])];
    out[flat] = array.values[static_cast<size_t>(source)];
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < out_dims[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

}  // namespace kiln::keras_import
