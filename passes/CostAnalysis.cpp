// CostAnalysis.cpp: parameters, MACs and receptive fields of a graph (see CostAnalysis.h for the
// counting conventions).
#include "passes/CostAnalysis.h"

#include <algorithm>
#include <optional>
#include <set>

#include "ir/OpSchema.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln {
namespace {

/// A dimension's size for cost purposes: symbolic and unknown dims count as 1.
int64_t dim_for_cost(const Dim& dim) {
  return dim.is_static() ? dim.value : 1;
}

int64_t element_count_for_cost(const Shape& shape) {
  int64_t count = 1;
  for (const Dim& dim : shape) count *= dim_for_cost(dim);
  return count;
}

const Shape* shape_of(const Value* value) {
  if (value == nullptr || !value->type.shape) return nullptr;
  return &*value->type.shape;
}

int64_t floating_constant_elements(const Value* value) {
  if (value == nullptr || !value->is_constant() || !is_floating(value->constant->dtype)) return 0;
  return value->constant->element_count();
}

/// The weight input of a convolution (Conv, ConvTranspose, ConvInteger: 1; QLinearConv: 3);
/// nullopt for other ops.
std::optional<size_t> conv_weight_input(const std::string& op) {
  if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger") return 1;
  if (op == "QLinearConv") return 3;
  return std::nullopt;
}

/// Convolutions: each element of `side` meets the product of the weight dims after the first.
/// For Conv `side` is the output (each output accumulates (Cin / group) x kernel-area products);
/// for ConvTranspose it is the input (each input element feeds (Cout / group) x kernel-area
/// outputs: the useful multiply-adds, whatever padding the lowering adds to the kernel).
int64_t convolution_macs(const Node& node, const Value* side, size_t weight_input) {
  const Shape* counted = shape_of(side);
  const Shape* weight = shape_of(node.input(weight_input));
  if (counted == nullptr || weight == nullptr || weight->empty()) return 0;
  Shape per_element(weight->begin() + 1, weight->end());
  return element_count_for_cost(*counted) * element_count_for_cost(per_element);
}

/// Gemm and MatMul: every output element is a dot product over the reduction dim K of A.
int64_t matrix_product_macs(const Node& node) {
  const Shape* output = shape_of(node.output(0));
  const Shape* a = shape_of(node.input(0));
  if (output == nullptr || a == nullptr || a->empty()) return 0;
  size_t k_axis = a->size() - 1;
  if (node.op == "Gemm" && node.attrs.get_int("transA", 0) != 0) k_axis = 0;
  return element_count_for_cost(*output) * dim_for_cost((*a)[k_axis]);
}

int64_t node_macs(const Node& node) {
  if (std::optional<size_t> weight = conv_weight_input(node.op))
    return convolution_macs(node, node.op == "ConvTranspose" ? node.input(0) : node.output(0),
                            *weight);
  if (node.op == "Gemm" || node.op == "MatMul" || node.op == "MatMulInteger" ||
      node.op == "QLinearMatMul")
    return matrix_product_macs(node);
  return 0;
}

/// Number of spatial axes of an activation (NC + spatial layout), 0 below rank 3.
size_t spatial_axes(const Value* value) {
  const Shape* shape = shape_of(value);
  return shape != nullptr && shape->size() >= 3 ? shape->size() - 2 : 0;
}

/// a * b and a + b of non-negative extents, held at INT64_MAX instead of overflowing (a deep
/// enough stack of strided windows would pass it).
int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? INT64_MAX : product;
}
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

ReceptiveField unit_field(size_t axes) {
  return ReceptiveField{std::vector<int64_t>(axes, 1), std::vector<int64_t>(axes, 1)};
}

/// Kernel sizes of a window op along each spatial axis (Conv reads them from its weight when the
/// attribute is absent; global pools cover the whole input).
std::vector<int64_t> window_kernel(const Node& node, size_t axes) {
  std::vector<int64_t> kernel = node.attrs.get_ints("kernel_shape");
  if (op_has_flag(node.op, op_flags::kGlobalWindow)) {
    kernel.clear();
    const Shape* input = shape_of(node.input(0));
    for (size_t i = 0; i < axes; ++i) kernel.push_back(dim_for_cost((*input)[i + 2]));
  } else if (std::optional<size_t> weight_input = conv_weight_input(node.op);
             kernel.empty() && weight_input) {
    if (const Shape* weight = shape_of(node.input(*weight_input));
        weight != nullptr && weight->size() > 2) {
      for (size_t i = 2; i < weight->size(); ++i) kernel.push_back(dim_for_cost((*weight)[i]));
    }
  }
  kernel.resize(axes, 1);
  return kernel;
}

