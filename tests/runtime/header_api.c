/* header_api.c: calls a compiled model through its generated header (mnist_cnn.h), linked from
 * the static library, from 4 threads at once, and checks every thread gets the answer of a
 * single-threaded call. Compiled both as C and as C++ by the driver.
 * Usage: header_api */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnist_cnn.h"

#define BATCH 2
#define THREADS 4
#define IN_COUNT (BATCH * 1 * 28 * 28)
#define OUT_COUNT (BATCH * 10)

static float input[IN_COUNT];
static float expected[OUT_COUNT];

static void* worker(void* arg) {
  float* out = (float*)malloc(OUT_COUNT * sizeof(float));
  mnist_cnn_inputs inputs;
  mnist_cnn_outputs outputs;
  memset(&inputs, 0, sizeof inputs);
  inputs.batch = BATCH;
  inputs.input = input;
  outputs.output = out;
  long failures = 0;
  for (int repeat = 0; repeat < 20; ++repeat) {
    if (mnist_cnn_run(&inputs, &outputs) != 0 || memcmp(out, expected, sizeof expected) != 0)
      ++failures;
  }
  free(out);
  (void)arg;
  return (void*)failures;
}

int main(void) {
  for (int i = 0; i < IN_COUNT; ++i) input[i] = (float)((i * 7) % 13) / 13.0f;
  mnist_cnn_inputs inputs;
  mnist_cnn_outputs outputs;
  memset(&inputs, 0, sizeof inputs);
  inputs.batch = BATCH;
  inputs.input = input;
  outputs.output = expected;
  if (mnist_cnn_run(&inputs, &outputs) != 0) {
    fprintf(stderr, "run failed: %s\n", mnist_cnn_last_error());
    return 1;
  }
  /* A bad symbolic dimension is an error with a message. */
  inputs.batch = 0;
  if (mnist_cnn_run(&inputs, &outputs) == 0 || strlen(mnist_cnn_last_error()) == 0) return 1;
  printf("batch 0 rejected: %s\n", mnist_cnn_last_error());

  const kiln_model_desc* desc = mnist_cnn_describe();
  printf("descriptor: %s, input %s, output %s, symbol %s\n", desc->name, desc->inputs[0].name,
         desc->outputs[0].name, desc->symbols[0]);

  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t) pthread_create(&threads[t], NULL, worker, NULL);
  long failures = 0;
  for (int t = 0; t < THREADS; ++t) {
    void* result;
    pthread_join(threads[t], &result);
    failures += (long)result;
  }
  if (failures) {
    fprintf(stderr, "%ld concurrent runs differed from the single-threaded answer\n", failures);
    return 1;
  }
  printf("concurrent calls from %d threads agree\n", THREADS);
  return 0;
}
