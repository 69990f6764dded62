// KerasGraphImport.h: turns a parsed Keras model and its weights into a Graph.
#pragma once

#include <optional>
#include <string>

#include "frontend/keras/KerasModelConfig.h"
#include "frontend/keras/KerasWeights.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::keras_import {

/// Where a model's weights come from; a structure-only import has none.
class WeightSource {
 public:
  virtual ~WeightSource() = default;
  /// Reads the weights of `layers` (the config layers that own weights).
  virtual Result<LayerWeights> read(const std::vector<WeightedLayer>& layers) const = 0;
};

/// Builds and verifies the graph. Fails with one error listing every unsupported layer before
/// anything is built. `weights` may be null (placeholder weights).
Result<Graph> build_keras_graph(const KerasModel& model, const WeightSource* weights,
                                const std::string& file);

}  // namespace kiln::keras_import
