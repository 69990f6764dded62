/* fma_peak.c: measures one core's peak fp32 fused-multiply-add throughput.
 *
 * The benchmark driver (run_bench.py) compiles this with -O2 -march=native and divides every
 * model's achieved GFLOP/s by the number printed here, so "% of peak" is relative to what this
 * machine really sustains rather than a datasheet figure. Many independent accumulator chains
 * hide the FMA latency (4 cycles x up to 2 ports needs at least 8 chains); the best of several
 * timed repetitions is reported because a shared machine only ever makes a run slower.
 *
 * Output (one JSON line): {"gflops_per_core": G, "vector_bits": B, "chains": C}
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define VEC_BITS 512
#define VEC_SET1 _mm512_set1_ps
#define VEC_FMA _mm512_fmadd_ps
#define VEC_ADD _mm512_add_ps
static float horizontal_sum(vec v) {
  return _mm512_reduce_add_ps(v);
}
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define VEC_BITS 256
#define VEC_SET1 _mm256_set1_ps
#define VEC_FMA _mm256_fmadd_ps
#define VEC_ADD _mm256_add_ps
static float horizontal_sum(vec v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float sum = 0.0f;
  for (int i = 0; i < 8; ++i) sum += lanes[i];
  return sum;
}
#else
#error "fma_peak.c needs AVX2+FMA or AVX-512 (compile with -march=native)"
#endif

enum { kChains = 12, kLanes = VEC_BITS / 32, kIterations = 50 * 1000 * 1000, kRepetitions = 7 };

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs kIterations rounds of kChains independent FMAs; returns a sum so nothing is elided.
 * The chains are named variables, not an array, so they stay in registers at -O2. The
 * multiplier sits just below 1 so the accumulators converge instead of overflowing. */
static float fma_loop(float seed) {
  const vec multiplier = VEC_SET1(0.9999999f);
  const vec addend = VEC_SET1(1e-7f);
  vec a0 = VEC_SET1(seed), a1 = VEC_SET1(seed + 1), a2 = VEC_SET1(seed + 2);
  vec a3 = VEC_SET1(seed + 3), a4 = VEC_SET1(seed + 4), a5 = VEC_SET1(seed + 5);
  vec a6 = VEC_SET1(seed + 6), a7 = VEC_SET1(seed + 7), a8 = VEC_SET1(seed + 8);
  vec a9 = VEC_SET1(seed + 9), a10 = VEC_SET1(seed + 10), a11 = VEC_SET1(seed + 11);
  for (long i = 0; i < kIterations; ++i) {
    a0 = VEC_FMA(a0, multiplier, addend);
    a1 = VEC_FMA(a1, multiplier, addend);
    a2 = VEC_FMA(a2, multiplier, addend);
    a3 = VEC_FMA(a3, multiplier, addend);
    a4 = VEC_FMA(a4, multiplier, addend);
    a5 = VEC_FMA(a5, multiplier, addend);
    a6 = VEC_FMA(a6, multiplier, addend);
    a7 = VEC_FMA(a7, multiplier, addend);
    a8 = VEC_FMA(a8, multiplier, addend);
    a9 = VEC_FMA(a9, multiplier, addend);
    a10 = VEC_FMA(a10, multiplier, addend);
    a11 = VEC_FMA(a11, multiplier, addend);
    /* Keeps the compiler from folding the loop into a closed form. */
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3));
  }
  vec total =
      VEC_ADD(VEC_ADD(VEC_ADD(a0, a1), VEC_ADD(a2, a3)), VEC_ADD(VEC_ADD(a4, a5), VEC_ADD(a6, a7)));
  total = VEC_ADD(total, VEC_ADD(VEC_ADD(a8, a9), VEC_ADD(a10, a11)));
  return horizontal_sum(total);
}

int main(void) {
  const double flops_per_loop = 2.0 * kLanes * kChains * (double)kIterations;
  double best_gflops = 0.0;
  float checksum = 0.0f;
  fma_loop(1.0f); /* warm-up: brings the core out of low-power states */
  for (int r = 0; r < kRepetitions; ++r) {
    const double start = now_seconds();
    checksum += fma_loop((float)r);
    const double gflops = flops_per_loop / (now_seconds() - start) * 1e-9;
    if (gflops > best_gflops) best_gflops = gflops;
  }
  printf("{\"gflops_per_core\": %.2f, \"vector_bits\": %d, \"chains\": %d, \"checksum\": %.3f}\n",
         best_gflops, VEC_BITS, kChains, (double)checksum);
  return 0;
}
