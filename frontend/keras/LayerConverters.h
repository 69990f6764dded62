// LayerConverters.h: the table of layer converters, filled by one register function per family
// of layers (ConvertConvLayers.cpp, ConvertSpatialLayers.cpp, ConvertCoreLayers.cpp,
// ConvertMergeLayers.cpp).
#pragma once

#include <map>
#include <string>

#include "frontend/keras/LayerContext.h"

namespace kiln::keras_import {

/// Converters by Keras class name.
using LayerConverterTable = std::map<std::string, LayerConverter>;

void register_conv_layers(LayerConverterTable& table);
void register_spatial_layers(LayerConverterTable& table);
void register_core_layers(LayerConverterTable& table);
void register_merge_layers(LayerConverterTable& table);
void register_normalization_layers(LayerConverterTable& table);

}  // namespace kiln::keras_import
