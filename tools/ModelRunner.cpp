// ModelRunner.cpp: the library, JIT and reference runners behind `kiln run` and `kiln bench`.
#include "tools/ModelRunner.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "backends/halide/HalideJit.h"
#include "backends/reference/ReferenceInterpreter.h"
#include "kiln_runtime.h"
#include "passes/CostAnalysis.h"
#include "tools/ModelLoader.h"
#include "tools/device_host/DeviceHostProcess.h"

namespace kiln::cli {
namespace {

std::string describe(const DType dtype, const Shape& shape) {
  return std::string(dtype_name(dtype)) + shape_to_string(shape);
}

std::string describe(const Tensor& tensor) {
  return describe(tensor.dtype, static_shape(tensor.dims));
}

DType dtype_from_abi(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_F32:
      return DType::Float32;
    case KILN_DTYPE_F64:
      return DType::Float64;
    case KILN_DTYPE_F16:
      return DType::Float16;
    case KILN_DTYPE_I8:
      return DType::Int8;
    case KILN_DTYPE_I16:
      return DType::Int16;
    case KILN_DTYPE_I32:
      return DType::Int32;
    case KILN_DTYPE_I64:
      return DType::Int64;
    case KILN_DTYPE_U8:
      return DType::UInt8;
    case KILN_DTYPE_BOOL:
      return DType::Bool;
    case KILN_DTYPE_U16:
      return DType::UInt16;
    case KILN_DTYPE_U32:
      return DType::UInt32;
    case KILN_DTYPE_U64:
      return DType::UInt64;
  }
  return DType::Unknown;
}

TensorSignature signature_from_abi(const kiln_model_desc& desc, const kiln_tensor_desc& tensor) {
  TensorSignature signature{tensor.name, dtype_from_abi(tensor.dtype), {}};
  for (int32_t d = 0; d < tensor.rank; ++d)
    signature.shape.push_back(tensor.dim_symbols[d] >= 0
                                  ? Dim::symbolic(desc.symbols[tensor.dim_symbols[d]])
                                  : Dim::known(tensor.dims[d]));
  return signature;
}

// A compiled NAME.so opened through the thin runtime. A GPU library (`host_` set) runs in a
// kiln-device-host child; this process only reads its descriptor.
class LibraryRunner : public ModelRunner {
 public:
  LibraryRunner(std::string path, kiln_model* model, std::unique_ptr<DeviceHostProcess> host)
      : path_(std::move(path)), model_(model), host_(std::move(host)) {
    const kiln_model_desc& desc = *kiln_model_describe(model_);
    for (int32_t i = 0; i < desc.num_inputs; ++i)
      inputs_.push_back(signature_from_abi(desc, desc.inputs[i]));
    for (int32_t i = 0; i < desc.num_outputs; ++i)
      outputs_.push_back(signature_from_abi(desc, desc.outputs[i]));
  }
  ~LibraryRunner() override { kiln_model_close(model_); }

  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs,
                                  std::vector<double>* kernel_ms) override {
    auto bound = bind_symbols(inputs_, inputs);
    if (!bound) return bound.error();
    const kiln_model_desc& desc = *kiln_model_describe(model_);
    std::vector<int64_t> symbol_values(std::max(desc.num_symbols, 1), 1);
    for (int32_t s = 0; s < desc.num_symbols; ++s)
      for (const auto& [name, size] : *bound)
        if (name == desc.symbols[s]) symbol_values[s] = size;
    std::vector<const void*> input_pointers;
    for (const Tensor& tensor : inputs) input_pointers.push_back(tensor.data.data());
    std::vector<std::vector<uint8_t>> output_bytes;
    std::vector<Tensor> outputs;
    std::vector<void*> output_pointers;
    for (int32_t i = 0; i < desc.num_outputs; ++i) {
      Tensor tensor{outputs_[i].dtype, {}, {}};
      for (int32_t d = 0; d < desc.outputs[i].rank; ++d) {
        int32_t symbol = desc.outputs[i].dim_symbols[d];
        tensor.dims.push_back(symbol >= 0 ? symbol_values[symbol] : desc.outputs[i].dims[d]);
      }
      output_bytes.emplace_back(tensor.element_count() * dtype_size(tensor.dtype));
      output_pointers.push_back(output_bytes.back().data());
      outputs.push_back(std::move(tensor));
    }
    if (kernel_ms) kernel_ms->assign(size_t(desc.num_kernels), 0.0);
    if (host_) {
      std::vector<std::pair<const void*, size_t>> input_bytes;
      for (const Tensor& tensor : inputs)
        input_bytes.emplace_back(tensor.data.data(), tensor.data.size());
      std::vector<std::pair<void*, size_t>> output_spans;
      for (std::vector<uint8_t>& bytes : output_bytes)
        output_spans.emplace_back(bytes.data(), bytes.size());
      auto run_ms = host_->run(symbol_values, input_bytes, output_spans,
                               kernel_ms ? kernel_ms->data() : nullptr, desc.num_kernels);
      if (!run_ms) return run_ms.error();
      last_run_ms_ = *run_ms;
    } else {
      int status =
          kernel_ms ? kiln_model_run_profiled(model_, input_pointers.data(), output_pointers.data(),
                                              symbol_values.data(), kernel_ms->data())
                    : kiln_model_run(model_, input_pointers.data(), output_pointers.data(),
                                     symbol_values.data());
      if (status != KILN_OK) return Error{path_, "", kiln_runtime_last_error()};
    }
    for (size_t i = 0; i < outputs.size(); ++i)
      outputs[i].data = TensorData::from_vector(std::move(output_bytes[i]));
    return outputs;
  }

