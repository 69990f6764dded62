// HalideIndexingTest.cpp: the Halide lowerings of the gathers, scatters (every reduction,
// duplicate indices), OneHot, ReverseSequence, CumSum, TopK (ties, NaN), Einsum and BitShift
// against the reference interpreter, on forms the ONNX node tests leave out.
#include <limits>

#include "tests/backends/ReferenceTestUtil.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using kiln::testing::typed_tensor;

TEST(HalideIndexing, GathersAndScattersMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* data = b.input("data", static_shape({3, 4, 5}));
  Value* elements = b.input("elements", static_shape({3, 2, 5}), DType::Int64);
  Value* tuples = b.input("tuples", static_shape({2, 2, 2}), DType::Int64);
  Value* batched = b.input("batched", static_shape({3, 2, 1}), DType::Int32);
  Value* updates = b.input("updates", static_shape({3, 2, 5}));
  Value* slices = b.input("slices", static_shape({2, 2, 5}));
  b.output(
      b.node("GatherElements", "gather_elements", {data, elements}, attrs({{"axis", int64_t{1}}})));
  b.output(b.node("GatherND", "gather_nd", {data, tuples}));
  b.output(
      b.node("GatherND", "gather_nd_batch", {data, batched}, attrs({{"batch_dims", int64_t{1}}})));
  for (const char* reduction : {"none", "add", "mul", "max", "min"}) {
    const std::string r(reduction);
    b.output(b.node("ScatterElements", "scatter_elements_" + r, {data, elements, updates},
                    attrs({{"axis", int64_t{-2}}, {"reduction", r}})));
    b.output(
        b.node("ScatterND", "scatter_nd_" + r, {data, tuples, slices}, attrs({{"reduction", r}})));
  }
  // Indices repeat (duplicates meet the reductions) and count from the end (negative values).
  const Tensor element_indices =
      typed_tensor(DType::Int64, {3, 2, 5}, {0, 1, 2, 3, -1, 1, 1,  -3, 0, 0, 3,  3, 3, 2, 1,
                                             0, 0, 0, 0, 0,  2, -2, 1,  0, 3, -4, 3, 2, 2, 1});
  const Tensor tuple_indices = typed_tensor(DType::Int64, {2, 2, 2}, {0, 1, 2, 3, -1, 0, 0, 1});
  const Tensor batch_indices = typed_tensor(DType::Int32, {3, 2, 1}, {0, 3, 1, 1, -1, 2});
  expect_matches_reference(
      graph, {{random_tensor({3, 4, 5}, 1), element_indices, tuple_indices, batch_indices,
               random_tensor({3, 2, 5}, 2), random_tensor({2, 2, 5}, 3)}});
}

TEST(HalideIndexing, OneHotReverseSequenceAndBitShiftMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* values = b.constant("values", make_float_tensor({2}, {-1.0f, 2.5f}));
  Value* indices = b.input("indices", static_shape({2, 3}), DType::Int64);
  Value* x = b.input("x", static_shape({4, 3, 2}));
  Value* lengths = b.input("lengths", static_shape({3}), DType::Int64);
  Value* bytes = b.input("bytes", static_shape({4}), DType::UInt8);
  Value* shifts = b.input("shifts", static_shape({4}), DType::UInt8);
  Value* wide = b.input("wide", static_shape({3}), DType::UInt64);
  Value* wide_shifts = b.input("wide_shifts", static_shape({3}), DType::UInt64);
  for (int64_t axis : {0, 1, -1})
    b.output(b.node("OneHot", "one_hot_" + std::to_string(axis + 1), {values, indices},
                    attrs({{"depth", int64_t{4}}, {"axis", axis}})));
  b.output(b.node("ReverseSequence", "reverse_sequence", {x, lengths},
                  attrs({{"batch_axis", int64_t{1}}, {"time_axis", int64_t{0}}})));
  for (const char* direction : {"LEFT", "RIGHT"}) {
    const std::string d(direction);
    b.output(b.node("BitShift", "shift_" + d, {bytes, shifts}, attrs({{"direction", d}})));
    b.output(b.node("BitShift", "wide_" + d, {wide, wide_shifts}, attrs({{"direction", d}})));
  }
  expect_matches_reference(
      graph, {{typed_tensor(DType::Int64, {2, 3}, {0, 3, -1, -4, 7, 2}),
               random_tensor({4, 3, 2}, 4), typed_tensor(DType::Int64, {3}, {4, 0, 2}),
               typed_tensor(DType::UInt8, {4}, {1, 200, 255, 7}),
               typed_tensor(DType::UInt8, {4}, {1, 3, 8, 9}),
               typed_tensor(DType::UInt64, {3}, {1, -1, 12345}),
               typed_tensor(DType::UInt64, {3}, {63, 1, 64})}});
}

