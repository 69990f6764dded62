// ModelWrapperWriter.cpp: text generation for NAME_wrapper.c (see the header for its job).
#include "backends/halide/ModelWrapperWriter.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace kiln {
namespace {

constexpr const char* kBufferCacheSource =
#include "KilnBufferCacheText.inc"
    ;
constexpr const char* kThreadPoolSource =
#include "KilnThreadPoolText.inc"
    ;
constexpr const char* kMemoryPlanSource =
#include "KilnMemoryPlanText.inc"
    ;

struct HalideTypeCode {
  const char* code;
  int bits;
};

HalideTypeCode abi_type_code(DType dtype) {
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
    case DType::UInt16:
      return {"halide_type_uint", 16};
    case DType::UInt32:
      return {"halide_type_uint", 32};
    case DType::UInt64:
      return {"halide_type_uint", 64};
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
void write_descriptor(std::ostream& out, const ModelInterface& model, const WrapperSpec& spec) {
  const std::string& n = model.name;
  const int64_t macs = spec.macs_per_unit_run;
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

  out << "static int generic_run_profiled(const void* const* inputs, void* const* outputs,\n"
      << "                                const int64_t* symbol_values, double* kernel_ms) {\n"
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
  out << "  return run_kernels(&in, &out, kernel_ms);\n}\n\n";

  out << "static int generic_run(const void* const* inputs, void* const* outputs,\n"
      << "                       const int64_t* symbol_values) {\n"
      << "  return generic_run_profiled(inputs, outputs, symbol_values, NULL);\n}\n\n";
  out << "static const kiln_kernel_desc kernel_descs[] = {\n";
  for (const WrapperKernel& k : spec.kernels)
    out << "  {" << c_string_literal(k.name) << ", " << c_string_literal(k.template_name) << ", "
        << c_string_literal(k.schedule) << ", " << c_string_literal(k.task) << ", "
        << k.macs_per_unit_run << "ll},\n";
  if (spec.kernels.empty()) out << "  {0}\n";
  out << "};\n\n";
  out << "static const kiln_model_desc model_desc = {\n"
      << "  KILN_MODEL_ABI_VERSION, \"" << n << "\",\n"
      << "  " << model.inputs.size() << ", input_descs, " << model.outputs.size()
      << ", output_descs,\n"
      << "  " << model.symbols.size() << ", symbol_names,\n"
      << "  generic_run, " << n << "_last_error, " << n << "_set_num_threads, " << macs << "ll,\n  "
      << spec.arena_bytes_per_unit_run << "ull, " << spec.kernels.size()
      << ", kernel_descs, generic_run_profiled};\n\n"
      << "KILN_EXPORT const kiln_model_desc* " << n << "_describe(void) { return &model_desc; }\n"
      << "/* The generic entry the runtime looks up after dlopen. Weak, so that several models'\n"
      << " * static libraries link into one program (which then uses NAME_describe). */\n"
      << "KILN_EXPORT __attribute__((weak)) const kiln_model_desc* kiln_model_describe(void) {\n"
      << "  return &model_desc;\n}\n"
      << "/* The Halide device API the kernels run on (\"\": the CPU); kiln_runtime.c reads it. "
         "*/\n"
      << "KILN_EXPORT __attribute__((weak)) const char* kiln_model_device_api(void) {\n"
      << "  return " << c_string_literal(spec.gpu_api) << ";\n}\n";
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

// A GPU library's first run looks for the driver library the way Halide's runtime does (a symbol
// already in the process, else dlopen of the unversioned name), so a missing driver is an error
// with a clear message instead of Halide's generic one.
void write_driver_check(std::ostream& out, const ModelInterface& model, const WrapperSpec& spec) {
  const bool cuda = spec.gpu_api == "cuda";
  const char* symbol = cuda ? "cuInit" : "clGetPlatformIDs";
  const char* library = cuda ? "libcuda.so" : "libOpenCL.so";
  const std::string message =
      cuda ? std::string("no CUDA driver (libcuda.so) found: ") + model.name +
                 " was compiled for " + spec.target +
                 " and needs an NVIDIA GPU with its driver (libcuda.so, or libcuda.so.1 loaded "
                 "with RTLD_GLOBAL before the first run)"
           : std::string("no OpenCL driver (libOpenCL.so) found: ") + model.name +
                 " was compiled for " + spec.target +
                 " and needs the OpenCL ICD loader (libOpenCL.so, Debian package "
                 "ocl-icd-opencl-dev) and a driver (an ICD, e.g. pocl-opencl-icd)";
  out << "static char driver_error[512];\n"
      << "static pthread_once_t driver_once = PTHREAD_ONCE_INIT;\n"
      << "static void check_driver(void) {\n"
      << "  if (dlsym(RTLD_DEFAULT, \"" << symbol << "\")) return;\n"
      << "  void* lib = dlopen(\"" << library << "\", RTLD_LAZY | RTLD_LOCAL);\n"
      << "  if (lib) return; /* kept open: Halide's runtime opens it again */\n"
      << "  snprintf(driver_error, sizeof driver_error, \"%s\", " << c_string_literal(message)
      << ");\n}\n\n";
}

const char* c_argument_type(WrapperArgument::Kind kind) {
  return kind == WrapperArgument::Kind::Symbol ? "int32_t" : "struct halide_buffer_t*";
}

// One prototype per distinct kernel function: (user_context, arguments..., outputs...).
void write_kernel_prototypes(std::ostream& out, const WrapperSpec& spec) {
  std::set<std::string> declared;
  out << "/* The kernels, compiled by Halide (one function per distinct kernel). */\n";
  for (const WrapperKernel& k : spec.kernels) {
    if (!declared.insert(k.function).second) continue;
    out << "extern int " << k.function << "(void* user_context";
    for (const WrapperArgument& a : k.arguments) out << ", " << c_argument_type(a.kind);
    out << ");\n";
  }
  out << "\n";
}

void write_weight_table(std::ostream& out, const WrapperSpec& spec) {
  out << "#define NUM_WEIGHTS " << spec.weights.size() << "\n"
      << "struct weight_info { uint64_t offset; halide_type_code_t code; int bits; int rank;\n"
      << "                     int64_t dims[8]; };\n"
      << "static const struct weight_info weight_infos[] = {\n";
  for (const auto& w : spec.weights) {
    auto type = abi_type_code(w.dtype);
    out << "  {" << w.offset << "ull, " << type.code << ", " << type.bits << ", " << w.dims.size()
        << ", " << int_list(w.dims) << "},\n";
  }
  if (spec.weights.empty()) out << "  {0}\n";
  out << "};\n\n";
}

// The intermediate tensors and the arenas that hold them: one arena per concurrent call, taken
// from a free list, planned again only when the symbol values change.
void write_arena(std::ostream& out, const ModelInterface& model, const WrapperSpec& spec) {
  const size_t symbols = model.symbols.size();
  out << "#define NUM_SYMBOLS " << symbols << "\n"
      << "#define NUM_TENSORS " << spec.intermediates.size() << "\n"
      << "/* dims: coefficient and up to two symbol indices (-1: none) per dim, IR order. */\n"
      << "struct tensor_info { const char* name; halide_type_code_t code; int bits; int bytes;\n"
      << "                     int rank; int channels_last; int32_t first, last;\n"
      << "                     int64_t coef[8]; int32_t sym[8][2]; };\n"
      << "static const struct tensor_info tensor_infos[] = {\n";
  for (const WrapperTensor& t : spec.intermediates) {
    auto type = abi_type_code(t.dtype);
    const int bytes = t.dtype == DType::Bool ? 1 : int(dtype_size(t.dtype));
    out << "  {" << c_string_literal(t.name) << ", " << type.code << ", " << type.bits << ", "
        << bytes << ", " << t.dims.size() << ", " << (t.channels_last ? 1 : 0) << ", " << t.first
        << ", " << t.last << ", {";
    for (size_t d = 0; d < t.dims.size(); ++d) out << (d ? ", " : "") << t.dims[d].coefficient;
    out << (t.dims.empty() ? "0" : "") << "}, {";
    for (size_t d = 0; d < t.dims.size(); ++d) {
      const std::vector<int>& s = t.dims[d].symbols;
      out << (d ? ", " : "") << "{" << (s.size() > 0 ? s[0] : -1) << ", "
          << (s.size() > 1 ? s[1] : -1) << "}";
    }
    out << (t.dims.empty() ? "{-1, -1}" : "") << "}},\n";
  }
  if (spec.intermediates.empty()) out << "  {0}\n";
  out << "};\n\n";
  out << R"C(struct arena {
  struct arena* next;
  int planned;
  int64_t symbols[NUM_SYMBOLS + 1];
  uint8_t* base;
  uint64_t size;
  halide_buffer_t t[NUM_TENSORS + 1];
  halide_dimension_t t_dims[NUM_TENSORS + 1][8];
  halide_buffer_t w[NUM_WEIGHTS + 1];
  halide_dimension_t w_dims[NUM_WEIGHTS + 1][8];
  kiln_plan_tensor plan[NUM_TENSORS + 1];
  uint64_t offsets[NUM_TENSORS + 1];
  int32_t order[NUM_TENSORS + 1];
};
static struct arena* free_arenas;
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;

static struct arena* acquire_arena(const uint8_t* weights) {
  pthread_mutex_lock(&arena_lock);
  struct arena* a = free_arenas;
  if (a) free_arenas = a->next;
  pthread_mutex_unlock(&arena_lock);
  if (a) return a;
  a = (struct arena*)calloc(1, sizeof *a);
  if (!a) return NULL;
  for (int i = 0; i < NUM_WEIGHTS; ++i) {
    wrap(&a->w[i], a->w_dims[i], weights + weight_infos[i].offset, weight_infos[i].code,
         weight_infos[i].bits, weight_infos[i].rank, weight_infos[i].dims, 0);
#if KILN_GPU
    /* The host copy is the valid one: the first kernel that reads it uploads it, once per arena. */
    a->w[i].flags |= halide_buffer_flag_host_dirty;
#endif
  }
  return a;
}

static void release_arena(struct arena* a) {
  pthread_mutex_lock(&arena_lock);
  a->next = free_arenas;
  free_arenas = a;
  pthread_mutex_unlock(&arena_lock);
}

__attribute__((destructor)) static void free_arenas_at_unload(void) {
  while (free_arenas) {
    struct arena* a = free_arenas;
    free_arenas = a->next;
    free(a->base);
    free(a);
  }
}

/* Sizes every intermediate for these symbol values, plans the arena and points each tensor's
 * buffer into it; reallocates only when the arena must grow. */
static int plan_arena_for(struct arena* a, const int64_t* symbol_values) {
  if (a->planned && memcmp(a->symbols, symbol_values, sizeof(int64_t) * NUM_SYMBOLS) == 0)
    return KILN_OK;
  int64_t sizes[NUM_TENSORS + 1][8];
  for (int i = 0; i < NUM_TENSORS; ++i) {
    const struct tensor_info* t = &tensor_infos[i];
    uint64_t bytes = (uint64_t)t->bytes, elements = 1;
    for (int d = 0; d < t->rank; ++d) {
      int64_t e = t->coef[d];
      for (int s = 0; s < 2; ++s)
        if (t->sym[d][s] >= 0) {
          if (e > 2147483647 || symbol_values[t->sym[d][s]] > 2147483647) e = -1;
          if (e > 0) e *= symbol_values[t->sym[d][s]];
        }
      /* Libraries run tensors whose every dim is at least 1 (as for inputs, ir/ModelLimits.h). */
      if (e == 0) {
        char message[512];
        snprintf(message, sizeof message,
                 "intermediate tensor '%s' has a zero dim, which compiled libraries do not run",
                 t->name);
        return fail(KILN_ERROR_INVALID_ARGUMENT, message);
      }
      /* Halide indexes a buffer with 32-bit offsets: refuse before allocating anything. */
      if (e < 1 || e > 2147483647 || bytes > ((uint64_t)1 << 62) / (uint64_t)e ||
          elements * (uint64_t)e > 2147483647) {
        char message[512];
        snprintf(message, sizeof message, "intermediate tensor '%s' is too large", t->name);
        return fail(KILN_ERROR_INVALID_ARGUMENT, message);
      }
      sizes[i][d] = e;
      bytes *= (uint64_t)e;
      elements *= (uint64_t)e;
    }
    a->plan[i].bytes = bytes;
    a->plan[i].first = t->first;
    a->plan[i].last = t->last;
  }
  const uint64_t size = kiln_plan_arena(a->plan, NUM_TENSORS, a->offsets, a->order);
  if (NUM_TENSORS > 0 && size == 0) return fail(KILN_ERROR_OUT_OF_MEMORY, "arena size overflows");
  if (size > a->size) {
    void* base = NULL;
    if (posix_memalign(&base, 64, (size_t)size) != 0 || !base) {
      char message[256];
      snprintf(message, sizeof message, "cannot allocate the %llu-byte arena of intermediate tensors",
               (unsigned long long)size);
      return fail(KILN_ERROR_OUT_OF_MEMORY, message);
    }
    free(a->base);
    a->base = (uint8_t*)base;
    a->size = size;
  }
  for (int i = 0; i < NUM_TENSORS; ++i) {
    const struct tensor_info* t = &tensor_infos[i];
#if KILN_GPU
    if (a->t[i].device) halide_device_free(NULL, &a->t[i]); /* sized for other symbol values */
#endif
    if (!wrap(&a->t[i], a->t_dims[i], a->base + a->offsets[i], t->code, t->bits, t->rank,
              sizes[i], t->channels_last))
      return fail(KILN_ERROR_INVALID_ARGUMENT, "an intermediate tensor is too large");
  }
  memcpy(a->symbols, symbol_values, sizeof(int64_t) * NUM_SYMBOLS);
  a->planned = 1;
  return KILN_OK;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

)C";
}

std::string argument_text(const WrapperArgument& a) {
  switch (a.kind) {
    case WrapperArgument::Kind::Symbol:
      return "(int32_t)symbol_values[" + std::to_string(a.index) + "]";
    case WrapperArgument::Kind::Input:
      return "&in" + std::to_string(a.index);
    case WrapperArgument::Kind::Output:
      return "&out" + std::to_string(a.index);
    case WrapperArgument::Kind::Intermediate:
      return "&a->t[" + std::to_string(a.index) + "]";
    case WrapperArgument::Kind::Weight:
      return "&a->w[" + std::to_string(a.index) + "]";
  }
  return "NULL";
}

void write_run(std::ostream& out, const ModelInterface& model, const WrapperSpec& spec) {
  const std::string& n = model.name;
  out << "static int run_kernels(const " << n << "_inputs* in, " << n
      << "_outputs* out, double* kernel_ms) {\n";
  // A model without inputs or symbols reads nothing from `in`, which may then be NULL.
  const bool reads_inputs = !model.symbols.empty() || !model.inputs.empty();
  out << "  if (" << (reads_inputs ? "!in || " : "")
      << "!out) return fail(KILN_ERROR_INVALID_ARGUMENT, \"" << n
      << "_run: null inputs or outputs\");\n";
  for (size_t i = 0; i < model.symbols.size(); ++i)
    out << "  if (in->" << model.symbol_c_names[i] << " < 1 || in->" << model.symbol_c_names[i]
        << " > 2147483647)\n"
        << "    return fail(KILN_ERROR_INVALID_ARGUMENT, "
        << c_string_literal("symbolic dimension '" + model.symbols[i] +
                            "' must be between 1 and 2147483647")
        << ");\n";
  out << "  int64_t symbol_values[NUM_SYMBOLS + 1] = {";
  for (size_t i = 0; i < model.symbols.size(); ++i)
    out << (i ? ", " : "") << "in->" << model.symbol_c_names[i];
  out << (model.symbols.empty() ? "0" : "") << "};\n";
  auto declare_buffers = [&](const char* kind, const std::vector<InterfaceTensor>& tensors,
                             const char* holder, bool is_output) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const InterfaceTensor& t = tensors[i];
      auto type = abi_type_code(t.dtype);
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
          << ", sizes, 0))\n"
          << "      return fail(KILN_ERROR_INVALID_ARGUMENT, "
          << c_string_literal(role + t.name +
                              "' has a zero dim or more than 2^31 - 1 elements (a compiled "
                              "model's tensors hold data and fit Halide's 32-bit indexing)")
          << ");\n";
      if (!is_output && !spec.gpu_api.empty())
        out << "    " << kind << i << ".flags |= halide_buffer_flag_host_dirty;\n";
      out << "  }\n";
    }
  };
  declare_buffers("in", model.inputs, "in", false);
  declare_buffers("out", model.outputs, "out", true);
  if (!spec.gpu_api.empty())
    out << "  pthread_once(&driver_once, check_driver);\n"
        << "  if (driver_error[0]) return fail(KILN_ERROR_EXECUTION, driver_error);\n";
  out << "  const uint8_t* weights = weights_base();\n";
  if (spec.external_weights)
    out << "  if (!weights) return fail(KILN_ERROR_LOAD, weights_error);\n";
  out << "  struct arena* a = acquire_arena(weights);\n"
      << "  if (!a) return fail(KILN_ERROR_OUT_OF_MEMORY, \"cannot allocate a call's buffers\");\n"
      << "  int status = plan_arena_for(a, symbol_values);\n"
      << "  if (status != KILN_OK) {\n    release_arena(a);\n    return status;\n  }\n"
      << "  struct call_context context;\n  context.message[0] = '\\0';\n"
      << "  pthread_once(&handler_once, install_error_handler);\n"
      << "  const char* failed_kernel = NULL;\n  double start = 0;\n  (void)start;\n";
  for (size_t k = 0; k < spec.kernels.size(); ++k) {
    const WrapperKernel& kernel = spec.kernels[k];
    out << "  /* " << k << ": " << kernel.name << " " << kernel.schedule << " */\n"
        << "  if (kernel_ms) start = now_ms();\n"
        << "  if (" << kernel.function << "(&context";
    for (const WrapperArgument& a : kernel.arguments) out << ", " << argument_text(a);
    out << ") != 0) {\n    failed_kernel = " << c_string_literal(kernel.name)
        << ";\n    goto failed;\n  }\n"
        << "  if (kernel_ms) kernel_ms[" << k << "] = now_ms() - start;\n";
  }
  std::string release_call_buffers;
  if (!spec.gpu_api.empty()) {
    // The caller's buffers get device copies during the call; the outputs' are read back.
    for (size_t i = 0; i < model.outputs.size(); ++i)
      out << "  if (halide_copy_to_host(&context, &out" << i << ") != 0) {\n"
          << "    failed_kernel = \"copy of the outputs to the host\";\n    goto failed;\n  }\n";
    for (size_t i = 0; i < model.inputs.size(); ++i)
      release_call_buffers += "  halide_device_free(&context, &in" + std::to_string(i) + ");\n";
    for (size_t i = 0; i < model.outputs.size(); ++i)
      release_call_buffers += "  halide_device_free(&context, &out" + std::to_string(i) + ");\n";
  }
  out << release_call_buffers
      << "  release_arena(a);\n  last_error[0] = '\\0';\n  return KILN_OK;\n"
      << "failed:\n"
      << release_call_buffers << "  release_arena(a);\n  {\n    char message[1200];\n"
      << "    snprintf(message, sizeof message, \"kernel '%s': %s\", failed_kernel,\n"
      << "             context.message[0] ? context.message : \"kernel failed\");\n"
      << "    return fail(KILN_ERROR_EXECUTION, message);\n  }\n}\n\n"
      << "KILN_EXPORT int " << n << "_run(const " << n << "_inputs* in, " << n
      << "_outputs* out) {\n  return run_kernels(in, out, NULL);\n}\n\n";
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
      << "#include <time.h>\n#include <unistd.h>\n\n"
      << "#include \"" << n << ".h\"\n#include \"HalideRuntime.h\"\n\n"
      << "#define KILN_EXPORT __attribute__((visibility(\"default\")))\n\n";
  out << "#define KILN_GPU " << (spec.gpu_api.empty() ? 0 : 1) << "\n\n";
  out << kBufferCacheSource << "\n" << kThreadPoolSource << "\n" << kMemoryPlanSource << "\n";
  write_kernel_prototypes(out, spec);

