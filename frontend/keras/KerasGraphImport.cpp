// KerasGraphImport.cpp: the order of a Keras import: unsupported-layer report, weights, graph
// inputs, layers (in dependency order), graph outputs, verification.
#include "frontend/keras/KerasGraphImport.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "frontend/keras/LayerConverters.h"
#include "ir/Verifier.h"

namespace kiln::keras_import {
namespace {

using nlohmann::json;

struct UnsupportedKind {
  std::string kind;
  std::vector<std::string> layers;
};

/// Why a class cannot be converted, for the classes users meet most.
std::string unsupported_hint(const std::string& kind) {
  if (kind.find("'selu'") != std::string::npos) return " (the selu activation is not supported)";
  if (kind == "Lambda") return " (holds Python code, which cannot be imported)";
  if (kind == "Sequential" || kind == "Model" || kind == "Functional")
    return " (nested models are not supported)";
  return "";
}

Status check_supported_layers(const KerasModel& model, const std::string& file) {
  std::vector<UnsupportedKind> kinds;
  size_t layer_count = 0;
  for (const KerasLayer& layer : model.layers) {
    std::string kind;
    if (layer.class_name == "InputLayer") continue;
    if (!find_layer_converter(layer.class_name)) {
      kind = layer.class_name;
    } else if (std::optional<std::string> feature = unsupported_layer_feature(layer)) {
      kind = layer.class_name + " with " + *feature;
    } else {
      continue;
    }
    auto found = std::find_if(kinds.begin(), kinds.end(),
                              [&](const UnsupportedKind& k) { return k.kind == kind; });
    if (found == kinds.end()) found = kinds.insert(kinds.end(), UnsupportedKind{kind, {}});
    found->layers.push_back(layer.name);
    ++layer_count;
  }
  if (kinds.empty()) return Status::ok();
  std::string message = "unsupported layers (" + std::to_string(kinds.size()) +
                        (kinds.size() == 1 ? " kind, " : " kinds, ") + std::to_string(layer_count) +
                        (layer_count == 1 ? " layer):" : " layers):");
  for (const UnsupportedKind& kind : kinds) {
    message += "\n  " + kind.kind + unsupported_hint(kind.kind) + ": ";
    for (size_t i = 0; i < kind.layers.size(); ++i) message += (i ? ", " : "") + kind.layers[i];
  }
  return Error{file, kinds.size() == 1 && layer_count == 1 ? kinds[0].layers[0] : "", message};
}

std::string symbol_safe(const std::string& name) {
  std::string safe;
  for (char c : name) safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (safe.empty() || std::isdigit(static_cast<unsigned char>(safe[0]))) safe = "x" + safe;
  return safe;
}

/// An InputLayer's declared shape: None batch -> `batch`, other None dims -> `<input>_dim<i>`.
Result<Value*> add_graph_input(const KerasLayer& layer, Graph& graph, const std::string& file) {
  const json& shape = config_field(layer.config, {"batch_input_shape", "batch_shape"});
  if (!shape.is_array() || shape.empty())
    return Error{file, layer.name, "InputLayer has no batch_input_shape / batch_shape"};
  Shape dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i].is_number_integer() && shape[i].get<int64_t>() >= 0)
      dims.push_back(Dim::known(shape[i].get<int64_t>()));
    else if (shape[i].is_null())
      dims.push_back(
          Dim::symbolic(i == 0 ? "batch" : symbol_safe(layer.name) + "_dim" + std::to_string(i)));
    else  // not dumped whole: the entry may be nested arbitrarily deep
      return Error{file, layer.name,
                   "input shape entry " + std::to_string(i) + " is " +
                       (shape[i].is_primitive() ? shape[i].dump()
                                                : std::string("a nested ") + shape[i].type_name()) +
                       ", not a dim (an integer >= 0 or null)"};
  }
  const json& dtype = config_field(layer.config, {"dtype"});
  const json& dtype_name =
      dtype.is_object() ? config_field(config_field(dtype, {"config"}), {"name"}) : dtype;
  if (!dtype.is_null() && !(dtype_name.is_string() && dtype_name == "float32"))
    return Error{file, layer.name,
                 "InputLayer dtype " +
                     (dtype_name.is_string() ? "'" + dtype_name.get<std::string>() + "'"
                                             : std::string("of JSON type ") + dtype.type_name()) +
                     " is not supported (Kiln's Keras inputs are float32)"};
  if (graph.find_value(layer.name)) return Error{file, layer.name, "duplicate layer name"};
  Value* input = graph.add_value(layer.name, TensorType{DType::Float32, dims});
  graph.inputs.push_back(input);
  return input;
}

