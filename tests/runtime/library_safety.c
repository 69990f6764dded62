/* library_safety.c: drives a compiled model library through the thin runtime with a caller's
 * mistakes, under sanitizers when built with them (tests/e2e/test_library_safety.py).
 *
 * Usage: library_safety MODE LIBRARY.so [NOT_A_LIBRARY]
 *   errors   every null pointer, bad symbol value and overflowing batch gets an error code and a
 *            message, never a crash; a good run afterwards still gives the first run's outputs.
 *   threads  8 threads x 500 runs at once, each output bit-identical to a serial run.
 *   reopen   opens, runs and closes the library 1,000 times; resident memory stays bounded.
 * The model must take one f32 input and give one f32 output, with a batch symbol (symbol 0).
 * Prints one line per check; exit status 0 = every check passed. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln_runtime.h"

static int failures = 0;

static void check(int ok, const char* what) {
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) failures++;
}

/* A call that must fail: a non-zero status and a message saying why. */
static void expect_error(int status, const char* what) {
  const char* message = kiln_runtime_last_error();
  int ok = status != KILN_OK && message && message[0] != '\0';
  printf("%s: %s -> status %d: %s\n", ok ? "ok" : "FAILED", what, status, message ? message : "");
  if (!ok) failures++;
}

static int64_t count_of(kiln_model* model, const kiln_tensor_desc* tensor, int64_t batch) {
  int64_t symbols[1] = {batch};
  return kiln_tensor_element_count(model, tensor, symbols);
}

/* Deterministic input number `seed` of `count` floats. */
static float* make_input(int64_t count, int seed) {
  float* data = (float*)malloc((size_t)count * sizeof(float));
  if (!data) return NULL;
  for (int64_t i = 0; i < count; ++i) data[i] = (float)(((i * 7 + seed * 13) % 23) - 11) / 11.0f;
  return data;
}

static int run_once(kiln_model* model, const float* in, float* out, int64_t batch) {
  const void* inputs[1] = {in};
  void* outputs[1] = {out};
  int64_t symbols[1] = {batch};
  return kiln_model_run(model, inputs, outputs, symbols);
}

