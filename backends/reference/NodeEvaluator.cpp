// NodeEvaluator.cpp: evaluates a single node with the reference interpreter, by wrapping it in a
// one-node graph whose inputs are constants. This keeps one code path for every kernel.
#include "backends/reference/ReferenceInterpreter.h"

namespace kiln {

Result<std::vector<Tensor>> run_reference_node(const Node& node,
                                               const std::vector<Tensor>& inputs) {
  if (inputs.size() != node.inputs.size())
    return Error{"", node.name,
                 "expected " + std::to_string(node.inputs.size()) + " input tensors, got " +
                     std::to_string(inputs.size())};
  Graph graph;
  graph.name = "fold";
  std::vector<Value*> node_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype == DType::Unknown) {
      node_inputs.push_back(nullptr);
      continue;
    }
    node_inputs.push_back(graph.add_constant("in" + std::to_string(i), inputs[i]));
  }
  std::vector<Value*> node_outputs;
  for (size_t i = 0; i < node.outputs.size(); ++i)
    node_outputs.push_back(graph.add_value("out" + std::to_string(i)));
  graph.add_node(node.name, node.op, node_inputs, node_outputs, node.attrs);
  graph.outputs = node_outputs;
  return run_reference(graph, {});
}

}  // namespace kiln
