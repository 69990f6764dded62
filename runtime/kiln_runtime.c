/* kiln_runtime.c: implementation of the thin model runtime (dlopen + descriptor checks). */
#include "kiln_runtime.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kiln_model {
  void* handle;
  const kiln_model_desc* desc;
};

static _Thread_local char runtime_error[1024];

static void set_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(runtime_error, sizeof runtime_error, format, args);
  va_end(args);
}

typedef const kiln_model_desc* (*describe_fn)(void);

typedef const char* (*device_api_fn)(void);

kiln_model* kiln_model_open(const char* library_path) {
  runtime_error[0] = '\0';
  if (!library_path) {
    set_error("kiln_model_open: null path");
    return NULL;
  }
  void* handle = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    set_error("%s: cannot open library: %s", library_path, dlerror());
    return NULL;
  }
  describe_fn describe = (describe_fn)dlsym(handle, "kiln_model_describe");
  if (!describe) {
    set_error("%s: not a Kiln model library (no kiln_model_describe symbol)", library_path);
    dlclose(handle);
    return NULL;
  }
  const kiln_model_desc* desc = describe();
  if (!desc || desc->abi_version != KILN_MODEL_ABI_VERSION) {
    set_error("%s: model ABI version %d, runtime expects %d", library_path,
              desc ? desc->abi_version : -1, KILN_MODEL_ABI_VERSION);
    dlclose(handle);
    return NULL;
  }
  kiln_model* model = (kiln_model*)calloc(1, sizeof *model);
  if (!model) {
    set_error("%s: out of memory", library_path);
    dlclose(handle);
    return NULL;
  }
  model->handle = handle;
  model->desc = desc;
  return model;
}

const char* kiln_model_device_api(const kiln_model* model) {
  if (!model) return NULL;
  device_api_fn device_api = (device_api_fn)dlsym(model->handle, "kiln_model_device_api");
  const char* api = device_api ? device_api() : NULL;
  return api ? api : "";
}

void kiln_model_close(kiln_model* model) {
  if (!model) return;
  dlclose(model->handle);
  free(model);
}

/* Every function taking a model accepts NULL (answering NULL, 0 or -1): a caller's mistake is
 * reported, never a crash inside the runtime. */
const kiln_model_desc* kiln_model_describe(const kiln_model* model) {
  return model ? model->desc : NULL;
}
int32_t kiln_model_num_inputs(const kiln_model* model) {
  return model ? model->desc->num_inputs : 0;
}
int32_t kiln_model_num_outputs(const kiln_model* model) {
  return model ? model->desc->num_outputs : 0;
}

const kiln_tensor_desc* kiln_model_input(const kiln_model* model, int32_t index) {
  if (!model || index < 0 || index >= model->desc->num_inputs) return NULL;
  return &model->desc->inputs[index];
}

const kiln_tensor_desc* kiln_model_output(const kiln_model* model, int32_t index) {
  if (!model || index < 0 || index >= model->desc->num_outputs) return NULL;
  return &model->desc->outputs[index];
}

static int32_t find_by_name(const kiln_tensor_desc* list, int32_t count, const char* name) {
  for (int32_t i = 0; i < count; ++i)
    if (name && strcmp(list[i].name, name) == 0) return i;
  return -1;
}

int32_t kiln_model_find_input(const kiln_model* model, const char* name) {
  if (!model) return -1;
  return find_by_name(model->desc->inputs, model->desc->num_inputs, name);
}

int32_t kiln_model_find_output(const kiln_model* model, const char* name) {
  if (!model) return -1;
  return find_by_name(model->desc->outputs, model->desc->num_outputs, name);
}

size_t kiln_dtype_size(kiln_dtype dtype) {
  switch (dtype) {
    case KILN_DTYPE_F64:
    case KILN_DTYPE_I64:
    case KILN_DTYPE_U64:
      return 8;
    case KILN_DTYPE_F32:
    case KILN_DTYPE_I32:
    case KILN_DTYPE_U32:
      return 4;
    case KILN_DTYPE_F16:
    case KILN_DTYPE_I16:
    case KILN_DTYPE_U16:
      return 2;
    case KILN_DTYPE_I8:
    case KILN_DTYPE_U8:
    case KILN_DTYPE_BOOL:
      return 1;
  }
  return 0;
}

const char* kiln_dtype_name(kiln_dtype dtype) {
  static const char* const names[] = {"?",   "f32", "f64",  "f16", "i8",  "i16", "i32",
                                      "i64", "u8",  "bool", "u16", "u32", "u64"};
  return (dtype >= KILN_DTYPE_F32 && dtype <= KILN_DTYPE_U64) ? names[dtype] : "?";
}

int64_t kiln_tensor_element_count(const kiln_model* model, const kiln_tensor_desc* tensor,
                                  const int64_t* symbol_values) {
  if (!model || !tensor) return -1;
  int64_t count = 1;
  for (int32_t d = 0; d < tensor->rank; ++d) {
    int64_t size = tensor->dims[d];
    int32_t symbol = tensor->dim_symbols[d];
    if (symbol >= 0) {
      if (!symbol_values || symbol >= model->desc->num_symbols || symbol_values[symbol] < 1)
        return -1;
      size = symbol_values[symbol];
    }
    if (size < 0 || (size > 0 && count > INT64_MAX / size)) return -1; /* overflow */
    count *= size;
  }
  return count;
}

int kiln_model_run(kiln_model* model, const void* const* inputs, void* const* outputs,
                   const int64_t* symbol_values) {
  runtime_error[0] = '\0';
  /* A model without inputs (every value computed from its weights) may be given no array. */
  if (!model || (!inputs && model->desc->num_inputs > 0) || !outputs) {
    set_error("kiln_model_run: null model, inputs or outputs");
    return KILN_ERROR_INVALID_ARGUMENT;
  }
  int status = model->desc->run(inputs, outputs, symbol_values);
  if (status != KILN_OK) set_error("%s", model->desc->last_error());
  return status;
}

int kiln_model_run_profiled(kiln_model* model, const void* const* inputs, void* const* outputs,
                            const int64_t* symbol_values, double* kernel_ms) {
  runtime_error[0] = '\0';
  if (!model || (!inputs && model->desc->num_inputs > 0) || !outputs || !kernel_ms) {
    set_error("kiln_model_run_profiled: null model, inputs, outputs or kernel_ms");
    return KILN_ERROR_INVALID_ARGUMENT;
  }
  int status = model->desc->run_profiled(inputs, outputs, symbol_values, kernel_ms);
  if (status != KILN_OK) set_error("%s", model->desc->last_error());
  return status;
}

int32_t kiln_model_num_kernels(const kiln_model* model) {
  return model ? model->desc->num_kernels : 0;
}

const kiln_kernel_desc* kiln_model_kernel(const kiln_model* model, int32_t index) {
  if (!model || index < 0 || index >= model->desc->num_kernels) return NULL;
  return &model->desc->kernels[index];
}

void kiln_model_set_num_threads(kiln_model* model, int32_t count) {
  if (model) model->desc->set_num_threads(count);
}

const char* kiln_runtime_last_error(void) {
  return runtime_error;
}
