// OnnxNodeOpenclTest.cpp: the ONNX backend node tests compiled ahead of time for
// `--target host-opencl` and run for real on the machine's OpenCL driver (PoCL, a CPU driver, in
// CI), through the shared conformance runner (OnnxNodeRunner.h). Each test's graph becomes a
// library (emit_native_library, the path `kiln compile` takes); the library runs in a
// kiln-device-host child, since PoCL's LLVM cannot share this process with Halide's. CTest runs
// the summary test, which runs them all (one library each) in one process.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "backends/halide/LibraryEmitter.h"
#include "backends/reference/ReferenceEvaluator.h"
#include "kiln_runtime.h"
#include "passes/PassManager.h"
#include "passes/Pipeline.h"
#include "tests/conformance/OnnxNodeRunner.h"
#include "tools/device_host/DeviceHostProcess.h"

namespace kiln::testing {
namespace {

namespace fs = std::filesystem;

// A folder for this process's libraries and kernel cache, removed at exit.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    fs::path path = fs::temp_directory_path() / ("kiln_opencl_node_" + std::to_string(::getpid()));
    fs::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fs::temp_directory_path() / ("kiln_opencl_node_" + std::to_string(::getpid())),
                     ignored);
    });
    return path;
  }();
  return dir;
}

// Closes a model handle when it goes out of scope.
struct ModelCloser {
  void operator()(kiln_model* model) const { kiln_model_close(model); }
};

// Compiles `graph` for host-opencl as `kiln compile` does (the default passes, then the
// library) and runs it once in kiln-device-host. The node tests have static shapes, so each
// output's dtype and dims come from the graph.
Result<std::vector<Tensor>> run_opencl(Graph& graph, const std::vector<Tensor>& inputs) {
  static const ReferenceEvaluator evaluator;
  PassContext context;
  context.evaluator = &evaluator;
  KILN_RETURN_IF_ERROR(run_passes(graph, default_pipeline(), context));
  static std::atomic<int> counter{0};
  const fs::path dir = work_dir() / ("case" + std::to_string(counter++));
  LibraryOptions options;
  options.name = "node";
  options.output_dir = dir.string();
  options.target = "host-opencl";
  options.cache_dir = (work_dir() / "cache").string();  // the OpenCL runtime is built once
  options.jobs = 1;
  Result<LibraryArtifacts> artifacts = emit_native_library(graph, options);
  if (!artifacts) return artifacts.error();

  // This process reads only the descriptor; the driver is loaded by the child.
  std::unique_ptr<kiln_model, ModelCloser> model(
      kiln_model_open(artifacts->shared_library.c_str()));
  if (!model) return make_error(kiln_runtime_last_error());
  const kiln_model_desc& desc = *kiln_model_describe(model.get());
  if (desc.num_inputs != static_cast<int32_t>(inputs.size()) ||
      desc.num_outputs != static_cast<int32_t>(graph.outputs.size()))
    return make_error("the library's descriptor does not match the graph's inputs and outputs");
  std::vector<std::pair<const void*, size_t>> input_bytes;
  for (const Tensor& tensor : inputs)
    input_bytes.emplace_back(tensor.data.data(), tensor.data.size());

  std::vector<Tensor> outputs;
  std::vector<std::vector<uint8_t>> output_bytes;
  for (const Value* value : graph.outputs) {
    if (!value->type.shape || !is_static(*value->type.shape))
      return make_error("output '" + value->name + "' has no static shape");
    Tensor output;
    output.dtype = value->type.dtype;
    for (const Dim& dim : *value->type.shape) output.dims.push_back(dim.value);
    output_bytes.emplace_back(static_cast<size_t>(output.element_count()) *
                              dtype_size(output.dtype));
    outputs.push_back(std::move(output));
  }
  std::vector<std::pair<void*, size_t>> output_spans;
  for (std::vector<uint8_t>& bytes : output_bytes)
    output_spans.emplace_back(bytes.data(), bytes.size());

  Result<std::unique_ptr<cli::DeviceHostProcess>> host =
      cli::DeviceHostProcess::start(artifacts->shared_library, 0);
  if (!host) return host.error();
  const std::vector<int64_t> symbols(static_cast<size_t>(std::max(desc.num_symbols, 1)), 1);
  Result<double> run_ms = (*host)->run(symbols, input_bytes, output_spans, nullptr, 0);
  if (!run_ms) return run_ms.error();

  for (size_t i = 0; i < outputs.size(); ++i)
    outputs[i].data = TensorData::from_vector(std::move(output_bytes[i]));
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return outputs;
}

