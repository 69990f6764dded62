// ModelHeaderWriter.cpp: text generation for NAME.h.
#include "backends/halide/ModelHeaderWriter.h"

#include <sstream>

namespace kiln {
namespace {

// The ABI header's text, embedded at build time (see CMakeLists.txt).
constexpr const char* kModelAbiHeader =
#include "KilnModelAbiText.inc"
    ;

std::string describe_shape(const ModelInterface& model, const InterfaceTensor& tensor) {
  std::string out = "[";
  for (size_t d = 0; d < tensor.dims.size(); ++d) {
    if (d) out += ", ";
    out += tensor.dim_symbols[d] >= 0 ? comment_safe(model.symbols[tensor.dim_symbols[d]])
                                      : std::to_string(tensor.dims[d]);
  }
  return out + "]";
}

}  // namespace

std::string write_model_header(const ModelInterface& model, const std::string& source_model) {
  const std::string& n = model.name;
  std::ostringstream out;
  out << "/* " << n << ".h: the C API of the model compiled by Kiln from " << source_model
      << ".\n *\n"
      << " * Every tensor is a dense, row-major (C-order) buffer owned by the caller; image "
         "tensors\n"
      << " * keep the model's layout (NCHW for ONNX models).\n *\n * Inputs:\n";
  for (const auto& t : model.inputs)
    out << " *   " << t.c_name << " (" << comment_safe(c_string_literal(t.name))
        << "): " << c_type_name(t.dtype) << " " << describe_shape(model, t) << "\n";
  out << " * Outputs:\n";
  for (const auto& t : model.outputs)
    out << " *   " << t.c_name << " (" << comment_safe(c_string_literal(t.name))
        << "): " << c_type_name(t.dtype) << " " << describe_shape(model, t) << "\n";
  if (!model.symbols.empty()) {
    out << " * Symbolic dimensions (set them in " << n << "_inputs; each must be >= 1):\n";
    for (size_t i = 0; i < model.symbols.size(); ++i)
      out << " *   " << model.symbol_c_names[i] << " ("
          << comment_safe(c_string_literal(model.symbols[i])) << ")\n";
  }
  out << " *\n * " << n << "_run returns 0 on success or a kiln_status code; " << n
      << "_last_error() then\n * describes the failure. Calls from several threads at once are "
         "safe.\n */\n";
  out << "#ifndef KILN_MODEL_" << n << "_H\n#define KILN_MODEL_" << n << "_H\n\n";
  out << "#include <stddef.h>\n#include <stdint.h>\n\n" << kModelAbiHeader << "\n";
  out << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  out << "/** Inputs of " << n << "_run: symbolic dimension sizes, then one buffer per input. */\n"
      << "typedef struct " << n << "_inputs {\n";
  for (const auto& s : model.symbol_c_names) out << "  int64_t " << s << ";\n";
  for (const auto& t : model.inputs)
    out << "  const " << c_type_name(t.dtype) << "* " << t.c_name << "; /* "
        << describe_shape(model, t) << " */\n";
  if (model.symbols.empty() && model.inputs.empty()) out << "  int unused;\n";
  out << "} " << n << "_inputs;\n\n";
  out << "/** Outputs of " << n << "_run: one caller-allocated buffer per output. */\n"
      << "typedef struct " << n << "_outputs {\n";
  for (const auto& t : model.outputs)
    out << "  " << c_type_name(t.dtype) << "* " << t.c_name << "; /* " << describe_shape(model, t)
        << " */\n";
  out << "} " << n << "_outputs;\n\n";
  out << "/** Runs the model. Returns 0 or a kiln_status code. Thread-safe."
      << (model.symbols.empty() && model.inputs.empty() ? " `inputs` may be NULL." : "") << " */\n"
      << "int " << n << "_run(const " << n << "_inputs* inputs, " << n << "_outputs* outputs);\n"
      << "/** The message of the last failed call on this thread (\"\" if none). */\n"
      << "const char* " << n << "_last_error(void);\n"
      << "/** Sets the number of worker threads (0 = one per core). Call it between runs: a\n"
      << " *  lower count restarts the thread pool, so no other thread may be running then. */\n"
      << "void " << n << "_set_num_threads(int32_t count);\n"
      << "/** Names, dtypes and shapes of the inputs and outputs, for generic tools. */\n"
      << "const kiln_model_desc* " << n << "_describe(void);\n";
  out << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return out.str();
}

}  // namespace kiln