  out << "static _Thread_local char last_error[1024];\n"
      << "static int fail(int status, const char* message) {\n"
      << "  snprintf(last_error, sizeof last_error, \"%s\", message);\n  return status;\n}\n"
      << "KILN_EXPORT const char* " << n
      << "_last_error(void) { return last_error; }\n"
      // The pool (kiln_thread_pool.c) stops its surplus workers when the count is lowered.
      << "KILN_EXPORT void " << n << "_set_num_threads(int32_t count) {\n"
      << "  halide_set_num_threads(count < 0 ? 0 : count);\n}\n\n";

  // Halide reports errors through one process-wide handler; the user context routes each message
  // to the call (and so the thread) that caused it.
  out << "struct call_context { char message[1024]; };\n"
      << "static void route_error(void* user_context, const char* message) {\n"
      << "  if (user_context)\n"
      << "    snprintf(((struct call_context*)user_context)->message, 1024, \"%s\", message);\n"
      << "}\n"
      << "static pthread_once_t handler_once = PTHREAD_ONCE_INIT;\n"
      << "static void install_error_handler(void) {\n  halide_set_error_handler(route_error);\n"
      << (spec.gpu_api.empty() ? "" : "  halide_reuse_device_allocations(NULL, 1);\n") << "}\n\n";
  if (!spec.gpu_api.empty()) write_driver_check(out, model, spec);

