// ModelWrapperWriter.cpp: text generation for NAME_wrapper.c (see the header for its job).
#include "backends/halide/ModelWrapperWriter.h"

#include <algorithm>
#include <sstream>

namespace kiln {
namespace {

constexpr const char* kBufferCacheSource =
#include "KilnBufferCacheText.inc"
    ;

struct HalideTypeCode {
  const char* code;
  int bits;
};

HalideTypeCode to_halide_type(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return {"halide_type_float", 32};
    case DType::Float64:
      return {"halide_type_float", 64};
    case DType::Float16:
      return {"halide_type_float", 16};
    case DType::Int8:
      return {"halide_type_int", 8};
    case DType::Int16:
      return {"halide_type_int", 16};
    case DType::Int32:
      return {"halide_type_int", 32};
    case DType::Int64:
      return {"halide_type_int", 64};
    case DType::UInt8:
      return {"halide_type_uint", 8};
    case DType::Bool:
      return {"halide_type_uint", 1};
    case DType::Unknown:
      break;
  }
  return {"halide_type_uint", 8};
}

std::string int_list(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + (values.empty() ? "0}" : "}");
}

std::string int_list(const std::vector<int>& values) {
  return int_list(std::vector<int64_t>(values.begin(), values.end()));
}

// Static data behind the descriptor: dims, symbol indices, tensor and model descriptors.
void write_descriptor(std::ostream& out, const ModelInterface& model, int64_t macs) {
  const std::string& n = model.name;
  auto tensor_table = [&](const char* kind, const std::vector<InterfaceTensor>& tensors) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      out << "static const int64_t " << kind << "_dims_" << i
          << "[] = " << int_list(tensors[i].dims) << ";\n";
      out << "static const int32_t " << kind << "_symbols_" << i
          << "[] = " << int_list(tensors[i].dim_symbols) << ";\n";
    }
    out << "static const kiln_tensor_desc " << kind << "_descs[] = {\n";
    for (size_t i = 0; i < tensors.size(); ++i)
      out << "  {" << c_string_literal(tensors[i].name) << ", " << abi_dtype_name(tensors[i].dtype)
          << ", " << tensors[i].dims.size() << ", " << kind << "_dims_" << i << ", " << kind
          << "_symbols_" << i << "},\n";
    if (tensors.empty()) out << "  {0}\n";
    out << "};\n";
  };
  tensor_table("input", model.inputs);
  tensor_table("output", model.outputs);
  out << "static const char* const symbol_names[] = {";
  for (const auto& s : model.symbols) out << c_string_literal(s) << ", ";
  out << (model.symbols.empty() ? "0" : "") << "};\n\n";

  out << "static int generic_run(const void* const* inputs, void* const* outputs,\n"
      << "                       const int64_t* symbol_values) {\n"
      << "  " << n << "_inputs in;\n  " << n << "_outputs out;\n"
      << "  memset(&in, 0, sizeof in);\n  memset(&out, 0, sizeof out);\n";
  if (!model.symbols.empty())
    out << "  if (!symbol_values) return fail(KILN_ERROR_INVALID_ARGUMENT, \"symbol values "
           "missing\");\n";
  for (size_t i = 0; i < model.symbols.size(); ++i)
    out << "  in." << model.symbol_c_names[i] << " = symbol_values[" << i << "];\n";
  for (size_t i = 0; i < model.inputs.size(); ++i)
    out << "  in." << model.inputs[i].c_name << " = (const " << c_type_name(model.inputs[i].dtype)
        << "*)inputs[" << i << "];\n";
  for (size_t i = 0; i < model.outputs.size(); ++i)
    out << "  out." << model.outputs[i].c_name << " = (" << c_type_name(model.outputs[i].dtype)
        << "*)outputs[" << i << "];\n";
  out << "  return " << n << "_run(&in, &out);\n}\n\n";

  out << "static const kiln_model_desc model_desc = {\n"
      << "  KILN_MODEL_ABI_VERSION, \"" << n << "\",\n"
      << "  " << model.inputs.size() << ", input_descs, " << model.outputs.size()
      << ", output_descs,\n"
      << "  " << model.symbols.size() << ", symbol_names,\n"
      << "  generic_run, " << n << "_last_error, " << n << "_set_num_threads, " << macs
      << "ll};\n\n"
      << "KILN_EXPORT const kiln_model_desc* " << n << "_describe(void) { return &model_desc; }\n"
      << "/* The generic entry the runtime looks up after dlopen. Weak, so that several models'\n"
      << " * static libraries link into one program (which then uses NAME_describe). */\n"
      << "KILN_EXPORT __attribute__((weak)) const kiln_model_desc* kiln_model_describe(void) {\n"
      << "  return &model_desc;\n}\n";
}

