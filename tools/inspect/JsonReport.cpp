// JsonReport.cpp: turns a graph and its costs into the JSON report.
#include "tools/inspect/JsonReport.h"

namespace kiln::cli {
namespace {

using Json = nlohmann::ordered_json;

Json value_json(const Value& value) {
  return Json{{"name", value.name},
              {"dtype", dtype_name(value.type.dtype)},
              {"shape", shape_json(value.type.shape)}};
}

Json value_list_json(const std::vector<Value*>& values) {
  Json list = Json::array();
  for (const Value* value : values) list.push_back(value ? value_json(*value) : Json(nullptr));
  return list;
}

}  // namespace

nlohmann::ordered_json shape_json(const std::optional<Shape>& shape) {
  if (!shape) return nullptr;
  nlohmann::ordered_json dims = nlohmann::ordered_json::array();
  for (const Dim& dim : *shape) {
    if (dim.is_static()) {
      dims.push_back(dim.value);
    } else {
      dims.push_back(dim.to_string());
    }
  }
  return dims;
}

Json make_json_report(const Graph& graph, const CostReport& costs) {
  Json nodes = Json::array();
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    const Node& node = *graph.nodes()[i];
    Json input_names = Json::array();
    for (const Value* input : node.inputs) {
      input_names.push_back(input ? Json(input->name) : Json(nullptr));
    }
    nodes.push_back(Json{{"name", node.name},
                         {"op", node.op},
                         {"inputs", std::move(input_names)},
                         {"outputs", value_list_json(node.outputs)},
                         {"params", costs.nodes.at(i).params},
                         {"macs", costs.nodes.at(i).macs}});
  }
  return Json{{"nodes", std::move(nodes)},
              {"inputs", value_list_json(graph.inputs)},
              {"outputs", value_list_json(graph.outputs)},
              {"totals", Json{{"params", costs.total_params}, {"macs", costs.total_macs}}}};
}

}  // namespace kiln::cli
