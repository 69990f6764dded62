/* runtime_smoke.c: opens a compiled model through the thin runtime (kiln_runtime.h), lists its
 * inputs and outputs, runs it with caller-owned buffers at two batch sizes and on two thread
 * counts, and checks error reporting. Prints the first output values for the driver to compare.
 * Usage: runtime_smoke LIBRARY.so */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_runtime.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  kiln_model* model = kiln_model_open(argv[1]);
  if (!model) {
    fprintf(stderr, "open failed: %s\n", kiln_runtime_last_error());
    return 1;
  }
  const kiln_model_desc* desc = kiln_model_describe(model);
  printf("model %s: %d inputs, %d outputs, %d symbols\n", desc->name, desc->num_inputs,
         desc->num_outputs, desc->num_symbols);
  for (int32_t i = 0; i < kiln_model_num_inputs(model); ++i) {
    const kiln_tensor_desc* t = kiln_model_input(model, i);
    printf("input %s %s rank %d\n", t->name, kiln_dtype_name(t->dtype), t->rank);
  }
  if (kiln_model_num_inputs(model) != 1 || kiln_model_num_outputs(model) != 1) return 1;
  if (kiln_model_find_input(model, kiln_model_input(model, 0)->name) != 0) return 1;
  if (kiln_model_find_output(model, "no such output") != -1) return 1;

  /* A null buffer is refused with a message, not a crash. */
  const void* null_inputs[1] = {NULL};
  float dummy[1];
  void* dummy_outputs[1] = {dummy};
  int64_t one = 1;
  int status = kiln_model_run(model, null_inputs, dummy_outputs, &one);
  if (status == KILN_OK || strlen(kiln_runtime_last_error()) == 0) {
    fprintf(stderr, "null input was not reported\n");
    return 1;
  }
  printf("null input rejected: %s\n", kiln_runtime_last_error());

  for (int threads = 1; threads <= 2; ++threads) {
    kiln_model_set_num_threads(model, threads);
    for (int64_t batch = 1; batch <= 3; batch += 2) {
      int64_t symbols[1] = {batch};
      int64_t in_count = kiln_tensor_element_count(model, kiln_model_input(model, 0), symbols);
      int64_t out_count = kiln_tensor_element_count(model, kiln_model_output(model, 0), symbols);
      float* in = (float*)malloc((size_t)in_count * sizeof(float));
      float* out = (float*)malloc((size_t)out_count * sizeof(float));
      for (int64_t i = 0; i < in_count; ++i) in[i] = (float)((i % 17) - 8) / 8.0f;
      const void* inputs[1] = {in};
      void* outputs[1] = {out};
      if (kiln_model_run(model, inputs, outputs, symbols) != KILN_OK) {
        fprintf(stderr, "run failed: %s\n", kiln_runtime_last_error());
        return 1;
      }
      printf("threads %d batch %lld out[0] %.6f out[last] %.6f\n", threads, (long long)batch,
             out[0], out[out_count - 1]);
      free(in);
      free(out);
    }
  }
  kiln_model_close(model);
  printf("runtime smoke test passed\n");
  return 0;
}
