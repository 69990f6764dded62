// KerasModelConfig.cpp: reads Sequential and Functional model JSON in the three Keras layouts:
// Keras 1 and early Keras 2 (Sequential `config` is a list), Keras 2 (nested-list inbound_nodes)
// and Keras 3 (`__keras_tensor__` call arguments).
#include "frontend/keras/KerasModelConfig.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace kiln::keras_import {
namespace {

using nlohmann::json;

Error model_error(const std::string& file, const std::string& layer, const std::string& message) {
  return Error{file, layer, message};
}

std::string layer_name(const json& layer) {
  if (layer.contains("name") && layer["name"].is_string()) return layer["name"];
  if (layer.contains("config") && layer["config"].is_object() && layer["config"].contains("name") &&
      layer["config"]["name"].is_string())
    return layer["config"]["name"];
  return "";
}

/// ["name", node, tensor, ...] -> TensorRef.
Result<TensorRef> tensor_ref_from_list(const json& entry) {
  if (!entry.is_array() || entry.empty() || !entry[0].is_string())
    return make_error(std::string("malformed tensor reference (a ") + entry.type_name() +
                      ", not a [layer, node, tensor] list)");
  TensorRef ref{entry[0].get<std::string>(), 0, 0};
  // Not dumped whole in errors: an entry may nest arbitrarily deep.
  for (size_t i = 1; i < std::min<size_t>(entry.size(), 3); ++i)
    if (!entry[i].is_number_integer())
      return make_error("tensor reference to '" + ref.layer + "' has a " + entry[i].type_name() +
                        " where its " + (i == 1 ? "node" : "tensor") + " index belongs");
  if (entry.size() > 1) ref.node_index = entry[1];
  if (entry.size() > 2) ref.tensor_index = entry[2];
  return ref;
}

/// Collects the `__keras_tensor__` objects of a Keras 3 call's args, in order.
Status collect_keras3_tensors(const json& args, std::vector<TensorRef>& refs) {
  if (args.is_array()) {
    for (const json& item : args) KILN_RETURN_IF_ERROR(collect_keras3_tensors(item, refs));
  } else if (args.is_object() && args.contains("class_name") &&
             args["class_name"] == "__keras_tensor__") {
    const json& config = args.value("config", json::object());
    if (!config.contains("keras_history")) return make_error("a keras tensor has no keras_history");
    Result<TensorRef> ref = tensor_ref_from_list(config["keras_history"]);
    if (!ref) return ref.error();
    refs.push_back(*ref);
  }
  return Status::ok();
}

/// The inputs of one call, in the Keras 1/2 nested-list or the Keras 3 {"args"} form.
Result<std::vector<TensorRef>> parse_inbound_node(const json& node) {
  std::vector<TensorRef> refs;
  if (node.is_object()) {
    KILN_RETURN_IF_ERROR(collect_keras3_tensors(node.value("args", json::array()), refs));
    return refs;
  }
  if (!node.is_array()) return make_error("malformed inbound_nodes entry " + node.dump());
  for (const json& entry : node) {
    Result<TensorRef> ref = tensor_ref_from_list(entry);
    if (!ref) return ref.error();
    refs.push_back(*ref);
  }
  return refs;
}

/// input_layers / output_layers: a list of triples, or a single flat triple (Keras 3).
Result<std::vector<TensorRef>> parse_endpoints(const json& list) {
  std::vector<TensorRef> refs;
  if (!list.is_array()) return make_error("input_layers/output_layers is not a list");
  if (!list.empty() && list[0].is_string()) {
    Result<TensorRef> ref = tensor_ref_from_list(list);
    if (!ref) return ref.error();
    refs.push_back(*ref);
    return refs;
  }
  for (const json& entry : list) {
    Result<TensorRef> ref = tensor_ref_from_list(entry);
    if (!ref) return ref.error();
    refs.push_back(*ref);
  }
  return refs;
}

Result<KerasLayer> parse_layer_header(const json& layer, const std::string& file, size_t index) {
  if (!layer.is_object() || !layer.contains("class_name") || !layer["class_name"].is_string())
    return model_error(file, "", "layer #" + std::to_string(index) + " has no class_name");
  KerasLayer parsed;
  parsed.class_name = layer["class_name"];
  parsed.name = layer_name(layer);
  if (parsed.name.empty()) parsed.name = parsed.class_name + "_" + std::to_string(index);
  if (layer.contains("config") && layer["config"].is_object()) parsed.config = layer["config"];
  return parsed;
}

/// The batch shape a Sequential model's first layer declares, as an InputLayer config.
Result<json> sequential_input_config(const KerasLayer& first, const std::string& file) {
  const json& config = first.config;
  json input = json::object();
  if (config.contains("batch_input_shape")) {
    input["batch_input_shape"] = config["batch_input_shape"];
  } else if (config.contains("batch_shape")) {
    input["batch_input_shape"] = config["batch_shape"];
  } else if (config.contains("input_shape") && config["input_shape"].is_array()) {
    json shape = json::array({nullptr});
    for (const json& dim : config["input_shape"]) shape.push_back(dim);
    input["batch_input_shape"] = shape;
  } else if (config.contains("input_dim") && config["input_dim"].is_number_integer()) {
    input["batch_input_shape"] = json::array({nullptr, config["input_dim"]});
  } else {
    return model_error(file, first.name,
                       "the Sequential model declares no input shape (no InputLayer and no "
                       "batch_input_shape on its first layer)");
  }
  return input;
}

Result<KerasModel> parse_sequential(const json& config, KerasModel model, const std::string& file) {
  // json::value() throws on a non-object, so a config of another type has no layers.
  const json layers = config.is_array()    ? config
                      : config.is_object() ? config.value("layers", json::array())
                                           : json::array();
  if (config.is_object() && config.contains("name") && config["name"].is_string())
    model.name = config["name"];
  if (!layers.is_array() || layers.empty())
    return model_error(file, "", "the Sequential model has no layers");
  std::string previous;
  for (size_t i = 0; i < layers.size(); ++i) {
    Result<KerasLayer> layer = parse_layer_header(layers[i], file, i);
    if (!layer) return layer.error();
    if (i == 0 && layer->class_name != "InputLayer") {
      Result<json> input_config = sequential_input_config(*layer, file);
      if (!input_config) return input_config.error();
      KerasLayer input;
      input.class_name = "InputLayer";
      input.name = layer->name + "_input";
      input.config = *input_config;
      model.layers.push_back(input);
      previous = input.name;
    }
    if (layer->class_name == "InputLayer") {
      if (!previous.empty())
        return model_error(file, layer->name, "an InputLayer in the middle of a Sequential model");
    } else {
      layer->inbound.push_back(TensorRef{previous, 0, 0});
    }
    previous = layer->name;
    model.layers.push_back(std::move(*layer));
  }
  model.inputs.push_back(TensorRef{model.layers.front().name, 0, 0});
  model.outputs.push_back(TensorRef{previous, 0, 0});
  return model;
}

Result<KerasModel> parse_functional(const json& config, KerasModel model, const std::string& file) {
  if (!config.is_object() || !config.contains("layers") || !config["layers"].is_array())
    return model_error(file, "", "the functional model config has no layers list");
  // Not value("name", ...): it throws when the name is not a string.
  model.name = config.contains("name") && config["name"].is_string()
                   ? config["name"].get<std::string>()
                   : std::string("model");
  const json& layers = config["layers"];
  for (size_t i = 0; i < layers.size(); ++i) {
    Result<KerasLayer> layer = parse_layer_header(layers[i], file, i);
    if (!layer) return layer.error();
    const json& nodes = layers[i].value("inbound_nodes", json::array());
    if (nodes.is_array() && !nodes.empty()) {
      layer->call_count = nodes.size();
      Result<std::vector<TensorRef>> inbound = parse_inbound_node(nodes[0]);
      if (!inbound) return model_error(file, layer->name, inbound.error().message);
      layer->inbound = std::move(*inbound);
    }
    model.layers.push_back(std::move(*layer));
  }
  Result<std::vector<TensorRef>> inputs = parse_endpoints(config.value("input_layers", json()));
  if (!inputs) return model_error(file, "", inputs.error().message);
  Result<std::vector<TensorRef>> outputs = parse_endpoints(config.value("output_layers", json()));
  if (!outputs) return model_error(file, "", outputs.error().message);
  model.inputs = std::move(*inputs);
  model.outputs = std::move(*outputs);
  if (model.inputs.empty() || model.outputs.empty())
    return model_error(file, "", "the functional model lists no inputs or no outputs");
  return model;
}

int major_version_of(const std::string& version) {
  if (!version.empty() && version[0] >= '1' && version[0] <= '9') return version[0] - '0';
  return 2;
}

}  // namespace