  int64_t macs_per_unit_run() const override {
    return kiln_model_describe(model_)->macs_per_unit_run;
  }
  std::string description() const override {
    return "library " + path_ + (host_ ? " (in kiln-device-host)" : "");
  }
  std::optional<double> last_run_ms() const override {
    return host_ ? std::optional<double>(last_run_ms_) : std::nullopt;
  }
  std::vector<KernelSummary> kernels() const override {
    std::vector<KernelSummary> kernels;
    for (int32_t k = 0; k < kiln_model_num_kernels(model_); ++k) {
      const kiln_kernel_desc* d = kiln_model_kernel(model_, k);
      kernels.push_back({d->name, d->template_name, d->schedule, d->task, d->macs_per_unit_run});
    }
    return kernels;
  }

 private:
  std::string path_;
  kiln_model* model_;
  std::unique_ptr<DeviceHostProcess> host_;
  double last_run_ms_ = 0;
};

// A model file, compiled in-process (Halide JIT) or interpreted (reference backend).
class GraphRunner : public ModelRunner {
 public:
  GraphRunner(std::string path, std::string backend, std::unique_ptr<Graph> graph)
      : path_(std::move(path)), backend_(std::move(backend)), graph_(std::move(graph)) {
    for (const Value* v : graph_->inputs)
      inputs_.push_back({v->name, v->type.dtype, v->type.shape.value_or(Shape{})});
    for (const Value* v : graph_->outputs)
      outputs_.push_back({v->name, v->type.dtype, v->type.shape.value_or(Shape{})});
    macs_ = analyze_costs(*graph_).total_macs;
  }