// Whether the OpenCL device computes in half precision (cl_khr_fp16; PoCL's CPU device does not).
bool device_has_fp16() {
  static const bool has = [] {
    FILE* pipe = ::popen("clinfo 2>/dev/null", "r");
    if (!pipe) return false;
    std::string text;
    char chunk[4096];
    while (size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) text.append(chunk, n);
    ::pclose(pipe);
    return text.find("cl_khr_fp16") != std::string::npos;
  }();
  return has;
}

// A graph with f16 tensors needs cl_khr_fp16 (Halide's OpenCL code declares `half` values).
std::string opencl_device_limit(const Graph& graph) {
  if (device_has_fp16()) return "";
  for (const auto& value : graph.values())
    if (value->type.dtype == DType::Float16)
      return "f16 tensors need cl_khr_fp16, which this OpenCL device lacks";
  return "";
}

const ConformanceBackend& opencl_backend() {
  static const ConformanceBackend backend{
      "opencl",
      run_opencl,
      // A compiled library refuses tensors with a zero dim (`kiln compile` refuses such inputs
      // at load, ir/ModelLimits.h); the JIT backends run them.
      {{"test_reshape_allowzero_reordered", "a zero-dim input, refused by compiled libraries"},
       {"test_slice_start_out_of_bounds", "a zero-dim output, refused by compiled libraries"},
       {"test_tril_zero", "a zero-dim input, refused by compiled libraries"},
       {"test_triu_zero", "a zero-dim input, refused by compiled libraries"},
       {"test_constantofshape_int_shape_zero", "a zero-dim output, refused by compiled libraries"},
       {"test_split_zero_size_splits", "a zero-dim output, refused by compiled libraries"}},
      // As for the Halide JIT: a static compiler needs these operands at compile time.
      {{"Reshape", {1}}, {"Slice", {1, 2, 3, 4}}},
      opencl_device_limit};
  return backend;
}

bool opencl_driver_installed() {
  std::error_code error;
  return fs::is_directory("/etc/OpenCL/vendors", error) &&
         !fs::is_empty("/etc/OpenCL/vendors", error);
}

// One node test (for a developer: --gtest_filter='*test_round*'; CTest runs only the summary).
class OnnxNodeOpenclTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeOpenclTest, MatchesExpectedOutputs) {
  if (!opencl_driver_installed()) GTEST_SKIP() << "no OpenCL driver (ICD) installed";
  CaseOutcome outcome = run_node_test(GetParam(), opencl_backend());
  if (outcome.verdict == Verdict::Skip) GTEST_SKIP() << outcome.message;
  EXPECT_EQ(outcome.verdict, Verdict::Pass) << outcome.message;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, OnnxNodeOpenclTest, ::testing::ValuesIn(node_test_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// The node tests the summary runs: every one with KILN_OPENCL_NODE_TESTS=all, every Nth (sorted
// by name) with KILN_OPENCL_NODE_TESTS=N, and every 4th by default.
std::vector<std::string> sampled_node_tests() {
  const char* setting = std::getenv("KILN_OPENCL_NODE_TESTS");
  const std::string value = setting ? setting : "";
  size_t stride = 4;
  if (value == "all") {
    stride = 1;
  } else if (!value.empty()) {
    char* end = nullptr;
    const long parsed = std::strtol(value.c_str(), &end, 10);
    if (*end != '\0' || parsed < 1) {
      ADD_FAILURE() << "KILN_OPENCL_NODE_TESTS must be 'all' or a positive stride, not '" << value
                    << "'";
      return {};
    }
    stride = static_cast<size_t>(parsed);
  }
  std::vector<std::string> names = node_test_names(), sample;
  for (size_t i = 0; i < names.size(); i += stride) sample.push_back(names[i]);
  std::cout << "running " << sample.size() << " of " << names.size()
            << " node tests on OpenCL (every " << stride
            << (stride == 1 ? "" : "; KILN_OPENCL_NODE_TESTS=all runs all") << ")\n";
  return sample;
}

// The node tests of supported ops (a fixed sample in CI, all on request), compiled for OpenCL and
// run on the OpenCL driver, match ONNX's expected outputs with ONNX's tolerances. Skips (with the
// reason) where no OpenCL driver is installed; scripts/install-deps.sh installs PoCL, so CI
// always runs it.
TEST(OnnxNodeOpenclSummary, AllNodeTests) {
  if (!opencl_driver_installed())
    GTEST_SKIP() << "no OpenCL driver (ICD) installed under /etc/OpenCL/vendors";
  ConformanceTotals totals = run_node_tests(sampled_node_tests(), opencl_backend());
  print_summary(std::cout, opencl_backend(), totals);
  EXPECT_EQ(totals.failed, 0);
  EXPECT_GT(totals.passed, 0);
}

}  // namespace
}  // namespace kiln::testing
