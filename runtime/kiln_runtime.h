/* kiln_runtime.h: the thin runtime that opens and runs any Kiln-compiled model library.
 *
 * It dlopens NAME.so, reads its kiln_model_desc, lists inputs and outputs, runs the model on
 * caller-owned buffers, sets the thread count and reports errors. It depends on nothing of the
 * compiler (only libc and libdl).
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_model_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An opened model library. Every function below that takes one accepts NULL and answers
 *  NULL, 0 or -1 (or KILN_ERROR_INVALID_ARGUMENT) instead of crashing. */
typedef struct kiln_model kiln_model;

/** Opens a compiled model library. On failure returns NULL; kiln_runtime_last_error() says why. */
kiln_model* kiln_model_open(const char* library_path);
/** The GPU API the library runs on: "cuda", "opencl", or "" for a CPU library (NULL for a NULL
 *  model). A GPU library loads its driver (libcuda.so, libOpenCL.so) on its first run. Run it in
 *  a process that loads no other LLVM: PoCL, an OpenCL driver, compiles kernels with its own
 *  LLVM, and two LLVMs in one process crash (the kiln CLI, which links Halide's LLVM, runs GPU
 *  libraries in a child process, kiln-device-host, for that reason). */
const char* kiln_model_device_api(const kiln_model* model);
/** Closes the library and frees the handle (NULL is allowed). */
void kiln_model_close(kiln_model* model);

/** The model's descriptor (name, inputs, outputs, symbols). */
const kiln_model_desc* kiln_model_describe(const kiln_model* model);
int32_t kiln_model_num_inputs(const kiln_model* model);
int32_t kiln_model_num_outputs(const kiln_model* model);
const kiln_tensor_desc* kiln_model_input(const kiln_model* model, int32_t index);
const kiln_tensor_desc* kiln_model_output(const kiln_model* model, int32_t index);
/** Index of the input/output with this name, or -1. */
int32_t kiln_model_find_input(const kiln_model* model, const char* name);
int32_t kiln_model_find_output(const kiln_model* model, const char* name);

/** Size in bytes of one element of `dtype` (0 if unknown). */
size_t kiln_dtype_size(kiln_dtype dtype);
/** Name of a dtype ("f32", ...). */
const char* kiln_dtype_name(kiln_dtype dtype);
/** Number of elements of a tensor given the symbol values (-1 on a bad symbol value, a null
 *  model or tensor, or a count that overflows int64). */
int64_t kiln_tensor_element_count(const kiln_model* model, const kiln_tensor_desc* tensor,
                                  const int64_t* symbol_values);

/** Runs the model on caller-owned buffers (descriptor order; `inputs` may be NULL for a model
 *  without inputs). Returns a kiln_status. */
int kiln_model_run(kiln_model* model, const void* const* inputs, void* const* outputs,
                   const int64_t* symbol_values);
/** As kiln_model_run, and writes each kernel's wall time in milliseconds to `kernel_ms`
 *  (kiln_model_num_kernels entries, run order). */
int kiln_model_run_profiled(kiln_model* model, const void* const* inputs, void* const* outputs,
                            const int64_t* symbol_values, double* kernel_ms);
/** Number of kernels (fusion groups and unfused nodes) the model runs. */
int32_t kiln_model_num_kernels(const kiln_model* model);
/** Kernel `index` (run order), or NULL when out of range. */
const kiln_kernel_desc* kiln_model_kernel(const kiln_model* model, int32_t index);
/** Sets the number of worker threads used by the model (0 = one per core). */
void kiln_model_set_num_threads(kiln_model* model, int32_t count);

/** The last error of this runtime or the model on the calling thread ("" if none). */
const char* kiln_runtime_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