Status check_reference(const TensorRef& ref, const std::set<std::string>& names,
                       const std::string& layer, const std::string& file) {
  if (!names.count(ref.layer))
    return Error{file, layer, "refers to unknown layer '" + ref.layer + "'"};
  if (ref.node_index != 0 || ref.tensor_index != 0)
    return Error{file, layer,
                 "refers to call " + std::to_string(ref.node_index) + ", output " +
                     std::to_string(ref.tensor_index) + " of layer '" + ref.layer +
                     "' (shared and multi-output layers are not supported)"};
  return Status::ok();
}

/// Makes a graph output carry the output layer's name.
Value* named_output(Graph& graph, Value* value, const std::string& layer) {
  if (value->name == layer) return value;
  Value* named = graph.add_value(graph.unique_value_name(layer), value->type);
  graph.add_node(graph.unique_node_name(layer + "/output"), "Identity", {value}, {named});
  return named;
}

/// nlohmann::json's typed reads throw on a field of another type (`.get<int64_t>()` of a
/// null, say); converters read many fields, so this turns the throw into the layer's error.
Result<KerasTensor> convert_layer(const KerasLayer& layer, LayerContext& context,
                                  const std::string& file) {
  try {
    return find_layer_converter(layer.class_name)(context);
  } catch (const nlohmann::json::exception& error) {
    std::string what = error.what();  // "[json.exception.type_error.302] type must be ..."
    size_t text = what.find("] ");
    return Error{
        file, layer.name,
        "malformed layer config: " + (text == std::string::npos ? what : what.substr(text + 2))};
  }
}

}  // namespace

Result<Graph> build_keras_graph(const KerasModel& model, const WeightSource* weights,
                                const std::string& file) {
  KILN_RETURN_IF_ERROR(check_supported_layers(model, file));
  std::set<std::string> names;
  for (const KerasLayer& layer : model.layers)
    if (!names.insert(layer.name).second) return Error{file, layer.name, "duplicate layer name"};
  for (const KerasLayer& layer : model.layers)
    for (const TensorRef& ref : layer.inbound)
      KILN_RETURN_IF_ERROR(check_reference(ref, names, layer.name, file));

  std::vector<WeightedLayer> weighted;
  for (const KerasLayer& layer : model.layers)
    if (layer_has_weights(layer)) weighted.push_back({layer.name, layer.class_name});
  LayerWeights stored;
  if (weights) {
    Result<LayerWeights> read = weights->read(weighted);
    if (!read) return read.error();
    stored = std::move(*read);
  }

  Graph graph;
  graph.name = model.name.empty() ? "keras_model" : model.name;
  KerasGraphBuilder builder(graph, file);
  std::map<std::string, KerasTensor> tensors;
  // Keras writes layers in creation order, which is almost always a dependency order; waiting
  // for inputs keeps the rare exceptions working.
  std::vector<const KerasLayer*> pending;
  for (const KerasLayer& layer : model.layers) pending.push_back(&layer);
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const KerasLayer* layer) {
      return std::all_of(layer->inbound.begin(), layer->inbound.end(),
                         [&](const TensorRef& ref) { return tensors.count(ref.layer) != 0; });
    });
    if (ready == pending.end())
      return Error{file, pending.front()->name, "its inputs are never computed (a cycle?)"};
    const KerasLayer& layer = **ready;
    pending.erase(ready);
    if (layer.class_name == "InputLayer") {
      Result<Value*> input = add_graph_input(layer, graph, file);
      if (!input) return input.error();
      tensors[layer.name] = KerasTensor{*input, nullptr};
      continue;
    }
    if (layer.inbound.empty()) return Error{file, layer.name, "the layer has no inputs"};
    LayerContext context{builder, layer, {}, nullptr, model.keras_version};
    for (const TensorRef& ref : layer.inbound) context.inputs.push_back(&tensors[ref.layer]);
    if (weights && layer_has_weights(layer)) {
      auto found = stored.find(layer.name);
      if (found == stored.end()) return Error{file, layer.name, "missing weights"};
      context.weights = &found->second;
    }
    Result<KerasTensor> output = convert_layer(layer, context, file);
    if (!output) return output.error();
    tensors[layer.name] = *output;
  }

  graph.inputs.clear();
  for (const TensorRef& ref : model.inputs) {
    Value* input = graph.find_value(ref.layer);
    if (!input || !names.count(ref.layer))
      return Error{file, ref.layer, "a model input that is not an InputLayer"};
    graph.inputs.push_back(input);
  }
  for (const TensorRef& ref : model.outputs) {
    KILN_RETURN_IF_ERROR(check_reference(ref, names, "", file));
    Result<Value*> value = builder.keras_view(tensors[ref.layer], ref.layer);
    if (!value) return value.error();
    graph.outputs.push_back(named_output(graph, *value, ref.layer));
  }
  Status verified = verify_graph(graph);
  if (!verified) {
    Error error = verified.error();
    error.file = file;
    return error;
  }
  return graph;
}

}  // namespace kiln::keras_import
