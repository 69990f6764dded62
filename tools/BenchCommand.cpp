// BenchCommand.cpp: `kiln bench MODEL_OR_LIB`, which runs a model repeatedly on random inputs and
// reports latency (median, min, max) and achieved GFLOP/s, as text or JSON; with --profile, the
// time of each kernel.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "backends/halide/FmaPeak.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/ModelRunner.h"
#include "tools/OptionRanges.h"

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
  bool profile = false;
};

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Per kernel: the median over runs of its time, with GFLOP/s and % of the machine's peak.
int report_profile(const ModelRunner& runner, const BenchOptions& options, double total_ms,
                   const std::vector<std::vector<double>>& kernel_times) {
  const std::vector<KernelSummary> kernels = runner.kernels();
  const int threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const double peak = measure_fma_peak_gflops() * threads;
  nlohmann::json list = nlohmann::json::array();
  double sum = 0;
  std::vector<double> medians;
  for (size_t k = 0; k < kernels.size(); ++k) {
    std::vector<double> times;
    for (const std::vector<double>& run : kernel_times) times.push_back(run[k]);
    medians.push_back(median_of(times));
    sum += medians.back();
  }
  if (options.format != "json")
    std::printf("%-40s %-28s %9s %6s %9s %7s\n", "Kernel", "Template", "ms", "share", "GFLOP/s",
                "% peak");
  for (size_t k = 0; k < kernels.size(); ++k) {
    const double flops = 2.0 * double(kernels[k].macs_per_unit_run) * double(options.batch);
    const double gflops = medians[k] > 0 ? flops / (medians[k] * 1e6) : 0;
    const double share = total_ms > 0 ? medians[k] / total_ms : 0;
    list.push_back({{"name", kernels[k].name},
                    {"template", kernels[k].template_name},
                    {"schedule", kernels[k].schedule},
                    {"task", kernels[k].task},
                    {"median_ms", medians[k]},
                    {"share", share},
                    {"gflops", gflops},
                    {"percent_of_peak", peak > 0 ? 100.0 * gflops / peak : 0.0}});
    if (options.format != "json")
      std::printf("%-40s %-28s %9.3f %5.1f%% %9.2f %6.1f%%\n",
                  kernels[k].name.substr(0, 40).c_str(),
                  kernels[k].template_name.substr(0, 28).c_str(), medians[k], 100.0 * share, gflops,
                  peak > 0 ? 100.0 * gflops / peak : 0.0);
  }
  if (options.format == "json") {
    nlohmann::json report = {
        {"total_ms", total_ms},   {"kernels_ms", sum},          {"peak_gflops", peak},
        {"batch", options.batch}, {"threads", options.threads}, {"runs", options.runs},
        {"kernels", list}};
    std::cout << report.dump(2) << "\n";
  } else {
    std::printf(
        "%-40s %-28s %9.3f  (kernels add up to %.3f ms; peak %.1f GFLOP/s on %d thread%s)\n",
        "Total", "", total_ms, sum, peak, threads, threads == 1 ? "" : "s");
  }
  return kExitOk;
}

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
    int64_t bytes = static_cast<int64_t>(sizeof(float));
    bool overflow = false;
    for (const Dim& dim : input.shape) {
      dims.push_back(dim.is_static() ? dim.value : batch);
      overflow |= __builtin_mul_overflow(bytes, dims.back(), &bytes);
    }
    // Refused before allocating: a batch past the machine's memory would end in bad_alloc or
    // in the kernel's out-of-memory killer.
    const int64_t memory = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    if (overflow || bytes > memory)
      return make_error(
          "bench: input '" + input.name + "' at --batch " + std::to_string(batch) + " needs " +
          (overflow ? std::string("more than 2^63") : std::to_string(bytes)) +
          " bytes, more than this machine's " + std::to_string(memory) + " bytes of memory");
    std::vector<float> values(
        static_cast<size_t>(Tensor{DType::Float32, dims, {}}.element_count()));
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
  if (!inputs) {
    Error error = inputs.error();
    error.file = options.model_path;
    return report_error(error);
  }
  for (int i = 0; i < options.warmup; ++i) {
    auto result = (*runner)->run(*inputs);
    if (!result) return report_error(result.error());
  }
  if (options.profile && (*runner)->kernels().empty())
    return report_error(make_error("--profile needs a compiled library or the halide backend"));
  std::vector<double> times_ms;
  std::vector<std::vector<double>> kernel_times;
  for (int i = 0; i < options.runs; ++i) {
    std::vector<double> kernel_ms;
    auto start = std::chrono::steady_clock::now();
    auto result = (*runner)->run(*inputs, options.profile ? &kernel_ms : nullptr);
    auto end = std::chrono::steady_clock::now();
    if (!result) return report_error(result.error());
    times_ms.push_back((*runner)->last_run_ms().value_or(
        std::chrono::duration<double, std::milli>(end - start).count()));
    if (options.profile) kernel_times.push_back(std::move(kernel_ms));
  }
  if (options.profile) return report_profile(**runner, options, median_of(times_ms), kernel_times);
  std::sort(times_ms.begin(), times_ms.end());
  double median = times_ms.size() % 2
                      ? times_ms[times_ms.size() / 2]
                      : (times_ms[times_ms.size() / 2 - 1] + times_ms[times_ms.size() / 2]) / 2;
  double flops = 2.0 * static_cast<double>((*runner)->macs_per_unit_run()) *
                 static_cast<double>(options.batch);
  double gflops = flops / (median * 1e6);
  if (options.format == "json") {
    nlohmann::json report = {{"median_ms", median},       {"min_ms", times_ms.front()},
                             {"max_ms", times_ms.back()}, {"gflops", gflops},
                             {"batch", options.batch},    {"threads", options.threads},
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
      ->check(integer_range(0, kMaxThreads));
  bench->add_option("--batch", options->batch, "Size of every symbolic dimension (default 1)")
      ->check(integer_range(1, kMaxBatch));
  bench->add_option("--runs", options->runs, "Timed runs (default 20)")
      ->check(integer_range(1, kMaxRuns));
  bench->add_option("--warmup", options->warmup, "Untimed runs first (default 3)")
      ->check(integer_range(0, kMaxRuns));
  bench->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  bench->add_option("--backend", options->backend, "For model files: halide or reference")
      ->check(CLI::IsMember({"halide", "reference"}));
  bench->add_flag("--profile", options->profile,
                  "Time each kernel: name, template, ms, share, GFLOP/s, % of peak");
  add_keras_weights_option(*bench, options->keras_weights);
  return [options] { return run_bench(*options); };
}

}  // namespace kiln::cli
