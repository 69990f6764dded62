// TestGraphs.h: small hand-built graphs shared by the IR unit tests (printer, parser, verifier).
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln::test {

/// f32 type with a static shape.
inline TensorType f32(const std::vector<int64_t>& dims) {
  return TensorType{DType::Float32, static_shape(dims)};
}

/// A tensor of any dtype from raw little-endian element bytes.
template <typename T>
Tensor make_tensor(DType dtype, const std::vector<int64_t>& dims, const std::vector<T>& values) {
  return Tensor{dtype, dims, TensorData::copy_of(values.data(), values.size() * sizeof(T))};
}

/// input x: f32[batch,3,8,8] -> Conv(x, w, b) -> Relu -> output. Verifies cleanly.
inline void build_conv_relu(Graph& graph) {
  graph.name = "conv_relu";
  Value* x = graph.add_value(
      "x", TensorType{DType::Float32,
                      Shape{Dim::symbolic("batch"), Dim::known(3), Dim::known(8), Dim::known(8)}});
  graph.inputs.push_back(x);
  Value* w = graph.add_constant("w", make_float_tensor({2, 3, 1, 1}, {1, 2, 3, 4, 5, 6}));
  Value* b = graph.add_constant("b", make_float_tensor({2}, {0.5f, -0.25f}));
  TensorType conv_type{DType::Float32,
                       Shape{Dim::symbolic("batch"), Dim::known(2), Dim::known(8), Dim::known(8)}};
  Value* y = graph.add_value("y", conv_type);
  Value* z = graph.add_value("z", conv_type);
  Attributes conv_attrs;
  conv_attrs.set("kernel_shape", std::vector<int64_t>{1, 1});
  conv_attrs.set("group", int64_t{1});
  graph.add_node("conv1", "Conv", {x, w, b}, {y}, conv_attrs);
  graph.add_node("relu1", "Relu", {y}, {z});
  graph.outputs.push_back(z);
}

}  // namespace kiln::test