void write_weights_access(std::ostream& out, const ModelInterface& model, const WrapperSpec& spec) {
  const std::string& n = model.name;
  if (!spec.external_weights) {
    out << "extern const uint8_t " << weights_symbol(n) << "[];\n"
        << "static const uint8_t* weights_base(void) { return " << weights_symbol(n) << "; }\n\n";
    return;
  }
  // External weights: NAME.weights beside the library (or $KILN_WEIGHTS_DIR), mapped once.
  out << "static const uint8_t* mapped_weights;\n"
      << "static char weights_error[1024];\n"
      << "static pthread_once_t weights_once = PTHREAD_ONCE_INIT;\n"
      << "static void map_weights(void) {\n"
      << "  char path[4096];\n"
      << "  const char* dir = getenv(\"KILN_WEIGHTS_DIR\");\n"
      << "  if (dir) {\n"
      << "    snprintf(path, sizeof path, \"%s/" << n << ".weights\", dir);\n"
      << "  } else {\n"
      << "    Dl_info info;\n"
      << "    if (!dladdr((void*)&" << n << "_run, &info) || !info.dli_fname) {\n"
      << "      snprintf(weights_error, sizeof weights_error, \"cannot locate the library\");\n"
      << "      return;\n"
      << "    }\n"
      << "    snprintf(path, sizeof path, \"%s\", info.dli_fname);\n"
      << "    char* slash = strrchr(path, '/');\n"
      << "    if (slash) slash[1] = '\\0'; else path[0] = '\\0';\n"
      << "    strncat(path, \"" << n << ".weights\", sizeof path - strlen(path) - 1);\n"
      << "  }\n"
      << "  int fd = open(path, O_RDONLY | O_CLOEXEC);\n"
      << "  if (fd < 0) {\n"
      << "    snprintf(weights_error, sizeof weights_error, \"%s: cannot open weights file\", "
         "path);\n"
      << "    return;\n"
      << "  }\n"
      << "  struct stat st;\n"
      << "  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != " << spec.weights_size << "ull) {\n"
      << "    snprintf(weights_error, sizeof weights_error,\n"
      << "             \"%s: weights file has the wrong size (expected " << spec.weights_size
      << " bytes)\", path);\n"
      << "    close(fd);\n"
      << "    return;\n"
      << "  }\n"
      << "  void* data = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, "
         "0)\n"
      << "                          : (void*)weights_error;\n"
      << "  close(fd);\n"
      << "  if (data == MAP_FAILED) {\n"
      << "    snprintf(weights_error, sizeof weights_error, \"%s: mmap failed\", path);\n"
      << "    return;\n"
      << "  }\n"
      << "  mapped_weights = (const uint8_t*)data;\n"
      << "}\n"
      << "static const uint8_t* weights_base(void) {\n"
      << "  pthread_once(&weights_once, map_weights);\n"
      << "  return mapped_weights;\n"
      << "}\n\n";
}

}  // namespace

std::string weights_symbol(const std::string& model_name) {
  return model_name + "_weights_data";
}

