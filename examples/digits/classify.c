/* classify.c: the example program. It classifies held-out 8x8 digits with the Kiln-compiled
 * library through its generated header (digits.h) and prints its accuracy beside PyTorch's. */
#include <stdio.h>
#include <stdlib.h>

#include "digits.h"

static void* read_file(const char* path, long* size) {
  FILE* file = fopen(path, "rb");
  if (!file) return NULL;
  fseek(file, 0, SEEK_END);
  *size = ftell(file);
  fseek(file, 0, SEEK_SET);
  void* data = malloc(*size > 0 ? (size_t)*size : 1);
  if (data && fread(data, 1, (size_t)*size, file) != (size_t)*size) {
    free(data);
    data = NULL;
  }
  fclose(file);
  return data;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  char path[4096];
  long images_size = 0, labels_size = 0;
  snprintf(path, sizeof path, "%s/test_images.f32", argv[1]);
  float* images = (float*)read_file(path, &images_size);
  snprintf(path, sizeof path, "%s/test_labels.i64", argv[1]);
  int64_t* labels = (int64_t*)read_file(path, &labels_size);
  if (!images || !labels) {
    fprintf(stderr, "cannot read the test data in %s\n", argv[1]);
    return 2;
  }
  int64_t count = labels_size / (long)sizeof(int64_t);
  float* probabilities = (float*)malloc((size_t)count * 10 * sizeof(float));

  /* One call classifies the whole held-out set: the batch dimension is symbolic. */
  digits_inputs inputs = {.batch = count, .image = images};
  digits_outputs outputs = {.probabilities = probabilities};
  if (digits_run(&inputs, &outputs) != 0) {
    fprintf(stderr, "digits_run failed: %s\n", digits_last_error());
    return 1;
  }
  int64_t correct = 0;
  for (int64_t i = 0; i < count; ++i) {
    int best = 0;
    for (int c = 1; c < 10; ++c)
      if (probabilities[i * 10 + c] > probabilities[i * 10 + best]) best = c;
    correct += best == labels[i];
  }
  double pytorch_accuracy = 0;
  snprintf(path, sizeof path, "%s/pytorch_accuracy.txt", argv[1]);
  FILE* file = fopen(path, "r");
  if (file) {
    if (fscanf(file, "%lf", &pytorch_accuracy) != 1) pytorch_accuracy = 0;
    fclose(file);
  }
  printf("classified %lld held-out digits: Kiln accuracy %.4f, PyTorch accuracy %.4f\n",
         (long long)count, (double)correct / (double)count, pytorch_accuracy);
  free(images);
  free(labels);
  free(probabilities);
  return 0;
}