  out << "/* Describes a dense row-major buffer to Halide (whose dimension 0 is the innermost);\n"
         " * a channels-last 4-D buffer stores channels innermost. 0 when a size is out of range. "
         "*/\n"
      << "static int wrap(halide_buffer_t* buffer, halide_dimension_t* dims, const void* host,\n"
      << "                halide_type_code_t code, int bits, int rank, const int64_t* sizes,\n"
      << "                int channels_last) {\n"
      << "  static const int dense[8] = {0, 1, 2, 3, 4, 5, 6, 7};\n"
      << "  static const int nhwc[4] = {2, 0, 1, 3};\n"
      << "  const int* order = channels_last && rank == 4 ? nhwc : dense;\n"
      << "  memset(buffer, 0, sizeof *buffer);\n"
      << "  buffer->host = (uint8_t*)host;\n"
      << "  buffer->type.code = code;\n  buffer->type.bits = (uint8_t)bits;\n"
      << "  buffer->type.lanes = 1;\n  buffer->dimensions = rank;\n  buffer->dim = dims;\n"
      << "  int64_t stride = 1;\n"
      << "  for (int k = 0; k < rank; ++k) {\n"
      << "    const int i = order[k];\n"
      << "    int64_t extent = sizes[rank - 1 - i];\n"
      << "    if (extent < 1 || extent > 2147483647 || stride > 2147483647) return 0;\n"
      << "    dims[i].min = 0;\n    dims[i].extent = (int32_t)extent;\n"
      << "    dims[i].stride = (int32_t)stride;\n    dims[i].flags = 0;\n"
      << "    stride *= extent;\n"
      << "  }\n"
      << "  return stride <= 2147483647;\n}\n\n";

  write_weights_access(out, model, spec);

  write_weight_table(out, spec);
  write_arena(out, model, spec);
  write_run(out, model, spec);
  write_descriptor(out, model, spec);
  return out.str();
}

}  // namespace kiln