TEST(HalideIndexing, CumSumMatchesReferenceOnEveryAxisAndDirection) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({3, 4, 9}));
  Value* ints = b.input("ints", static_shape({2, 7}), DType::Int32);
  for (int64_t axis : {0, 1, 2})
    for (int64_t exclusive : {0, 1})
      for (int64_t reverse : {0, 1}) {
        const std::string name =
            "cumsum_" + std::to_string(axis) + std::to_string(exclusive) + std::to_string(reverse);
        b.output(b.node("CumSum", name, {x},
                        attrs({{"axis", axis}, {"exclusive", exclusive}, {"reverse", reverse}})));
      }
  b.output(b.node("CumSum", "int_cumsum", {ints},
                  attrs({{"axis", int64_t{-1}}, {"reverse", int64_t{1}}})));
  std::vector<int64_t> int_values;
  for (int64_t i = 0; i < 14; ++i) int_values.push_back(i * 7 - 30);
  expect_matches_reference(
      graph, {{random_tensor({3, 4, 9}, 5), typed_tensor(DType::Int32, {2, 7}, int_values)}});
}

TEST(HalideIndexing, TopKMatchesReferenceWithTiesAndNaN) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({3, 8}));
  Value* ints = b.input("ints", static_shape({6, 2}), DType::Int64);
  int count = 0;
  auto topk = [&](Value* in, Attributes a) {
    const std::string name = "topk" + std::to_string(count++);
    Value* values = graph.add_value(name + "_values");
    Value* indices = graph.add_value(name + "_indices");
    graph.add_node(name, "TopK", {in}, {values, indices}, std::move(a));
    b.output(values);
    b.output(indices);
  };
  for (int64_t largest : {0, 1}) {
    topk(x, attrs({{"k", int64_t{5}}, {"largest", largest}}));
    topk(ints, attrs({{"k", int64_t{4}}, {"axis", int64_t{0}}, {"largest", largest}}));
  }
  topk(x, attrs({{"k", int64_t{0}}}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor with_ties = make_float_tensor(
      {3, 8}, {1, 3, 3, 2, nan, 3, -1, 0, 5, 5, 5, 5, 5, 5, 5, 5, -2, 4, nan, 4, 1, -2, nan, 0});
  expect_matches_reference(
      graph,
      {{with_ties, typed_tensor(DType::Int64, {6, 2}, {4, 1, 2, 2, 4, 9, -3, 2, 2, 0, 4, 1})}});
}

TEST(HalideIndexing, EinsumEquationsMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* a = b.input("a", static_shape({2, 3, 4}));
  Value* m = b.input("m", static_shape({4, 5}));
  Value* v = b.input("v", static_shape({5}));
  Value* square = b.input("square", static_shape({2, 4, 4}));
  Value* row = b.input("row", static_shape({1, 4}));
  const std::vector<std::pair<std::string, std::vector<Value*>>> cases = {
      {"bij,jk->bik", {a, m}}, {"bij->jib", {a}},           {"bij", {a}},
      {"ij,j->i", {m, v}},     {"i,j->ij", {v, v}},         {"...ii->...i", {square}},
      {"bii->b", {square}},    {"bij,jk,k->bi", {a, m, v}}, {"...j,ij->...i", {a, row}},
      {"ij,ij->", {m, m}},
  };
  int count = 0;
  for (const auto& [equation, operands] : cases)
    b.output(b.node("Einsum", "einsum" + std::to_string(count++), operands,
                    attrs({{"equation", equation}})));
  expect_matches_reference(
      graph, {{random_tensor({2, 3, 4}, 6), random_tensor({4, 5}, 7), random_tensor({5}, 8),
               random_tensor({2, 4, 4}, 9), random_tensor({1, 4}, 10)}});
}

}  // namespace
}  // namespace kiln::halide_test
