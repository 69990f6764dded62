/* buffer_cache_test.c: unit test of runtime/kiln_buffer_cache.c, the halide_malloc/halide_free
 * pair compiled into every model library: alignment, reuse of freed blocks, the size fit rule,
 * blocks over the cache limit, and concurrent use from several threads. Exits non-zero on failure.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../runtime/kiln_buffer_cache.c"
#include "runtime_expect.h"

static void* churn(void* arg) {
  const size_t base = (size_t)(uintptr_t)arg;
  for (int i = 0; i < 2000; ++i) {
    const size_t size = base + (size_t)(i % 7) * 5000;
    unsigned char* p = halide_malloc(NULL, size);
    if (!p) return (void*)1;
    memset(p, i & 0xff, size);
    for (size_t k = 0; k < size; k += 997)
      if (p[k] != (unsigned char)(i & 0xff)) return (void*)1;
    halide_free(NULL, p);
  }
  return NULL;
}

int main(void) {
  void* a = halide_malloc(NULL, 1000000);
  EXPECT(a != NULL);
  EXPECT(((uintptr_t)a % KILN_CACHE_ALIGNMENT) == 0);
  memset(a, 1, 1000000);
  halide_free(NULL, a);
  /* The same size, and a slightly smaller one, reuse the freed block. */
  void* b = halide_malloc(NULL, 1000000);
  EXPECT(b == a);
  halide_free(NULL, b);
  void* c = halide_malloc(NULL, 900000);
  EXPECT(c == a);
  /* A much smaller request does not take a big block (it would waste most of it). */
  halide_free(NULL, c);
  void* small = halide_malloc(NULL, 1000);
  EXPECT(small != a);
  halide_free(NULL, small);
  /* A block larger than the cache limit goes back to the system, and nothing breaks. */
  void* huge = halide_malloc(NULL, KILN_CACHE_MAX_BYTES + 4096);
  if (huge) halide_free(NULL, huge);
  EXPECT(kiln_cache_bytes <= KILN_CACHE_MAX_BYTES);
  halide_free(NULL, NULL);

  pthread_t threads[4];
  for (int t = 0; t < 4; ++t)
    pthread_create(&threads[t], NULL, churn, (void*)(uintptr_t)(10000 + 30000 * t));
  for (int t = 0; t < 4; ++t) {
    void* result = NULL;
    pthread_join(threads[t], &result);
    EXPECT(result == NULL);
  }
  if (failures) return 1;
  printf("buffer cache: all checks passed\n");
  return 0;
}