bool json_nests_deeper_than(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

Result<KerasModel> parse_keras_model(const std::string& json_text, const std::string& file,
                                     const std::string& keras_version) {
  if (json_nests_deeper_than(json_text, kMaxJsonNesting))
    return model_error(file, "",
                       "the model JSON nests arrays and objects deeper than " +
                           std::to_string(kMaxJsonNesting) + " levels");
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& error) {
    // Python's json.dumps writes NaN and Infinity for non-finite floats; JSON has neither.
    size_t at = error.byte > 0 ? error.byte - 1 : 0;
    while (at > 0 && std::isalpha(static_cast<unsigned char>(json_text[at - 1]))) --at;
    std::string_view rest = std::string_view(json_text).substr(std::min(at, json_text.size()));
    bool non_finite = rest.rfind("NaN", 0) == 0 || rest.rfind("Infinity", 0) == 0 ||
                      rest.rfind("-Infinity", 0) == 0;
    return model_error(file, "",
                       "the model JSON does not parse (byte " + std::to_string(error.byte) +
                           (non_finite ? ": NaN and Infinity are not JSON numbers)" : ")"));
  } catch (const json::exception&) {  // out_of_range: a number such as 1e999
    return model_error(file, "", "the model JSON does not parse (a number is out of range)");
  }
  if (!root.is_object() || !root.contains("class_name") || !root["class_name"].is_string())
    return model_error(file, "", "not a Keras model JSON (no top-level class_name)");
  KerasModel model;
  model.keras_version = keras_version;
  if (model.keras_version.empty() && root.contains("keras_version") &&
      root["keras_version"].is_string())
    model.keras_version = root["keras_version"];
  model.major_version = major_version_of(model.keras_version);
  const std::string class_name = root["class_name"];
  const json& config = root.value("config", json());
  if (class_name == "Sequential") return parse_sequential(config, std::move(model), file);
  if (class_name == "Model" || class_name == "Functional")
    return parse_functional(config, std::move(model), file);
  return model_error(file, "",
                     "unsupported top-level model class '" + class_name +
                         "' (Kiln reads Sequential, Model and Functional)");
}

}  // namespace kiln::keras_import
