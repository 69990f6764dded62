// HalideJit.cpp: binds Kiln tensors to each kernel's parameters and runs the kernels with the JIT.
#include "backends/halide/HalideJit.h"

#include <chrono>
#include <limits>
#include <map>

#include "backends/halide/GpuSchedule.h"
#include "backends/halide/LoweringContext.h"
#include "backends/halide/ParallelFor.h"
#include "ir/shape_rules/DimArithmetic.h"

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

}  // namespace

Result<HalideJitProgram> HalideJitProgram::compile(
    const Graph& graph, const std::string& target, const ScheduleOptions& options,
    const std::map<std::string, ScheduleRecord>& records, int jobs) {
  KILN_HALIDE_ASSIGN(halide_target, parse_halide_target(target));
  // Halide's JIT of OpenCL code crashes under PoCL (its LLVM and Halide's in one process), and
  // JIT-compiled GPU code would bypass the library's driver checks: GPU targets go through a
  // compiled library (`kiln compile --target ...`, then `kiln run`/`kiln bench` of NAME.so).
  if (is_gpu_target(halide_target))
    return make_error("the JIT runs CPU targets only; compile GPU target " +
                      halide_target.to_string() +
                      " with `kiln compile --target` and run the library");
  KILN_HALIDE_ASSIGN(program, lower_kernels(graph, halide_target, options, records));
  HalideJitProgram jit;
  jit.graph_ = &graph;
  jit.target_ = halide_target;
  jit.program_ = std::make_shared<KernelProgram>(std::move(program));
  std::vector<int> distinct;
  for (size_t k = 0; k < jit.program_->kernels.size(); ++k)
    if (jit.program_->kernels[k].representative == int(k)) distinct.push_back(int(k));
  std::vector<std::string> errors(distinct.size());
  parallel_for(int(distinct.size()), jobs > 0 ? jobs : default_job_count(), [&](int i) {
    try {
      jit.program_->kernels[size_t(distinct[size_t(i)])].pipeline.compile_jit(halide_target);
    } catch (const Halide::Error& e) {
      errors[size_t(i)] = e.what();
    }
  });
  for (size_t i = 0; i < distinct.size(); ++i)
    if (!errors[i].empty()) {
      const KernelPlan& plan = jit.program_->partition.kernels[size_t(distinct[i])];
      return Error{"", plan.name, "Halide JIT compilation failed: " + errors[i]};
    }
  return jit;
}

Result<std::vector<Tensor>> HalideJitProgram::run(const std::vector<Tensor>& inputs,
                                                  std::vector<double>* kernel_ms) const {
  const Graph& graph = *graph_;
  const KernelProgram& program = *program_;
  const KernelPartition& partition = program.partition;
  if (inputs.size() != graph.inputs.size())
    return make_error("expected " + std::to_string(graph.inputs.size()) + " inputs, got " +
                      std::to_string(inputs.size()));
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < inputs.size(); ++i)
    KILN_RETURN_IF_ERROR(check_input(*graph.inputs[i], inputs[i], symbols));
  for (const auto& [name, value] : symbols)
    if (value > std::numeric_limits<int32_t>::max())
      return make_error("symbolic dim '" + name + "' = " + std::to_string(value) + " is too large");

  // One buffer per boundary tensor.
  std::vector<Tensor> outputs(graph.outputs.size());
  std::vector<Halide::Buffer<>> buffers(partition.tensors.size());
  try {
    for (size_t t = 0; t < partition.tensors.size(); ++t) {
      const BoundaryTensor& tensor = partition.tensors[t];
      if (tensor.role == TensorRole::Input) {
        const Tensor& in = inputs[size_t(tensor.index)];
        KILN_HALIDE_ASSIGN(buffer, wrap_bytes(in.dtype, in.dims, in.data.data()));
        buffers[t] = buffer;
        continue;
      }
      std::vector<int64_t> dims;
      for (const Dim& d : *tensor.value->type.shape) {
        const int64_t e = evaluate_dim(d, [&](const std::string& name) -> std::optional<int64_t> {
                            auto it = symbols.find(name);
                            if (it == symbols.end()) return std::nullopt;
                            return it->second;
                          }).value_or(-1);
        if (e < 0 || e > std::numeric_limits<int32_t>::max())
          return make_error("value '" + tensor.value->name + "' has a dim that cannot be sized");
        dims.push_back(e);
      }
      if (tensor.role == TensorRole::Output) {
        Tensor& out = outputs[size_t(tensor.index)];
        out.dtype = tensor.value->type.dtype;
        out.dims = dims;
        out.data = TensorData::from_vector(
            std::vector<uint8_t>(size_t(out.element_count()) * dtype_size(out.dtype)));
        KILN_HALIDE_ASSIGN(buffer, wrap_bytes(out.dtype, out.dims, out.data.data()));
        buffers[t] = buffer;
        continue;
      }
      KILN_HALIDE_ASSIGN(type, to_halide_type(tensor.value->type.dtype));
      std::vector<int> sizes(dims.rbegin(), dims.rend());
      buffers[t] =
          Halide::Buffer<>(type, sizes, boundary_storage_order(sizes.size(), tensor.channels_last));
    }
    std::vector<Halide::Buffer<>> weights;
    for (const Value* w : program.weights) {
      const Tensor& t = *w->constant;
      KILN_HALIDE_ASSIGN(buffer, wrap_bytes(t.dtype, t.dims, t.data.data()));
      weights.push_back(buffer);
    }
    if (kernel_ms) kernel_ms->assign(program.kernels.size(), 0.0);
    for (size_t k = 0; k < program.kernels.size(); ++k) {
      const LoweredKernel& instance = program.kernels[k];
      const LoweredKernel& compiled = program.kernels[size_t(instance.representative)];
      Halide::ParamMap params;
      size_t next_symbol = 0, next_buffer = 0;
      for (const KernelArgument& binding : instance.bindings) {
        switch (binding.kind) {
          case KernelArgument::Kind::Symbol:
            params.set(compiled.symbol_params[next_symbol++],
                       int32_t(symbols[partition.symbols[size_t(binding.index)]]));
            break;
          case KernelArgument::Kind::Tensor:
            params.set(compiled.buffer_params[next_buffer++], buffers[size_t(binding.index)]);
            break;
          case KernelArgument::Kind::Weight:
            params.set(compiled.buffer_params[next_buffer++], weights[size_t(binding.index)]);
            break;
        }
      }
      std::vector<Halide::Buffer<>> results;
      for (int t : instance.outputs) results.push_back(buffers[size_t(t)]);
      Halide::Realization realization(results);
      Halide::Pipeline pipeline = compiled.pipeline;
      const auto start = std::chrono::steady_clock::now();
      pipeline.realize(realization, target_, params);
      if (kernel_ms)
        (*kernel_ms)[k] =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
    }
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
