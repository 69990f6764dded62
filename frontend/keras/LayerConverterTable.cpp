// LayerConverterTable.cpp: the one table from Keras class names to converters, and the checks
// run on every layer before conversion so that all unsupported layers are reported together.
#include <set>

#include "frontend/keras/LayerConverters.h"

namespace kiln::keras_import {
namespace {

const LayerConverterTable& converter_table() {
  static const LayerConverterTable table = [] {
    LayerConverterTable built;
    register_conv_layers(built);
    register_spatial_layers(built);
    register_core_layers(built);
    register_merge_layers(built);
    register_normalization_layers(built);
    return built;
  }();
  return table;
}

}  // namespace

LayerConverter find_layer_converter(const std::string& class_name) {
  auto found = converter_table().find(class_name);
  return found == converter_table().end() ? nullptr : found->second;
}

std::optional<std::string> unsupported_layer_feature(const KerasLayer& layer) {
  if (layer.call_count > 1)
    return "shared layer called " + std::to_string(layer.call_count) + " times";
  if (layer.config.contains("activation")) {
    std::string activation = activation_name(layer.config);
    if (!is_supported_activation(activation)) return "activation '" + activation + "'";
  }
  return std::nullopt;
}

bool layer_has_weights(const KerasLayer& layer) {
  static const std::set<std::string> kWeighted = {"Conv2D",
                                                  "Convolution2D",
                                                  "DepthwiseConv2D",
                                                  "SeparableConv2D",
                                                  "SeparableConvolution2D",
                                                  "Dense",
                                                  "BatchNormalization",
                                                  "Conv2DTranspose",
                                                  "LayerNormalization",
                                                  "PReLU"};
  return kWeighted.count(layer.class_name) != 0;
}

}  // namespace kiln::keras_import
