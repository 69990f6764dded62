// KerasWeights.cpp: legacy (layer_names / weight_names) and Keras 3 (vars/<i>) weight reading.
#include "frontend/keras/KerasWeights.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kiln::keras_import {
namespace {

std::string join_path(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "/" + b;
}

Result<std::vector<WeightArray>> read_legacy_layer(const Hdf5File& file, const std::string& group) {
  Result<std::vector<std::string>> names = file.string_list_attribute(group, "weight_names");
  if (!names) return names.error();
  std::vector<WeightArray> arrays;
  for (const std::string& weight : *names) {
    Result<WeightArray> array = file.read_floats(join_path(group, weight));
    if (!array) return array.error();
    array->name = weight;
    arrays.push_back(std::move(*array));
  }
  return arrays;
}

/// Numeric suffix of "base" (0), "base_3" (3); -1 when `name` is not of that family.
int64_t family_index(const std::string& name, const std::string& base) {
  if (name == base) return 0;
  if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0 ||
      name[base.size()] != '_')
    return -1;
  std::string digits = name.substr(base.size() + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); })) return -1;
  return std::stoll(digits);
}

/// vars/0, vars/1, ... in numeric order.
Result<std::vector<WeightArray>> read_vars(const Hdf5File& file, const std::string& vars) {
  std::vector<std::string> names = file.children(vars);
  std::vector<std::pair<int64_t, std::string>> ordered;
  for (const std::string& name : names)
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c); }))
      ordered.emplace_back(std::stoll(name), name);
  std::sort(ordered.begin(), ordered.end());
  std::vector<WeightArray> arrays;
  for (const auto& [index, name] : ordered) {
    Result<WeightArray> array = file.read_floats(vars + "/" + name);
    if (!array) return array.error();
    arrays.push_back(std::move(*array));
  }
  return arrays;
}

}  // namespace

std::string keras_snake_case(const std::string& class_name) {
  // Keras: insert '_' before an Upper+lower run that follows any character, then between a
  // lowercase letter and an uppercase one; lowercase the result.
  std::string first;
  for (size_t i = 0; i < class_name.size(); ++i) {
    char c = class_name[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) && i + 1 < class_name.size() &&
        std::islower(static_cast<unsigned char>(class_name[i + 1])))
      first += '_';
    first += c;
  }
  std::string second;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(first[i - 1])) &&
        std::isupper(static_cast<unsigned char>(first[i])))
      second += '_';
    second += static_cast<char>(std::tolower(static_cast<unsigned char>(first[i])));
  }
  // The first rule can double an underscore already present ("_Conv" after "_").
  std::string result;
  for (char c : second)
    if (!(c == '_' && !result.empty() && result.back() == '_')) result += c;
  return result;
}

Result<LayerWeights> read_legacy_weights(const Hdf5File& file, const std::string& group,
                                         const std::vector<WeightedLayer>& layers) {
  Result<std::vector<std::string>> stored = file.string_list_attribute(group, "layer_names");
  if (!stored) return stored.error();
  std::set<std::string> stored_set(stored->begin(), stored->end());
  bool by_name = std::all_of(layers.begin(), layers.end(), [&](const WeightedLayer& layer) {
    return stored_set.count(layer.name) != 0;
  });
  LayerWeights weights;
  if (by_name) {
    for (const WeightedLayer& layer : layers) {
      Result<std::vector<WeightArray>> arrays =
          read_legacy_layer(file, join_path(group, layer.name));
      if (!arrays) return Error{file.display_name(), layer.name, arrays.error().message};
      weights[layer.name] = std::move(*arrays);
    }
    return weights;
  }
  std::vector<std::vector<WeightArray>> in_order;
  for (const std::string& name : *stored) {
    Result<std::vector<WeightArray>> arrays = read_legacy_layer(file, join_path(group, name));
    if (!arrays) return Error{file.display_name(), name, arrays.error().message};
    if (!arrays->empty()) in_order.push_back(std::move(*arrays));
  }
  if (in_order.size() != layers.size()) {
    auto unmatched = std::find_if(layers.begin(), layers.end(), [&](const WeightedLayer& layer) {
      return stored_set.count(layer.name) == 0;
    });
    return Error{file.display_name(), unmatched == layers.end() ? "" : unmatched->name,
                 "the weights file holds weights for " + std::to_string(in_order.size()) +
                     " layers but the model has " + std::to_string(layers.size()) +
                     " layers with weights, and the layer names do not match (missing weights)"};
  }
  for (size_t i = 0; i < layers.size(); ++i) weights[layers[i].name] = std::move(in_order[i]);
  return weights;
}

Result<LayerWeights> read_keras3_weights(const Hdf5File& file,
                                         const std::vector<WeightedLayer>& layers) {
  std::string root = file.is_group("layers") ? "layers" : "_layer_checkpoint_dependencies";
  if (!file.is_group(root))
    return Error{file.display_name(), "",
                 "no 'layers' or '_layer_checkpoint_dependencies' group: not a Keras 3 weights "
                 "file"};
  std::vector<std::string> groups = file.children(root);
  std::map<std::string, size_t> used_per_class;
  LayerWeights weights;
  for (const WeightedLayer& layer : layers) {
    std::string base = keras_snake_case(layer.class_name);
    std::vector<std::pair<int64_t, std::string>> family;
    for (const std::string& group : groups) {
      int64_t index = family_index(group, base);
      if (index >= 0 && !file.children(root + "/" + group + "/vars").empty())
        family.emplace_back(index, group);
    }
    std::sort(family.begin(), family.end());
    size_t& used = used_per_class[base];
    if (used >= family.size())
      return Error{file.display_name(), layer.name,
                   "missing weights: no '" + root + "/" + base + "*' group left for this " +
                       layer.class_name + " layer"};
    Result<std::vector<WeightArray>> arrays =
        read_vars(file, root + "/" + family[used].second + "/vars");
    ++used;
    if (!arrays) return Error{file.display_name(), layer.name, arrays.error().message};
    weights[layer.name] = std::move(*arrays);
  }
  return weights;
}

}  // namespace kiln::keras_import
