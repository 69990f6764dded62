/* kiln_model_abi.h: the C ABI every Kiln-compiled model library exports.
 *
 * A compiled library NAME.so carries one kiln_model_desc describing its inputs, outputs and
 * symbolic dimensions, reachable through the exported function `kiln_model_describe` (and, for
 * static linking of several models into one program, through `NAME_describe`). The generated
 * NAME.h embeds this header verbatim, so users need no other file; the thin runtime
 * (kiln_runtime.h) reads the same structures after dlopen. Nothing here depends on the compiler.
 */
#ifndef KILN_MODEL_ABI_H
#define KILN_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this ABI; bumped on any layout change. */
#define KILN_MODEL_ABI_VERSION 2

/** Element types of model inputs and outputs. */
typedef enum kiln_dtype {
  KILN_DTYPE_F32 = 1,
  KILN_DTYPE_F64 = 2,
  KILN_DTYPE_F16 = 3,
  KILN_DTYPE_I8 = 4,
  KILN_DTYPE_I16 = 5,
  KILN_DTYPE_I32 = 6,
  KILN_DTYPE_I64 = 7,
  KILN_DTYPE_U8 = 8,
  KILN_DTYPE_BOOL = 9,
  KILN_DTYPE_U16 = 10,
  KILN_DTYPE_U32 = 11,
  KILN_DTYPE_U64 = 12
} kiln_dtype;

/** Error codes returned by run functions (0 = success). */
typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_INVALID_ARGUMENT = 1, /**< null pointer, bad symbol value, wrong shape */
  KILN_ERROR_OUT_OF_MEMORY = 2,
  KILN_ERROR_EXECUTION = 3, /**< the generated code reported a failure */
  KILN_ERROR_LOAD = 4       /**< the runtime could not open or validate a library */
} kiln_status;

/** One input or output: name, dtype and row-major shape. */
typedef struct kiln_tensor_desc {
  const char* name;
  kiln_dtype dtype;
  int32_t rank;
  /** Static size per dimension, or -1 for a symbolic dimension. */
  const int64_t* dims;
  /** Per dimension: index into kiln_model_desc.symbols, or -1 for a static dimension. */
  const int32_t* dim_symbols;
} kiln_tensor_desc;

/** One kernel of the model (a fusion group or an unfused node), in run order. */
typedef struct kiln_kernel_desc {
  const char* name;          /**< the kernel's last node */
  const char* template_name; /**< schedule template, e.g. "conv_pool/conv_channels" */
  const char* schedule;      /**< the schedule record text applied */
  const char* task;          /**< task key (see `kiln inspect --schedules`) */
  int64_t macs_per_unit_run; /**< multiply-accumulates with every symbolic dimension = 1 */
} kiln_kernel_desc;

/** Everything a generic tool needs to call a compiled model. */
typedef struct kiln_model_desc {
  int32_t abi_version; /**< KILN_MODEL_ABI_VERSION */
  const char* name;
  int32_t num_inputs;
  const kiln_tensor_desc* inputs;
  int32_t num_outputs;
  const kiln_tensor_desc* outputs;
  int32_t num_symbols;
  const char* const* symbols; /**< symbolic dimension names, e.g. "batch" */
  /** Runs the model. `inputs`/`outputs`: caller-owned dense row-major buffers in descriptor
   *  order; `symbol_values`: one size per symbol. Safe to call from several threads at once. */
  int (*run)(const void* const* inputs, void* const* outputs, const int64_t* symbol_values);
  /** The message of the last error on the calling thread ("" if none). */
  const char* (*last_error)(void);
  /** Sets the number of worker threads (0 = one per core). Call it between runs: lowering the
   *  count restarts the thread pool, so no other thread may be running the model then. */
  void (*set_num_threads)(int32_t count);
  /** Multiply-accumulates of one run with every symbolic dimension set to 1 (Conv, Gemm and
   *  MatMul; see `kiln inspect --summary`), for reporting GFLOP/s. */
  int64_t macs_per_unit_run;
  /** Bytes of the arena holding the intermediate tensors with every symbolic dimension = 1
   *  (one arena per concurrent call, allocated on first use and kept). */
  uint64_t arena_bytes_per_unit_run;
  int32_t num_kernels;
  const kiln_kernel_desc* kernels;
  /** As `run`, and writes each kernel's wall time in milliseconds to `kernel_ms`
   *  (num_kernels entries). */
  int (*run_profiled)(const void* const* inputs, void* const* outputs, const int64_t* symbol_values,
                      double* kernel_ms);
} kiln_model_desc;

#ifdef __cplusplus
}
#endif

#endif /* KILN_MODEL_ABI_H */
