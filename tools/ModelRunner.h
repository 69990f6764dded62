// ModelRunner.h: one interface over the three ways the CLI can execute a model: a compiled
// library opened with the thin runtime, a model file JIT-compiled by the Halide backend, or a
// model file interpreted by the reference backend.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::cli {

/// The declared type of one model input or output; symbolic dims carry their symbol name.
struct TensorSignature {
  std::string name;
  DType dtype = DType::Unknown;
  Shape shape;
};

/// One kernel of a runnable model (a fusion group or an unfused node), run order.
struct KernelSummary {
  std::string name, template_name, schedule, task;
  int64_t macs_per_unit_run = 0;
};

/// Something the CLI can run.
class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  const std::vector<TensorSignature>& inputs() const { return inputs_; }
  const std::vector<TensorSignature>& outputs() const { return outputs_; }
  /// Runs on one tensor per input (signature order); checks shapes and binds symbolic dims.
  /// With `kernel_ms` (only for runners with kernels()), also each kernel's time in ms.
  virtual Result<std::vector<Tensor>> run(const std::vector<Tensor>& inputs,
                                          std::vector<double>* kernel_ms = nullptr) = 0;
  /// The kernels the model runs (empty for the reference interpreter).
  virtual std::vector<KernelSummary> kernels() const { return {}; }
  /// Multiply-accumulates of one run with every symbolic dim = 1 (for GFLOP/s).
  virtual int64_t macs_per_unit_run() const = 0;
  /// For a runner that runs the model in another process (a GPU library in kiln-device-host),
  /// the milliseconds the last run() took there, without the transfer to and from it.
  virtual std::optional<double> last_run_ms() const { return std::nullopt; }
  /// A short description ("library digits.so", "Halide JIT of model.onnx").
  virtual std::string description() const = 0;

 protected:
  std::vector<TensorSignature> inputs_;
  std::vector<TensorSignature> outputs_;
};

/// Opens `path`: a compiled library (.so) through the runtime, or a model file (ONNX, Kiln IR,
/// Keras) compiled in-process by `backend` ("halide" = JIT, "reference" = interpreter).
/// `threads` > 0 sets the worker count before anything runs; `keras_weights` goes with a Keras
/// JSON.
Result<std::unique_ptr<ModelRunner>> open_model_runner(const std::string& path,
                                                       const std::string& backend, int threads,
                                                       const std::string& keras_weights = "");

/// Checks `tensors` against `signatures` (count, dtype, rank, static dims) and returns the size
/// bound to each symbol, in order of first appearance. Errors name the input and both shapes.
Result<std::vector<std::pair<std::string, int64_t>>> bind_symbols(
    const std::vector<TensorSignature>& signatures, const std::vector<Tensor>& tensors);

}  // namespace kiln::cli
