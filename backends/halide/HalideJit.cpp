// HalideJit.cpp: binds Kiln tensors to the lowered pipeline's parameters and runs it with the JIT.
#include "backends/halide/HalideJit.h"

#include <map>

#include "backends/halide/LoweringContext.h"

namespace kiln {
namespace {

// A Halide view (innermost-first sizes) of row-major bytes; no copy.
Result<Halide::Buffer<>> wrap_bytes(DType dtype, const std::vector<int64_t>& dims,
                                    const uint8_t* data) {
  KILN_HALIDE_ASSIGN(type, to_halide_type(dtype));
  std::vector<int> sizes(dims.rbegin(), dims.rend());
  return Halide::Buffer<>(type, const_cast<uint8_t*>(data), sizes);
}

Status check_input(const Value& declared, const Tensor& given,
                   std::map<std::string, int64_t>& symbols) {
  auto mismatch = [&](const std::string& what) {
    std::string got = std::string(dtype_name(given.dtype)) + "[";
    for (size_t i = 0; i < given.dims.size(); ++i)
      got += (i ? "," : "") + std::to_string(given.dims[i]);
    return Error{"", "",
                 "input '" + declared.name + "': expected " + declared.type.to_string() + ", got " +
                     got + "] (" + what + ")"};
  };
  if (given.dtype != declared.type.dtype) return mismatch("element type");
  if (!declared.type.shape || declared.type.shape->size() != given.dims.size())
    return mismatch("rank");
  for (size_t i = 0; i < given.dims.size(); ++i) {
    const Dim& d = (*declared.type.shape)[i];
    if (d.is_static() && d.value != given.dims[i]) return mismatch("dim " + std::to_string(i));
    if (d.is_symbolic()) {
      auto [it, inserted] = symbols.emplace(d.symbol, given.dims[i]);
      if (!inserted && it->second != given.dims[i])
        return mismatch("'" + d.symbol + "' bound to " + std::to_string(it->second));
    }
  }
  const uint64_t expected = uint64_t(given.element_count()) * dtype_size(given.dtype);
  if (given.data.size() < expected)
    return mismatch("holds " + std::to_string(given.data.size()) + " bytes, needs " +
                    std::to_string(expected));
  return Status::ok();
}

// Evaluates an output extent once the inputs' extents are known.
Result<int64_t> evaluate_extent(const Halide::Expr& extent,
                                const std::map<std::string, Halide::Expr>& bindings) {
  Halide::Expr e = Halide::Internal::simplify(Halide::Internal::substitute(bindings, extent));
  const int64_t* value = Halide::Internal::as_const_int(e);
  if (!value) return make_error("an output extent does not reduce to a number");
  return *value;
}

}  // namespace

Result<HalideJitProgram> HalideJitProgram::compile(const Graph& graph, const std::string& target,
                                                   const ScheduleOptions& options) {
  KILN_HALIDE_ASSIGN(halide_target, parse_halide_target(target));
  KILN_HALIDE_ASSIGN(lowered, lower_to_halide(graph, halide_target, options));
  HalideJitProgram program;
  program.graph_ = &graph;
  program.target_ = halide_target;
  program.lowered_ = std::make_shared<LoweredGraph>(std::move(lowered));
  try {
    program.lowered_->pipeline.compile_jit(halide_target);
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide JIT compilation failed: ") + e.what());
  }
  return program;
}

Result<std::vector<Tensor>> HalideJitProgram::run(const std::vector<Tensor>& inputs) const {
  const Graph& graph = *graph_;
  const LoweredGraph& lowered = *lowered_;
  if (inputs.size() != graph.inputs.size())
    return make_error("expected " + std::to_string(graph.inputs.size()) + " inputs, got " +
                      std::to_string(inputs.size()));
  std::map<std::string, int64_t> symbols;
  Halide::ParamMap params;
  std::map<std::string, Halide::Expr> bindings;
  for (size_t i = 0; i < inputs.size(); ++i) {
    KILN_RETURN_IF_ERROR(check_input(*graph.inputs[i], inputs[i], symbols));
    KILN_HALIDE_ASSIGN(buffer, wrap_bytes(inputs[i].dtype, inputs[i].dims, inputs[i].data.data()));
    params.set(lowered.inputs[i], buffer);
    const std::string& name = lowered.inputs[i].name();
    const size_t rank = inputs[i].dims.size();
    for (size_t d = 0; d < rank; ++d)
      bindings[name + ".extent." + std::to_string(rank - 1 - d)] = int(inputs[i].dims[d]);
  }
  for (size_t i = 0; i < lowered.weights.size(); ++i) {
    const Tensor& t = *lowered.weight_values[i]->constant;
    KILN_HALIDE_ASSIGN(buffer, wrap_bytes(t.dtype, t.dims, t.data.data()));
    params.set(lowered.weights[i], buffer);
  }

  std::vector<Tensor> outputs;
  std::vector<Halide::Buffer<>> buffers;
  for (size_t i = 0; i < lowered.outputs.size(); ++i) {
    Tensor out;
    out.dtype = graph.outputs[i]->type.dtype;
    for (const Halide::Expr& extent : lowered.output_extents[i]) {
      KILN_HALIDE_ASSIGN(value, evaluate_extent(extent, bindings));
      out.dims.push_back(value);
    }
    out.data = TensorData::from_vector(
        std::vector<uint8_t>(size_t(out.element_count()) * dtype_size(out.dtype)));
    KILN_HALIDE_ASSIGN(buffer, wrap_bytes(out.dtype, out.dims, out.data.data()));
    buffers.push_back(buffer);
    outputs.push_back(std::move(out));
  }
  try {
    Halide::Realization realization(buffers);
    Halide::Pipeline pipeline = lowered.pipeline;
    pipeline.realize(realization, target_, params);
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide run failed: ") + e.what());
  }
  return outputs;
}

Result<std::vector<Tensor>> run_halide_jit(const Graph& graph, const std::vector<Tensor>& inputs,
                                           const std::string& target,
                                           const ScheduleOptions& options) {
  KILN_HALIDE_ASSIGN(program, HalideJitProgram::compile(graph, target, options));
  return program.run(inputs);
}

}  // namespace kiln
