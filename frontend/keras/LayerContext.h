// LayerContext.h: what a layer converter sees (the layer, its input tensors, its weights) and
// the helpers converters share: config fields under their Keras 1/2/3 spellings, weight checks,
// activations.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "frontend/keras/Hdf5File.h"
#include "frontend/keras/KerasGraphBuilder.h"
#include "frontend/keras/KerasModelConfig.h"

namespace kiln::keras_import {

/// One layer being converted.
struct LayerContext {
  KerasGraphBuilder& builder;
  const KerasLayer& layer;
  std::vector<KerasTensor*> inputs;
  /// The layer's stored weights; null for a structure-only import (JSON with no weights file),
  /// where weights are made of zeros (ones for batch-norm scale and variance).
  const std::vector<WeightArray>* weights = nullptr;
  std::string keras_version;  ///< of the file, e.g. "1.2.0"; decides old weight semantics

  const nlohmann::json& config() const { return layer.config; }
  Error error(const std::string& message) const { return builder.error(layer.name, message); }
  /// Appends a node for this layer (see KerasGraphBuilder::add).
  Result<Value*> add(const std::string& op, std::vector<Value*> inputs, Attributes attrs = {}) {
    return builder.add(layer.name, op, std::move(inputs), std::move(attrs));
  }
  Value* constant(const std::string& role, Tensor tensor) {
    return builder.constant(layer.name, role, std::move(tensor));
  }
  /// The first of `keys` as a count (filters, units, groups): an integer from 1 to 2^31 - 1;
  /// `fallback` when absent, and an error naming the key for anything else (a JSON double such
  /// as 1e30 would not even convert to int64).
  Result<int64_t> count_field(std::initializer_list<const char*> keys, int64_t fallback) const;
  /// Fails unless the layer has exactly `count` stored weights (`roles` names them).
  Status expect_weight_count(size_t count, const std::string& roles) const;
  /// Weight `index`, checked against `expected` dims (-1 = any). With no weights stored, an
  /// array of `fill` of the expected shape (which must then be fully known).
  Result<WeightArray> weight(size_t index, const std::string& role,
                             const std::vector<int64_t>& expected, float fill) const;
  /// The single input; fails when the layer has another number of inputs.
  Result<KerasTensor*> single_input() const;
  /// The NCHW operand of a spatial layer: the NCHW view of `input` for channels_last, else the
  /// Keras value itself.
  Result<Value*> nchw_input(KerasTensor& input, bool channels_first) {
    return channels_first ? builder.keras_view(input, layer.name)
                          : builder.channels_first_view(input, layer.name);
  }
};

/// Converts one layer; returns its output tensor.
using LayerConverter = Result<KerasTensor> (*)(LayerContext&);

/// The converter of a Keras class name (Keras 1 names included); null when unsupported.
LayerConverter find_layer_converter(const std::string& class_name);
/// Why a layer cannot be converted even though its class can ("activation 'elu'"); nullopt
/// when it can.
std::optional<std::string> unsupported_layer_feature(const KerasLayer& layer);
/// True for layers that own weights (Conv, Dense, BatchNormalization, ...).
bool layer_has_weights(const KerasLayer& layer);

// --- config fields ---

/// The first of `keys` present in the config, or null json.
const nlohmann::json& config_field(const nlohmann::json& config,
                                   std::initializer_list<const char*> keys);
/// An int or an [a, b] pair, as two ints; `fallback` when absent or null.
std::vector<int64_t> config_pair(const nlohmann::json& config,
                                 std::initializer_list<const char*> keys,
                                 std::vector<int64_t> fallback);
std::string config_string(const nlohmann::json& config, std::initializer_list<const char*> keys,
                          const std::string& fallback);
bool config_bool(const nlohmann::json& config, std::initializer_list<const char*> keys,
                 bool fallback);
double config_number(const nlohmann::json& config, std::initializer_list<const char*> keys,
                     double fallback);
/// True for channels_first (data_format) / "th" (Keras 1 dim_ordering).
bool is_channels_first(const nlohmann::json& config);
/// The activation's name: a string, or a {"class_name", "config"} object (Keras 3); "linear"
/// when absent.
std::string activation_name(const nlohmann::json& config);
/// True for activations Kiln can express.
bool is_supported_activation(const std::string& name);

// --- shared conversions ---

/// Applies a named activation (relu, relu6, sigmoid, tanh, softmax, linear, swish/silu, elu,
/// leaky_relu, selu).
Result<KerasTensor> apply_activation(LayerContext& context, KerasTensor input,
                                     const std::string& name);
/// The value to run an elementwise op on: the NCHW view when one exists (keeping consecutive
/// spatial layers in NCHW), else the Keras-layout value. `channels_first` reports which.
Result<Value*> elementwise_operand(LayerContext& context, KerasTensor& tensor,
                                   bool& channels_first);
/// Wraps a result value in a KerasTensor of the given layout.
KerasTensor tensor_in_layout(Value* value, bool channels_first);
/// Maps a Keras axis of a rank-4 NHWC tensor to the matching NCHW axis.
int64_t nhwc_axis_to_nchw(int64_t axis);
/// Copies `array` with its axes permuted: output axis i is input axis perm[i].
std::vector<float> permute_array(const WeightArray& array, const std::vector<int64_t>& perm);

}  // namespace kiln::keras_import
