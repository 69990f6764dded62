// RunCommand.cpp: `kiln run MODEL_OR_LIB [--input NAME=FILE.npy ...] --output-dir DIR`, which runs
// a compiled library or a model file and writes one DIR/<output name>.npy per model output.
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/ModelRunner.h"
#include "tools/NpyFile.h"
#include "tools/OptionRanges.h"

namespace kiln::cli {
namespace {

struct RunOptions {
  std::string model_path;
  std::vector<std::string> inputs;  // NAME=FILE.npy, or FILE.npy for a one-input model
  std::string output_dir;
  std::string backend = "halide";
  std::string keras_weights;
  int threads = 0;
};

// An output name as a file name: path separators and other odd characters become '_'.
std::string output_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  if (out.empty() || out == "." || out == "..") out = "output";
  return out + ".npy";
}

Result<std::vector<Tensor>> read_inputs(const RunOptions& options, const ModelRunner& runner) {
  std::map<std::string, std::string> files;
  for (const std::string& spec : options.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      if (runner.inputs().size() != 1)
        return make_error("--input '" + spec + "' needs the form NAME=FILE.npy: the model has " +
                          std::to_string(runner.inputs().size()) + " inputs");
      files[runner.inputs()[0].name] = spec;
    } else {
      files[spec.substr(0, eq)] = spec.substr(eq + 1);
    }
  }
  for (const auto& [name, file] : files) {
    bool known = false;
    for (const TensorSignature& input : runner.inputs()) known = known || input.name == name;
    if (!known) return make_error("the model has no input named '" + name + "'");
  }
  std::vector<Tensor> tensors;
  for (const TensorSignature& input : runner.inputs()) {
    auto it = files.find(input.name);
    if (it == files.end())
      return make_error("no --input given for model input '" + input.name + "'");
    auto tensor = read_npy_file(it->second);
    if (!tensor) return tensor.error();
    tensors.push_back(std::move(*tensor));
  }
  return tensors;
}

int run_model(const RunOptions& options) {
  auto runner = open_model_runner(options.model_path, options.backend, options.threads,
                                  options.keras_weights);
  if (!runner) return report_error(runner.error());
  auto inputs = read_inputs(options, **runner);
  if (!inputs) return report_error(inputs.error());
  auto outputs = (*runner)->run(*inputs);
  if (!outputs) return report_error(outputs.error());

  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error)
    return report_error(Error{options.output_dir, "", "cannot create: " + error.message()});
  for (size_t i = 0; i < outputs->size(); ++i) {
    std::filesystem::path path =
        std::filesystem::path(options.output_dir) / output_file_name((*runner)->outputs()[i].name);
    if (Status status = write_npy_file(path.string(), (*outputs)[i]); !status)
      return report_error(status.error());
    std::cout << (*runner)->outputs()[i].name << " -> " << path.string() << "\n";
  }
  return kExitOk;
}

}  // namespace

CommandAction register_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run =
      app.add_subcommand("run", "Run a compiled library (.so) or a model file on .npy inputs");
  run->add_option("model", options->model_path, "Compiled NAME.so, or a model file")->required();
  run->add_option("--input,-i", options->inputs,
                  "NAME=FILE.npy (repeat per input; none for a model without inputs)");
  run->add_option("--output-dir,-o", options->output_dir, "Where to write <output>.npy files")
      ->required();
  run->add_option("--backend", options->backend,
                  "For model files: halide (JIT, default) or reference (interpreter)")
      ->check(CLI::IsMember({"halide", "reference"}));
  run->add_option("--threads", options->threads, "Worker threads (default: one per core)")
      ->check(integer_range(0, kMaxThreads));
  add_keras_weights_option(*run, options->keras_weights);
  return [options] { return run_model(*options); };
}

}  // namespace kiln::cli