ReceptiveField window_field(const Node& node, const ReceptiveField& in) {
  size_t axes = in.size.size();
  std::vector<int64_t> kernel = window_kernel(node, axes);
  std::vector<int64_t> strides(axes, 1);
  std::vector<int64_t> spans = kernel;
  bool global = op_has_flag(node.op, op_flags::kGlobalWindow);
  if (global) {
    strides = kernel;
  } else if (Result<WindowAttributes> window = read_window_attributes(node.attrs, kernel)) {
    for (size_t i = 0; i < axes && i < window->spatial_rank(); ++i) {
      strides[i] = window->strides[i];
      spans[i] = window->span(i);
    }
  }
  ReceptiveField out = in;
  // A transposed convolution's output reads ceil(span / stride) inputs and steps through them
  // stride times slower.
  const bool transposed = node.op == "ConvTranspose";
  for (size_t i = 0; i < axes; ++i) {
    const int64_t reads = transposed ? (spans[i] + strides[i] - 1) / strides[i] : spans[i];
    out.size[i] = saturating_add(in.size[i], saturating_mul(reads - 1, in.jump[i]));
    out.jump[i] = transposed ? std::max<int64_t>(1, in.jump[i] / strides[i])
                             : saturating_mul(in.jump[i], strides[i]);
  }
  return out;
}

/// Whether `input` is broadcast along the spatial axis `from_back` places before the end of its
/// shape: its extent there is 1 and `output`'s is not (a squeeze-excite scale multiplied onto the
/// feature map it was pooled from).
bool broadcast_along(const Value* input, const Value* output, size_t from_back) {
  const Shape* in = shape_of(input);
  const Shape* out = shape_of(output);
  if (in == nullptr || out == nullptr || in->size() <= from_back || out->size() <= from_back)
    return false;
  const Dim& in_dim = (*in)[in->size() - 1 - from_back];
  const Dim& out_dim = (*out)[out->size() - 1 - from_back];
  return in_dim.is_static() && in_dim.value == 1 && !(out_dim.is_static() && out_dim.value == 1);
}

/// Element-wise maximum of the inputs' fields for `output`, aligned on the trailing (spatial)
/// axes so that rank changes such as a channel shuffle's 5-D reshape keep the height and width
/// fields. An input broadcast along an axis adds its field's size there but not its jump: it
/// has one position, so it sets no step between neighbouring outputs.
ReceptiveField merged_input_field(const Node& node, const Value* output, size_t axes,
                                  const std::map<const Value*, ReceptiveField>& fields) {
  ReceptiveField out = unit_field(axes);
  for (const Value* input : node.inputs) {
    auto found = fields.find(input);
    if (found == fields.end()) continue;
    const ReceptiveField& in = found->second;
    size_t shared = std::min(axes, in.size.size());
    for (size_t i = 0; i < shared; ++i) {
      size_t out_axis = axes - 1 - i;
      size_t in_axis = in.size.size() - 1 - i;
      out.size[out_axis] = std::max(out.size[out_axis], in.size[in_axis]);
      if (!broadcast_along(input, output, i))
        out.jump[out_axis] = std::max(out.jump[out_axis], in.jump[in_axis]);
    }
  }
  return out;
}

}  // namespace

bool is_spatial_window_op(const std::string& op) {
  return is_window_op(op);
}

CostReport analyze_costs(const Graph& graph) {
  CostReport report;
  for (const Value* input : graph.inputs) {
    if (size_t axes = spatial_axes(input); axes > 0)
      report.receptive_fields[input] = unit_field(axes);
  }
  std::set<const Value*> counted_constants;
  for (const auto& node : graph.nodes()) {
    NodeCost cost;
    for (const Value* input : node->inputs) {
      int64_t elements = floating_constant_elements(input);
      cost.params += elements;
      if (elements > 0 && counted_constants.insert(input).second) report.total_params += elements;
    }
    cost.macs = node_macs(*node);
    report.total_macs += cost.macs;

    const Value* first_input = node->input(0);
    auto input_field = report.receptive_fields.find(first_input);
    bool window = is_spatial_window_op(node->op) && input_field != report.receptive_fields.end();
    for (const Value* output : node->outputs) {
      size_t axes = spatial_axes(output);
      if (axes == 0) continue;
      report.receptive_fields[output] =
          window && axes == input_field->second.size.size()
              ? window_field(*node, input_field->second)
              : merged_input_field(*node, output, axes, report.receptive_fields);
    }
    if (window && node->output(0) != nullptr) {
      auto found = report.receptive_fields.find(node->output(0));
      if (found != report.receptive_fields.end()) cost.receptive_field = found->second;
    }
    report.nodes.push_back(std::move(cost));
  }
  return report;
}

}  // namespace kiln
