// OnnxImporter.cpp: import_onnx_file, the order of the import (opset check, node names,
// unsupported-op report, inputs, initializers, nodes, outputs, verification).
#include "frontend/onnx/OnnxImporter.h"

#include <memory>
#include <set>

#include "frontend/onnx/ImportFolding.h"
#include "frontend/onnx/ModelFile.h"
#include "frontend/onnx/NodeConverter.h"
#include "frontend/onnx/OnnxTypes.h"
#include "frontend/onnx/TensorImport.h"
#include "frontend/onnx/UnsupportedOps.h"
#include "ir/Verifier.h"

namespace kiln {
namespace {

using namespace onnx_import;

// Opset 6 is the oldest whose forms of Kiln's ops either match opset 7's or carry attributes the
// converters reject by name (the legacy `broadcast`/`axis` of Add, Gemm, And ...); opset 1-5
// forms differ in ways that would import silently wrong (consumed_inputs, string Cast targets).
constexpr int64_t kMinOpset = 6;
constexpr int64_t kMaxOpset = 21;

/// The model's ai.onnx opset; a model importing none is read with the newest semantics.
Result<int64_t> model_opset(const onnx::ModelProto& model, const std::string& file) {
  int64_t opset = imported_opset(model, "").value_or(kMaxOpset);
  if (opset < kMinOpset || opset > kMaxOpset)
    return make_file_error(file, "ONNX opset " + std::to_string(opset) +
                                     " is not supported (Kiln reads ai.onnx opsets " +
                                     std::to_string(kMinOpset) + " to " +
                                     std::to_string(kMaxOpset) + ")");
  return opset;
}

/// Node names: the model's own where present and unique, else `<OpType>_<index>` (made unique
/// against every other name). Deterministic: depends only on the node list.
std::vector<std::string> assign_node_names(const onnx::GraphProto& graph,
                                           std::set<std::string>& taken) {
  for (const onnx::NodeProto& node : graph.node())
    if (!node.name().empty()) taken.insert(node.name());
  std::vector<std::string> names;
  std::set<std::string> kept;
  for (int i = 0; i < graph.node_size(); ++i) {
    const std::string& own = graph.node(i).name();
    if (!own.empty() && kept.insert(own).second) {
      names.push_back(own);
      continue;
    }
    std::string base = graph.node(i).op_type() + "_" + std::to_string(i);
    std::string name = base;
    for (int k = 1; taken.count(name); ++k) name = base + "_" + std::to_string(k);
    taken.insert(name);
    names.push_back(name);
  }
  return names;
}

void collect_value_names(const onnx::GraphProto& graph, GraphBuilder& builder) {
  for (const auto& input : graph.input()) builder.onnx_value_names.insert(input.name());
  for (const auto& init : graph.initializer()) builder.onnx_value_names.insert(init.name());
  for (const auto& node : graph.node()) {
    for (const std::string& name : node.output()) builder.onnx_value_names.insert(name);
    for (const std::string& name : node.input()) builder.used_value_names.insert(name);
  }
  for (const auto& output : graph.output()) builder.used_value_names.insert(output.name());
}

/// value_info and graph output types: kept aside as hints (shape inference recomputes types).
void collect_type_hints(const onnx::GraphProto& graph, GraphBuilder& builder) {
  for (const auto* infos : {&graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto& info : *infos) {
      Result<TensorType> type = tensor_type_from_onnx(info);
      if (type) builder.type_hints[info.name()] = *type;
    }
}

Status import_inputs_and_initializers(const onnx::GraphProto& graph, GraphBuilder& builder,
                                      const std::map<std::string, Tensor>& constant_inputs) {
  std::set<std::string> initializer_names, input_names;
  for (const auto& init : graph.initializer()) initializer_names.insert(init.name());
  for (const auto& input : graph.input()) input_names.insert(input.name());
  for (const auto& [name, tensor] : constant_inputs)
    if (!input_names.count(name))
      return make_file_error(builder.file, "no graph input is named '" + name + "'");
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (initializer_names.count(input.name())) continue;  // a weight with a default value
    if (input.name().empty()) return make_file_error(builder.file, "a graph input has no name");
    if (builder.graph.find_value(input.name()))
      return make_file_error(builder.file, "graph input '" + input.name() + "' is listed twice");
    if (auto bound = constant_inputs.find(input.name()); bound != constant_inputs.end()) {
      builder.graph.add_constant(input.name(), bound->second);
      continue;
    }
    Result<TensorType> type = tensor_type_from_onnx(input);
    if (!type) return make_file_error(builder.file, "graph input: " + type.error().message);
    builder.graph.inputs.push_back(builder.graph.add_value(input.name(), *type));
  }
  for (const onnx::TensorProto& init : graph.initializer()) {
    if (init.name().empty()) return make_file_error(builder.file, "an initializer has no name");
    if (builder.graph.find_value(init.name()))
      return make_file_error(builder.file, "initializer '" + init.name() + "' is defined twice");
    Result<Tensor> tensor = builder.tensors.import(init, "initializer '" + init.name() + "'");
    if (!tensor) return make_file_error(builder.file, tensor.error().message);
    builder.graph.add_constant(init.name(), std::move(*tensor));
  }
  return Status::ok();
}

Status import_outputs(const onnx::GraphProto& graph, GraphBuilder& builder) {
  for (const onnx::ValueInfoProto& output : graph.output()) {
    Value* value = builder.graph.find_value(output.name());
    if (!value)
      return make_file_error(builder.file,
                             "graph output '" + output.name() + "' is not produced by the graph");
    builder.graph.outputs.push_back(value);
  }
  return Status::ok();
}

}  // namespace

Result<Graph> import_onnx_file(const std::string& path) {
  return import_onnx_file(path, {});
}

Result<Graph> import_onnx_file(const std::string& path,
                               const std::map<std::string, Tensor>& constant_inputs) {
  return import_onnx_file(path, constant_inputs, nullptr);
}

Result<Graph> import_onnx_file(const std::string& path,
                               const std::map<std::string, Tensor>& constant_inputs,
                               const ConstantEvaluator* evaluator) {
  Result<std::shared_ptr<const onnx::ModelProto>> parsed = read_model_file(path);
  if (!parsed) return parsed.error();
  std::shared_ptr<const onnx::ModelProto> model = *parsed;
  const onnx::GraphProto& onnx_graph = model->graph();
  Result<int64_t> opset = model_opset(*model, path);
  if (!opset) return opset.error();

  Graph graph;
  graph.name = onnx_graph.name().empty() ? "main" : onnx_graph.name();
  TensorImporter tensors(model, path);
  GraphBuilder builder{graph, path, *opset, tensors, {}, {}, {}, {}};
  builder.evaluator = evaluator;
  std::vector<std::string> node_names = assign_node_names(onnx_graph, builder.node_names);
  KILN_RETURN_IF_ERROR(check_supported_ops(*model, node_names, path));
  collect_value_names(onnx_graph, builder);
  collect_type_hints(onnx_graph, builder);
  KILN_RETURN_IF_ERROR(import_inputs_and_initializers(onnx_graph, builder, constant_inputs));

  for (int i = 0; i < onnx_graph.node_size(); ++i) {
    const onnx::NodeProto& proto = onnx_graph.node(i);
    NodeConverter node(builder, proto, node_names[i]);
    KILN_RETURN_IF_ERROR(find_op_converter(proto.op_type())(node));
  }
  KILN_RETURN_IF_ERROR(import_outputs(onnx_graph, builder));
  forget_import_types(graph);

  Status verified = verify_graph(graph);
  if (!verified) {
    Error error = verified.error();
    error.file = path;
    return error;
  }
  return graph;
}

}  // namespace kiln
