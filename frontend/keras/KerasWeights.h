// KerasWeights.h: reads layer weights from the two Keras HDF5 layouts and assigns them to the
// layers of the model config.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "frontend/keras/Hdf5File.h"
#include "ir/Error.h"

namespace kiln::keras_import {

/// A layer of the config that owns weights: its name and class.
struct WeightedLayer {
  std::string name;
  std::string class_name;
};

/// Each weighted layer's arrays by config layer name, in Keras's weight order (kernel, bias...).
using LayerWeights = std::map<std::string, std::vector<WeightArray>>;

/// The legacy layout (Keras 1/2 `save_weights` and full-model `.h5`): `group` ("" for a weights
/// file, "model_weights" for a full model) lists layer_names; each layer group lists
/// weight_names, and each weight is the dataset `group/layer/weight_name`. Layers are matched by
/// name when every weighted layer has a group of its name, else by order, as Keras's
/// load_weights does.
Result<LayerWeights> read_legacy_weights(const Hdf5File& file, const std::string& group,
                                         const std::vector<WeightedLayer>& layers);

/// The Keras 3 `model.weights.h5` layout: `layers/<class-derived name>/vars/<i>` (tf.keras 2.13
/// writes `_layer_checkpoint_dependencies/...`). Group names derive from the class (Conv2D ->
/// conv2d, conv2d_1, ...) and are matched to the layers of that class in config order.
Result<LayerWeights> read_keras3_weights(const Hdf5File& file,
                                         const std::vector<WeightedLayer>& layers);

/// Keras's snake_case of a class name: "DepthwiseConv2D" -> "depthwise_conv2d".
std::string keras_snake_case(const std::string& class_name);

}  // namespace kiln::keras_import
