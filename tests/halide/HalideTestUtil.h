// HalideTestUtil.h: helpers for the Halide backend tests: a small graph builder, deterministic
// random tensors, and a comparison of the JIT's results against the reference interpreter.
//
// Tolerance: |halide - reference| <= 1e-4 * |reference| + 1e-5 (relative 1e-4; the absolute
// floor covers values that cancel to near zero, where a relative bound is meaningless).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "backends/halide/HalideJit.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "passes/InferShapes.h"
#include "passes/Pipeline.h"

namespace kiln::halide_test {

constexpr double kRelativeTolerance = 1e-4;
constexpr double kAbsoluteTolerance = 1e-5;

/// Uniform values in [lo, hi) from a fixed-seed generator, so failures reproduce.
inline Tensor random_tensor(const std::vector<int64_t>& dims, uint32_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  std::vector<float> values(static_cast<size_t>(count));
  uint32_t state = seed * 2654435761u + 12345u;
  for (float& v : values) {
    state = state * 1664525u + 1013904223u;
    v = lo + (hi - lo) * float(state >> 8) / float(1u << 24);
  }
  return make_float_tensor(dims, values);
}

/// Builds test graphs tersely: named values, attribute lists, one-output nodes.
class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& graph) : graph_(graph) {}

  Value* input(const std::string& name, Shape shape, DType dtype = DType::Float32) {
    Value* v = graph_.add_value(name, TensorType{dtype, std::move(shape)});
    graph_.inputs.push_back(v);
    return v;
  }
  Value* constant(const std::string& name, Tensor tensor) {
    return graph_.add_constant(name, std::move(tensor));
  }
  Value* ints(const std::string& name, const std::vector<int64_t>& values) {
    return graph_.add_constant(name, make_int64_tensor({int64_t(values.size())}, values));
  }
  /// Adds `op` with one output named `name`.
  Value* node(const std::string& op, const std::string& name, std::vector<Value*> inputs,
              Attributes attrs = {}) {
    Value* out = graph_.add_value(name);
    graph_.add_node(name + "_node", op, std::move(inputs), {out}, std::move(attrs));
    return out;
  }
  void output(Value* v) { graph_.outputs.push_back(v); }

 private:
  Graph& graph_;
};

/// Attributes from a braced list: attrs({{"axis", int64_t{1}}}).
inline Attributes attrs(std::initializer_list<std::pair<std::string, AttributeValue>> list) {
  Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

/// Expects every output of `actual` to match `expected` within the tolerance above.
inline void expect_tensors_close(const std::vector<Tensor>& expected,
                                 const std::vector<Tensor>& actual, const Graph& graph) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string name = graph.outputs[i]->name;
    EXPECT_EQ(expected[i].dims, actual[i].dims) << "output " << name;
    EXPECT_EQ(expected[i].dtype, actual[i].dtype) << "output " << name;
    if (expected[i].dims != actual[i].dims) continue;
    int mismatches = 0;
    for (int64_t k = 0; k < expected[i].element_count() && mismatches < 5; ++k) {
      const double e = expected[i].element_as_double(k), a = actual[i].element_as_double(k);
      // Equal values (infinities included) and NaN against NaN match; a NaN against a number
      // fails, since no comparison with NaN is true.
      if (e == a || (std::isnan(e) && std::isnan(a))) continue;
      if (!(std::fabs(e - a) <= kRelativeTolerance * std::fabs(e) + kAbsoluteTolerance)) {
        ADD_FAILURE() << "output " << name << " element " << k << ": reference " << e << ", halide "
                      << a;
        ++mismatches;
      }
    }
  }
}

/// The default pass pipeline, with or without its last pass, `fuse`.
inline std::vector<std::string> default_passes(bool fuse) {
  std::vector<std::string> passes;
  for (const std::string& pass : default_pipeline())
    if (fuse || pass != "fuse") passes.push_back(pass);
  return passes;
}

/// Every schedule a lowering chose (nodes, then fusion groups), ';'-separated, for assertions
/// on which templates were used.
inline std::string schedule_summary(const KernelProgram& program) {
  std::string summary;
  for (const KernelPlan& kernel : program.partition.kernels)
    summary += kernel.schedule.to_string() + ";";
  return summary;
}

/// Infers types, compiles `graph` once with the JIT and checks each input set against the
/// reference interpreter.
inline void expect_matches_reference(Graph& graph,
                                     const std::vector<std::vector<Tensor>>& input_sets,
                                     const ScheduleOptions& options = {}) {
  Status typed = infer_shapes(graph);
  ASSERT_TRUE(typed.is_ok()) << typed.error().to_string();
  Result<HalideJitProgram> program = HalideJitProgram::compile(graph, "host", options);
  ASSERT_TRUE(program.is_ok()) << program.error().to_string();
  for (const std::vector<Tensor>& inputs : input_sets) {
    Result<std::vector<Tensor>> expected = run_reference(graph, inputs);
    ASSERT_TRUE(expected.is_ok()) << expected.error().to_string();
    Result<std::vector<Tensor>> actual = program->run(inputs);
    ASSERT_TRUE(actual.is_ok()) << actual.error().to_string();
    expect_tensors_close(*expected, *actual, graph);
  }
}

}  // namespace kiln::halide_test