std::string write_model_wrapper(const ModelInterface& model, const WrapperSpec& spec) {
  const std::string& n = model.name;
  std::ostringstream out;
  out << "/* " << n << "_wrapper.c: generated by Kiln. Glue between " << n
      << ".h and the Halide pipeline. */\n"
      << "#define _GNU_SOURCE\n"
      << "#include <dlfcn.h>\n#include <fcntl.h>\n#include <pthread.h>\n#include <stdio.h>\n"
      << "#include <stdlib.h>\n#include <string.h>\n#include <sys/mman.h>\n#include <sys/stat.h>\n"
      << "#include <unistd.h>\n\n"
      << "#include \"" << n << ".h\"\n#include \"" << spec.pipeline_header << "\"\n\n"
      << "#define KILN_EXPORT __attribute__((visibility(\"default\")))\n\n";
  out << kBufferCacheSource << "\n";

  out << "static _Thread_local char last_error[1024];\n"
      << "static int fail(int status, const char* message) {\n"
      << "  snprintf(last_error, sizeof last_error, \"%s\", message);\n  return status;\n}\n"
      << "KILN_EXPORT const char* " << n
      << "_last_error(void) { return last_error; }\n"
      // Halide 14's pool keeps workers it has started busy after the count is lowered, so a
      // lower count restarts the pool (the next run starts only the workers it needs).
      << "static int threads_asked; /* last count set; 0 = Halide's default, all cores */\n"
      << "KILN_EXPORT void " << n << "_set_num_threads(int32_t count) {\n"
      << "  const int asked = count < 0 ? 0 : count;\n"
      << "  const int before = threads_asked ? threads_asked : "
         "(int)sysconf(_SC_NPROCESSORS_ONLN);\n"
      << "  const int after = asked ? asked : (int)sysconf(_SC_NPROCESSORS_ONLN);\n"
      << "  if (after < before) halide_shutdown_thread_pool();\n"
      << "  halide_set_num_threads(asked);\n"
      << "  threads_asked = asked;\n}\n\n";

  // Halide reports errors through one process-wide handler; the user context routes each message
  // to the call (and so the thread) that caused it.
  out << "struct call_context { char message[1024]; };\n"
      << "static void route_error(void* user_context, const char* message) {\n"
      << "  if (user_context)\n"
      << "    snprintf(((struct call_context*)user_context)->message, 1024, \"%s\", message);\n"
      << "}\n"
      << "static pthread_once_t handler_once = PTHREAD_ONCE_INIT;\n"
      << "static void install_error_handler(void) { halide_set_error_handler(route_error); }\n\n";

  out << "/* Describes a dense row-major buffer to Halide (whose dimension 0 is the innermost). "
         "*/\n"
      << "static int wrap(halide_buffer_t* buffer, halide_dimension_t* dims, const void* host,\n"
      << "                halide_type_code_t code, int bits, int rank, const int64_t* sizes) {\n"
      << "  memset(buffer, 0, sizeof *buffer);\n"
      << "  buffer->host = (uint8_t*)host;\n"
      << "  buffer->type.code = code;\n  buffer->type.bits = (uint8_t)bits;\n"
      << "  buffer->type.lanes = 1;\n  buffer->dimensions = rank;\n  buffer->dim = dims;\n"
      << "  int64_t stride = 1;\n"
      << "  for (int i = 0; i < rank; ++i) {\n"
      << "    int64_t extent = sizes[rank - 1 - i];\n"
      << "    if (extent < 1 || extent > 2147483647 || stride > 2147483647) return 0;\n"
      << "    dims[i].min = 0;\n    dims[i].extent = (int32_t)extent;\n"
      << "    dims[i].stride = (int32_t)stride;\n    dims[i].flags = 0;\n"
      << "    stride *= extent;\n"
      << "  }\n"
      << "  return 1;\n}\n\n";

  write_weights_access(out, model, spec);

  // Weight table: offsets into the blob and static shapes.
  out << "#define NUM_WEIGHTS " << spec.weights.size() << "\n"
      << "struct weight_info { uint64_t offset; halide_type_code_t code; int bits; int rank;\n"
      << "                     int64_t dims[8]; };\n"
      << "static const struct weight_info weight_infos[] = {\n";
  for (const auto& w : spec.weights) {
    auto type = to_halide_type(w.dtype);
    out << "  {" << w.offset << "ull, " << type.code << ", " << type.bits << ", " << w.dims.size()
        << ", " << int_list(w.dims) << "},\n";
  }
  if (spec.weights.empty()) out << "  {0}\n";
  out << "};\n\n";

  out << "KILN_EXPORT int " << n << "_run(const " << n << "_inputs* in, " << n
      << "_outputs* out) {\n"
      << "  if (!in || !out) return fail(KILN_ERROR_INVALID_ARGUMENT, \"" << n
      << "_run: null inputs or outputs\");\n";
  for (size_t i = 0; i < model.symbols.size(); ++i)
    out << "  if (in->" << model.symbol_c_names[i] << " < 1)\n"
        << "    return fail(KILN_ERROR_INVALID_ARGUMENT, "
        << c_string_literal("symbolic dimension '" + model.symbols[i] + "' must be >= 1") << ");\n";
  auto declare_buffers = [&](const char* kind, const std::vector<InterfaceTensor>& tensors,
                             const char* holder, bool is_output) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const InterfaceTensor& t = tensors[i];
      auto type = to_halide_type(t.dtype);
      const std::string role = is_output ? "output '" : "input '";
      out << "  if (!" << holder << "->" << t.c_name << ")\n"
          << "    return fail(KILN_ERROR_INVALID_ARGUMENT, "
          << c_string_literal(role + t.name + "' is null") << ");\n";
      out << "  halide_buffer_t " << kind << i << ";\n  halide_dimension_t " << kind << i
          << "_dims[" << std::max<size_t>(t.dims.size(), 1)
          << "];\n  {\n    const int64_t sizes[] = {";
      for (size_t d = 0; d < t.dims.size(); ++d) {
        out << (d ? ", " : "");
        if (t.dim_symbols[d] >= 0)
          out << "in->" << model.symbol_c_names[t.dim_symbols[d]];
        else
          out << t.dims[d];
      }
      out << (t.dims.empty() ? "0" : "") << "};\n"
          << "    if (!wrap(&" << kind << i << ", " << kind << i << "_dims, " << holder << "->"
          << t.c_name << ", " << type.code << ", " << type.bits << ", " << t.dims.size()
          << ", sizes))\n"
          << "      return fail(KILN_ERROR_INVALID_ARGUMENT, "
          << c_string_literal(role + t.name + "' is too large") << ");\n  }\n";
    }
  };
  declare_buffers("in", model.inputs, "in", false);
  declare_buffers("out", model.outputs, "out", true);

  out << "  const uint8_t* weights = weights_base();\n";
  if (spec.external_weights)
    out << "  if (!weights) return fail(KILN_ERROR_LOAD, weights_error);\n";
  out << "  halide_buffer_t w[NUM_WEIGHTS + 1];\n"
      << "  halide_dimension_t w_dims[NUM_WEIGHTS + 1][8];\n"
      << "  for (int i = 0; i < NUM_WEIGHTS; ++i)\n"
      << "    wrap(&w[i], w_dims[i], weights + weight_infos[i].offset, weight_infos[i].code,\n"
      << "         weight_infos[i].bits, weight_infos[i].rank, weight_infos[i].dims);\n"
      << "  struct call_context context;\n  context.message[0] = '\\0';\n"
      << "  pthread_once(&handler_once, install_error_handler);\n"
      << "  int result = " << spec.pipeline_function << "(&context";
  for (size_t i = 0; i < model.inputs.size(); ++i) out << ", &in" << i;
  for (size_t i = 0; i < spec.weights.size(); ++i) out << ", &w[" << i << "]";
  for (size_t i = 0; i < model.outputs.size(); ++i) out << ", &out" << i;
  out << ");\n"
      << "  if (result != 0)\n"
      << "    return fail(KILN_ERROR_EXECUTION, context.message[0] ? context.message\n"
      << "                                                          : \"pipeline failed\");\n"
      << "  last_error[0] = '\\0';\n  return KILN_OK;\n}\n\n";

  write_descriptor(out, model, spec.macs_per_unit_run);
  return out.str();
}

}  // namespace kiln