static int check_errors(const char* library, const char* not_a_library) {
  /* Opening: null, missing, not a Kiln library, not a library at all. */
  check(kiln_model_open(NULL) == NULL && kiln_runtime_last_error()[0], "open(NULL) refused");
  check(kiln_model_open("/nonexistent/model.so") == NULL && kiln_runtime_last_error()[0],
        "open of a missing file refused");
  check(kiln_model_open("libm.so.6") == NULL &&
            strstr(kiln_runtime_last_error(), "not a Kiln model library") != NULL,
        "open of a library without a model refused");
  if (not_a_library)
    check(kiln_model_open(not_a_library) == NULL && kiln_runtime_last_error()[0],
          "open of a file that is not a library refused");

  /* Every accessor takes a null model. */
  check(kiln_model_describe(NULL) == NULL && kiln_model_num_inputs(NULL) == 0 &&
            kiln_model_num_outputs(NULL) == 0 && kiln_model_input(NULL, 0) == NULL &&
            kiln_model_output(NULL, 0) == NULL && kiln_model_find_input(NULL, "x") == -1 &&
            kiln_model_find_output(NULL, "y") == -1 && kiln_model_num_kernels(NULL) == 0 &&
            kiln_model_kernel(NULL, 0) == NULL && kiln_tensor_element_count(NULL, NULL, NULL) == -1 &&
            kiln_model_device_api(NULL) == NULL,
        "accessors answer NULL/0/-1 for a null model");
  kiln_model_set_num_threads(NULL, 2);
  kiln_model_close(NULL);

  kiln_model* model = kiln_model_open(library);
  if (!model) {
    printf("FAILED: open %s: %s\n", library, kiln_runtime_last_error());
    return 1;
  }
  const kiln_tensor_desc* input = kiln_model_input(model, 0);
  const kiln_tensor_desc* output = kiln_model_output(model, 0);
  check(kiln_model_input(model, -1) == NULL && kiln_model_input(model, 1 << 30) == NULL &&
            kiln_model_output(model, 99) == NULL && kiln_model_kernel(model, -5) == NULL &&
            kiln_model_find_input(model, NULL) == -1,
        "out-of-range indices and null names answer NULL/-1");
  check(kiln_model_device_api(model) && kiln_model_device_api(model)[0] == '\0',
        "a CPU library's device API is \"\"");
  check(kiln_tensor_element_count(model, input, NULL) == -1, "element count without symbols is -1");
  check(count_of(model, input, 0) == -1 && count_of(model, input, -7) == -1,
        "element count of batch 0 or -7 is -1");
  check(count_of(model, input, INT64_MAX) == -1, "element count overflowing int64 is -1");

  const int64_t in_count = count_of(model, input, 2), out_count = count_of(model, output, 2);
  float* in = make_input(in_count, 1);
  float* first = (float*)calloc((size_t)out_count, sizeof(float));
  float* out = (float*)calloc((size_t)out_count, sizeof(float));
  check(run_once(model, in, first, 2) == KILN_OK, "a good run at batch 2");

  const void* inputs[1] = {in};
  void* outputs[1] = {out};
  const void* null_inputs[1] = {NULL};
  void* null_outputs[1] = {NULL};
  int64_t symbols[1] = {2};
  double kernel_ms[4096];
  expect_error(kiln_model_run(NULL, inputs, outputs, symbols), "run with a null model");
  expect_error(kiln_model_run(model, NULL, outputs, symbols), "run with null inputs");
  expect_error(kiln_model_run(model, inputs, NULL, symbols), "run with null outputs");
  expect_error(kiln_model_run(model, null_inputs, outputs, symbols), "run with a null input buffer");
  expect_error(kiln_model_run(model, inputs, null_outputs, symbols), "run with a null output buffer");
  expect_error(kiln_model_run(model, inputs, outputs, NULL), "run with null symbol values");
  expect_error(kiln_model_run_profiled(model, inputs, outputs, symbols, NULL),
               "profiled run with null kernel times");
  if (kiln_model_num_kernels(model) <= 4096)
    expect_error(kiln_model_run_profiled(model, null_inputs, outputs, symbols, kernel_ms),
                 "profiled run with a null input buffer");
  const int64_t bad_batches[] = {0, -1, -3, INT32_MIN, INT64_MIN, (int64_t)1 << 31,
                                 (int64_t)1 << 40, INT64_MAX};
  for (size_t i = 0; i < sizeof bad_batches / sizeof bad_batches[0]; ++i) {
    char what[96];
    snprintf(what, sizeof what, "run with batch %lld", (long long)bad_batches[i]);
    symbols[0] = bad_batches[i];
    expect_error(kiln_model_run(model, inputs, outputs, symbols), what);
  }
  /* A batch whose buffers pass 2^31 elements: refused before anything is allocated or read
   * (the caller's buffers are the batch-2 ones, far too small). */
  const int64_t per_item = count_of(model, input, 1);
  symbols[0] = ((int64_t)1 << 31) / (per_item > 0 ? per_item : 1) + 1;
  {
    char what[96];
    snprintf(what, sizeof what, "run with batch %lld (input over 2^31 elements)",
             (long long)symbols[0]);
    expect_error(kiln_model_run(model, inputs, outputs, symbols), what);
  }

  /* A batch whose input fits but whose intermediates pass 2^31 elements (the first convolution
   * of the MNIST CNN has 32 channels of 28x28): refused before the arena is allocated, which
   * AddressSanitizer would report as an allocation too large. */
  symbols[0] = (int64_t)1 << 20;
  expect_error(kiln_model_run(model, inputs, outputs, symbols),
               "run with batch 2^20 (intermediates over 2^31 elements)");

  /* The mistakes left no trace: the same run gives the same bits. */
  memset(out, 0, (size_t)out_count * sizeof(float));
  check(run_once(model, in, out, 2) == KILN_OK && kiln_runtime_last_error()[0] == '\0',
        "a good run after the errors succeeds and clears the error");
  check(memcmp(out, first, (size_t)out_count * sizeof(float)) == 0,
        "its outputs are bit-identical to the first run's");
  free(in);
  free(first);
  free(out);
  kiln_model_close(model);
  return 0;
}

enum { kThreads = 8, kRunsPerThread = 500 };

typedef struct {
  kiln_model* model;
  const float* input;
  const float* expected;
  int64_t out_count;
  int mismatches;
  int errors;
} thread_job;

