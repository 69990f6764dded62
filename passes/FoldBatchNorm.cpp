// FoldBatchNorm.cpp: the pass that folds inference BatchNormalization into the Conv or Gemm
// before it. BN(y) = (y - mean) * s + beta with s = scale / sqrt(var + eps) is affine per
// channel, so it becomes a scale of the weights' output-channel slices plus a new bias.
#include "passes/FoldBatchNorm.h"

#include <cmath>
#include <optional>
#include <unordered_set>

#include "passes/GraphEdits.h"

namespace kiln {
namespace {

bool is_f32_constant(const Value* value) {
  return value && value->is_constant() && value->constant->dtype == DType::Float32 &&
         value->constant->data.size() == size_t(value->constant->element_count()) * sizeof(float);
}

std::vector<double> to_doubles(const Tensor& tensor) {
  std::vector<double> out(size_t(tensor.element_count()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = tensor.element_as_double(int64_t(i));
  return out;
}

/// The per-channel affine form of a BatchNormalization: y * scale + shift.
struct ChannelAffine {
  std::vector<double> scale;
  std::vector<double> mean;
  std::vector<double> beta;
};

std::optional<ChannelAffine> channel_affine(const Node& bn, int64_t channels) {
  for (size_t i = 1; i < 5; ++i) {
    const Value* param = bn.input(i);
    if (!is_f32_constant(param) || param->constant->element_count() != channels)
      return std::nullopt;
  }
  const double epsilon = bn.attrs.get_float("epsilon", 1e-5);
  std::vector<double> gamma = to_doubles(*bn.input(1)->constant);
  std::vector<double> variance = to_doubles(*bn.input(4)->constant);
  ChannelAffine affine{{}, to_doubles(*bn.input(3)->constant), to_doubles(*bn.input(2)->constant)};
  affine.scale.resize(size_t(channels));
  for (size_t c = 0; c < affine.scale.size(); ++c)
    affine.scale[c] = gamma[c] / std::sqrt(variance[c] + epsilon);
  return affine;
}

/// The new bias: (old_bias - mean) * scale + beta.
std::vector<float> folded_bias(const ChannelAffine& affine, const std::vector<double>& old_bias) {
  std::vector<float> bias(affine.scale.size());
  for (size_t c = 0; c < bias.size(); ++c)
    bias[c] = float((old_bias[c] - affine.mean[c]) * affine.scale[c] + affine.beta[c]);
  return bias;
}

/// Gives `producer` the batch norm's output value and drops the batch norm node.
void take_over_output(Graph& graph, Node& producer, Node& bn) {
  Value* old_output = producer.outputs[0];
  Value* bn_output = bn.outputs[0];
  graph.remove_node(&bn);
  producer.outputs[0] = bn_output;
  bn_output->producer = &producer;
  graph.remove_value(old_output);
}

Value* add_weight(Graph& graph, const std::string& base, const std::vector<int64_t>& dims,
                  const std::vector<float>& values) {
  return graph.add_constant(graph.unique_value_name(base), make_float_tensor(dims, values));
}

bool fold_into_conv(Graph& graph, Node& conv, Node& bn) {
  const Value* weight = conv.input(1);
  if (!is_f32_constant(weight) || weight->constant->dims.size() < 3) return false;
  const int64_t channels = weight->constant->dims[0];
  if (conv.input(2) &&
      (!is_f32_constant(conv.input(2)) || conv.input(2)->constant->element_count() != channels))
    return false;
  std::optional<ChannelAffine> affine = channel_affine(bn, channels);
  if (!affine || channels <= 0) return false;

  std::vector<double> w = to_doubles(*weight->constant);
  const size_t per_channel = w.size() / size_t(channels);
  std::vector<float> new_w(w.size());
  for (size_t i = 0; i < w.size(); ++i) new_w[i] = float(w[i] * affine->scale[i / per_channel]);
  std::vector<double> old_bias =
      conv.input(2) ? to_doubles(*conv.input(2)->constant) : std::vector<double>(size_t(channels));

  conv.inputs.resize(3);
  conv.inputs[1] = add_weight(graph, weight->name + "_bn", weight->constant->dims, new_w);
  conv.inputs[2] =
      add_weight(graph, conv.name + "_bn_bias", {channels}, folded_bias(*affine, old_bias));
  take_over_output(graph, conv, bn);
  return true;
}

bool fold_into_gemm(Graph& graph, Node& gemm, Node& bn) {
  const Value* weight = gemm.input(1);
  if (!is_f32_constant(weight) || weight->constant->dims.size() != 2) return false;
  const bool transposed = gemm.attrs.get_int("transB", 0) != 0;
  const std::vector<int64_t>& dims = weight->constant->dims;
  const int64_t columns = transposed ? dims[0] : dims[1];
  const Value* c_input = gemm.input(2);
  // C must broadcast per column: a scalar, [N] or [1,N].
  if (c_input) {
    if (!is_f32_constant(c_input)) return false;
    const Tensor& c = *c_input->constant;
    const bool per_column = c.element_count() == columns &&
                            (c.dims.size() == 1 || (c.dims.size() == 2 && c.dims[0] == 1));
    if (!per_column && c.element_count() != 1) return false;
  }
  std::optional<ChannelAffine> affine = channel_affine(bn, columns);
  if (!affine || columns <= 0) return false;

  const double alpha = gemm.attrs.get_float("alpha", 1.0);
  const double beta = gemm.attrs.get_float("beta", 1.0);
  std::vector<double> w = to_doubles(*weight->constant);
  std::vector<float> new_w(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    size_t column = transposed ? i / size_t(dims[1]) : i % size_t(dims[1]);
    new_w[i] = float(w[i] * alpha * affine->scale[column]);
  }
  std::vector<double> old_bias(size_t(columns), 0.0);
  if (c_input) {
    std::vector<double> c = to_doubles(*c_input->constant);
    for (size_t n = 0; n < old_bias.size(); ++n) old_bias[n] = beta * c[c.size() == 1 ? 0 : n];
  }

  gemm.inputs.resize(3);
  gemm.inputs[1] = add_weight(graph, weight->name + "_bn", dims, new_w);
  gemm.inputs[2] =
      add_weight(graph, gemm.name + "_bn_bias", {columns}, folded_bias(*affine, old_bias));
  gemm.attrs.erase("alpha");
  gemm.attrs.erase("beta");
  take_over_output(graph, gemm, bn);
  return true;
}

}  // namespace

Status fold_batch_norm(Graph& graph) {
  std::vector<Node*> batch_norms;
  for (const auto& node : graph.nodes())
    if (node->op == "BatchNormalization") batch_norms.push_back(node.get());
  for (Node* bn : batch_norms) {
    // The old weights and parameters may be shared; drop only those nothing reads any more.
    std::vector<Value*> replaced(bn->inputs.begin() + 1, bn->inputs.end());
    Value* input = bn->input(0);
    if (!input || !input->producer || bn->outputs.size() != 1 || !bn->output(0)) continue;
    Node* producer = input->producer;
    if (producer->outputs.size() != 1 || is_graph_output(graph, input)) continue;
    if (count_uses(graph)[input] != 1) continue;
    replaced.insert(replaced.end(), producer->inputs.begin() + 1, producer->inputs.end());
    bool folded = false;
    if (producer->op == "Conv") {
      folded = fold_into_conv(graph, *producer, *bn);
    } else if (producer->op == "Gemm") {
      // A Gemm output is [M, N]; BatchNormalization normalises axis 1, the columns.
      const auto& shape = input->type.shape;
      if (shape && shape->size() == 2) folded = fold_into_gemm(graph, *producer, *bn);
    }
    if (!folded) continue;
    auto uses = count_uses(graph);
    std::unordered_set<const Value*> removed;
    for (Value* value : replaced)
      if (value && value->is_constant() && uses[value] == 0 && removed.insert(value).second)
        graph.remove_value(value);
  }
  return Status::ok();
}

}  // namespace kiln
