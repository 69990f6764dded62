// KerasModelConfig.h: the model architecture of a Keras `model.to_json()` text (Keras 1, Keras 2 /
// tf.keras and Keras 3 layouts), normalised to one list of layers with their inbound tensors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Error.h"

namespace kiln::keras_import {

/// One output tensor of one call of a layer (Keras's keras_history triple).
struct TensorRef {
  std::string layer;
  int64_t node_index = 0;
  int64_t tensor_index = 0;
};

/// One layer of the model, in stored (topological) order.
struct KerasLayer {
  std::string class_name;
  std::string name;
  nlohmann::json config = nlohmann::json::object();  ///< the layer's own config object
  std::vector<TensorRef> inbound;  ///< inputs of its first call; empty for an InputLayer
  size_t call_count = 1;           ///< >1 for a layer shared between several calls
};

/// A whole model: layers plus the tensors that are its inputs and outputs.
struct KerasModel {
  std::string name;
  int major_version = 2;  ///< 1, 2 or 3: decides old weight semantics (Keras 1 batch norm)
  std::string keras_version;
  std::vector<KerasLayer> layers;
  std::vector<TensorRef> inputs;
  std::vector<TensorRef> outputs;
};

/// The deepest nesting of arrays and objects Kiln parses in a Keras JSON. Keras writes a few
/// levels; nlohmann::json copies and compares values recursively, so a deeper document (a few
/// MB of brackets) would overflow the stack instead of getting an error.
inline constexpr size_t kMaxJsonNesting = 1000;

/// True when `text` nests arrays and objects more than `limit` deep (brackets inside strings do
/// not count). Linear and allocation-free, so it runs before the JSON is parsed.
bool json_nests_deeper_than(std::string_view text, size_t limit);

/// Parses the JSON text of a model (the whole to_json() object, or a bare {"class_name",
/// "config"} object as found in .h5 model_config and .keras config.json). `keras_version`
/// overrides the version key of the JSON when non-empty. Errors name `file`, and the layer when
/// the problem is inside one.
Result<KerasModel> parse_keras_model(const std::string& json_text, const std::string& file,
                                     const std::string& keras_version = "");

}  // namespace kiln::keras_import
