// BenchCommand.cpp: `kiln bench MODEL_OR_LIB`, which runs a model repeatedly on random inputs and
// reports latency (median, min, max) and achieved GFLOP/s, as text or JSON.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/ModelRunner.h"

namespace kiln::cli {
namespace {

struct BenchOptions {
  std::string model_path;
  int threads = 0;
  int64_t batch = 1;
  int runs = 20;
  int warmup = 3;
  std::string format = "text";
  std::string backend = "halide";
  std::string keras_weights;
};

// Random inputs: every symbolic dim takes the --batch value.
Result<std::vector<Tensor>> make_inputs(const ModelRunner& runner, int64_t batch) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<Tensor> tensors;
  for (const TensorSignature& input : runner.inputs()) {
    if (input.dtype != DType::Float32)
      return make_error("bench: input '" + input.name + "' is " + dtype_name(input.dtype) +
                        "; only f32 inputs can be filled with random data");
    std::vector<int64_t> dims;
    for (const Dim& dim : input.shape) dims.push_back(dim.is_static() ? dim.value : batch);
    std::vector<float> values(static_cast<size_t>(Tensor{DType::Float32, dims, {}}.element_count()));
    for (float& v : values) v = uniform(rng);
    tensors.push_back(make_float_tensor(dims, values));
  }
  return tensors;
}

int run_bench(const BenchOptions& options) {
  auto runner = open_model_runner(options.model_path, options.backend, options.threads,
                                  options.keras_weights);
  if (!runner) return report_error(runner.error());
  auto inputs = make_inputs(**runner, options.batch);
  if (!inputs) return report_error(inputs.error());
  for (int i = 0; i < options.warmup; ++i) {
    auto result = (*runner)->run(*inputs);
    if (!result) return report_error(result.error());
  }
  std::vector<double> times_ms;
  for (int i = 0; i < options.runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto result = (*runner)->run(*inputs);
    auto end = std::chrono::steady_clock::now();
    if (!result) return report_error(result.error());
    times_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(times_ms.begin(), times_ms.end());
  double median = times_ms.size() % 2 ? times_ms[times_ms.size() / 2]
                                      : (times_ms[times_ms.size() / 2 - 1] +
                                         times_ms[times_ms.size() / 2]) / 2;
  double flops = 2.0 * static_cast<double>((*runner)->macs_per_unit_run()) *
                 static_cast<double>(options.batch);
  double gflops = flops / (median * 1e6);
  if (options.format == "json") {
    nlohmann::json report = {{"median_ms", median},
                             {"min_ms", times_ms.front()},
                             {"max_ms", times_ms.back()},
                             {"gflops", gflops},
                             {"batch", options.batch},
                             {"threads", options.threads},
                             {"runs", options.runs}};
    std::cout << report.dump(2) << "\n";
  } else {
    std::printf("%s\n  batch %lld, threads %s, %d runs after %d warm-up\n",
                (*runner)->description().c_str(), static_cast<long long>(options.batch),
                options.threads > 0 ? std::to_string(options.threads).c_str() : "default",
                options.runs, options.warmup);
    std::printf("  latency median %.3f ms, min %.3f ms, max %.3f ms\n  %.2f GFLOP/s\n", median,
                times_ms.front(), times_ms.back(), gflops);
  }
  return kExitOk;
}

}  // namespace

CommandAction register_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* bench =
      app.add_subcommand("bench", "Time a compiled library (.so) or a model file on random inputs");
  bench->add_option("model", options->model_path, "Compiled NAME.so, or a model file")->required();
  bench->add_option("--threads", options->threads, "Worker threads (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  bench->add_option("--batch", options->batch, "Size of every symbolic dimension (default 1)")
      ->check(CLI::PositiveNumber);
  bench->add_option("--runs", options->runs, "Timed runs (default 20)")->check(CLI::PositiveNumber);
  bench->add_option("--warmup", options->warmup, "Untimed runs first (default 3)")
      ->check(CLI::NonNegativeNumber);
  bench->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  bench->add_option("--backend", options->backend, "For model files: halide or reference")
      ->check(CLI::IsMember({"halide", "reference"}));
  add_keras_weights_option(*bench, options->keras_weights);
  return [options] { return run_bench(*options); };
}

}  // namespace kiln::cli