  Status prepare() {
    if (backend_ != "halide") return Status::ok();
    auto program = HalideJitProgram::compile(*graph_);
    if (!program) return Error{path_, program.error().node, program.error().message};
    jit_ = std::make_unique<HalideJitProgram>(std::move(*program));
    return Status::ok();
  }

  Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs,
                                  std::vector<double>* kernel_ms) override {
    auto bound = bind_symbols(inputs_, inputs);
    if (!bound) return bound.error();
    auto outputs = jit_ ? jit_->run(inputs, kernel_ms) : run_reference(*graph_, inputs);
    if (!outputs) return Error{path_, outputs.error().node, outputs.error().message};
    return outputs;
  }

  int64_t macs_per_unit_run() const override { return macs_; }
  std::vector<KernelSummary> kernels() const override {
    std::vector<KernelSummary> kernels;
    if (!jit_) return kernels;
    for (const KernelPlan& plan : jit_->program().partition.kernels)
      kernels.push_back({plan.name, plan.schedule.template_name(), plan.schedule.to_string(),
                         plan.task, plan.macs});
    return kernels;
  }
  std::string description() const override {
    return (backend_ == "halide" ? "Halide JIT of " : "reference interpreter of ") + path_;
  }

 private:
  std::string path_, backend_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<HalideJitProgram> jit_;
  int64_t macs_ = 0;
};

bool is_shared_library(const std::string& path) {
  return std::filesystem::path(path).extension() == ".so";
}

}  // namespace

Result<std::vector<std::pair<std::string, int64_t>>> bind_symbols(
    const std::vector<TensorSignature>& signatures, const std::vector<Tensor>& tensors) {
  if (signatures.size() != tensors.size())
    return make_error("the model takes " + std::to_string(signatures.size()) + " inputs, " +
                      std::to_string(tensors.size()) + " given");
  std::vector<std::pair<std::string, int64_t>> bound;
  for (size_t i = 0; i < signatures.size(); ++i) {
    const TensorSignature& signature = signatures[i];
    const Tensor& tensor = tensors[i];
    auto mismatch = [&](const std::string& why) {
      return make_error("input '" + signature.name + "': expected " +
                        describe(signature.dtype, signature.shape) + ", got " + describe(tensor) +
                        " (" + why + ")");
    };
    if (tensor.dtype != signature.dtype) return mismatch("dtype differs");
    if (tensor.dims.size() != signature.shape.size()) return mismatch("rank differs");
    for (size_t d = 0; d < tensor.dims.size(); ++d) {
      const Dim& dim = signature.shape[d];
      if (dim.is_static() && dim.value != tensor.dims[d])
        return mismatch("dimension " + std::to_string(d) + " differs");
      if (!dim.is_symbolic()) continue;
      if (tensor.dims[d] < 1) return mismatch("'" + dim.symbol + "' must be at least 1");
      auto it = std::find_if(bound.begin(), bound.end(),
                             [&](const auto& entry) { return entry.first == dim.symbol; });
      if (it == bound.end())
        bound.emplace_back(dim.symbol, tensor.dims[d]);
      else if (it->second != tensor.dims[d])
        return mismatch("'" + dim.symbol + "' is " + std::to_string(it->second) +
                        " in an earlier input");
    }
  }
  return bound;
}

Result<std::unique_ptr<ModelRunner>> open_model_runner(const std::string& path,
                                                       const std::string& backend, int threads,
                                                       const std::string& keras_weights) {
  if (threads > 0) setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
  if (is_shared_library(path)) {
    kiln_model* model = kiln_model_open(path.c_str());
    if (!model) return Error{"", "", kiln_runtime_last_error()};
    std::unique_ptr<DeviceHostProcess> host;
    if (const char* api = kiln_model_device_api(model); api && *api) {
      auto started = DeviceHostProcess::start(path, threads);
      if (!started) {
        kiln_model_close(model);
        return started.error();
      }
      host = std::move(*started);
    } else if (threads > 0) {
      kiln_model_set_num_threads(model, threads);
    }
    return std::unique_ptr<ModelRunner>(new LibraryRunner(path, model, std::move(host)));
  }
  if (backend != "halide" && backend != "reference")
    return make_error("unknown backend '" + backend + "' (use halide or reference)");
  auto graph = load_model(path, keras_weights);
  if (!graph) return graph.error();
  auto runner =
      std::make_unique<GraphRunner>(path, backend, std::make_unique<Graph>(std::move(*graph)));
  KILN_RETURN_IF_ERROR(runner->prepare());
  return std::unique_ptr<ModelRunner>(std::move(runner));
}

}  // namespace kiln::cli