static void* run_many(void* arg) {
  thread_job* job = (thread_job*)arg;
  float* out = (float*)malloc((size_t)job->out_count * sizeof(float));
  for (int r = 0; r < kRunsPerThread; ++r) {
    memset(out, 0xff, (size_t)job->out_count * sizeof(float));
    if (run_once(job->model, job->input, out, 1) != KILN_OK) {
      job->errors++;
      continue;
    }
    if (memcmp(out, job->expected, (size_t)job->out_count * sizeof(float)) != 0) job->mismatches++;
  }
  free(out);
  return NULL;
}

static int check_threads(const char* library) {
  kiln_model* model = kiln_model_open(library);
  if (!model) {
    printf("FAILED: open %s: %s\n", library, kiln_runtime_last_error());
    return 1;
  }
  const int64_t in_count = count_of(model, kiln_model_input(model, 0), 1);
  const int64_t out_count = count_of(model, kiln_model_output(model, 0), 1);
  float* inputs[kThreads];
  float* expected[kThreads];
  thread_job jobs[kThreads];
  pthread_t threads[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    inputs[t] = make_input(in_count, t);
    expected[t] = (float*)malloc((size_t)out_count * sizeof(float));
    if (run_once(model, inputs[t], expected[t], 1) != KILN_OK) {
      printf("FAILED: serial run: %s\n", kiln_runtime_last_error());
      return 1;
    }
    jobs[t] = (thread_job){model, inputs[t], expected[t], out_count, 0, 0};
  }
  for (int t = 0; t < kThreads; ++t) pthread_create(&threads[t], NULL, run_many, &jobs[t]);
  int mismatches = 0, errors = 0;
  for (int t = 0; t < kThreads; ++t) {
    pthread_join(threads[t], NULL);
    mismatches += jobs[t].mismatches;
    errors += jobs[t].errors;
  }
  printf("%d threads x %d runs: %d errors, %d outputs differing from the serial run\n", kThreads,
         kRunsPerThread, errors, mismatches);
  check(errors == 0 && mismatches == 0, "concurrent runs are bit-identical to serial ones");
  for (int t = 0; t < kThreads; ++t) {
    free(inputs[t]);
    free(expected[t]);
  }
  kiln_model_close(model);
  return 0;
}

/* Resident set size in KiB, from /proc/self/statm. */
static long resident_kib(void) {
  long pages_total = 0, pages_resident = 0;
  FILE* statm = fopen("/proc/self/statm", "r");
  if (!statm) return -1;
  if (fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = -1;
  fclose(statm);
  return pages_resident < 0 ? -1 : pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int check_reopen(const char* library) {
  enum { kCycles = 1000, kWarmup = 100 };
  long after_warmup = 0;
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    kiln_model* model = kiln_model_open(library);
    if (!model) {
      printf("FAILED: open %d: %s\n", cycle, kiln_runtime_last_error());
      return 1;
    }
    if (cycle % 10 == 1) { /* a run now and then, so the thread pool and arenas come and go */
      const int64_t in_count = count_of(model, kiln_model_input(model, 0), 1);
      const int64_t out_count = count_of(model, kiln_model_output(model, 0), 1);
      float* in = make_input(in_count, cycle);
      float* out = (float*)malloc((size_t)out_count * sizeof(float));
      kiln_model_set_num_threads(model, 2);
      if (run_once(model, in, out, 1) != KILN_OK) {
        printf("FAILED: run in cycle %d: %s\n", cycle, kiln_runtime_last_error());
        return 1;
      }
      free(in);
      free(out);
    }
    kiln_model_close(model);
    if (cycle == kWarmup) after_warmup = resident_kib();
  }
  const long at_end = resident_kib();
  printf("resident memory after %d open/run/close cycles: %ld KiB; after %d: %ld KiB\n", kWarmup,
         after_warmup, kCycles, at_end);
  check(at_end - after_warmup < 16 * 1024, "memory grows by under 16 MiB over 900 more cycles");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: library_safety errors|threads|reopen LIBRARY.so [NOT_A_LIBRARY]\n");
    return 2;
  }
  int setup_failed = 0;
  if (strcmp(argv[1], "errors") == 0)
    setup_failed = check_errors(argv[2], argc > 3 ? argv[3] : NULL);
  else if (strcmp(argv[1], "threads") == 0)
    setup_failed = check_threads(argv[2]);
  else if (strcmp(argv[1], "reopen") == 0)
    setup_failed = check_reopen(argv[2]);
  else
    return 2;
  return setup_failed || failures ? 1 : 0;
}
