/* kiln_memory_plan.c: the arena plan of a Kiln model library's intermediate tensors.
 *
 * Each intermediate tensor lives from the kernel that writes it to the last kernel that reads
 * it. Tensors whose lifetimes do not overlap may share bytes of one arena. The plan is the
 * greedy-by-size heuristic that inference runtimes use (TFLite's arena planner, for one):
 * place tensors from the largest down, each at the lowest 64-byte-aligned offset where it does
 * not overlap a tensor already placed whose lifetime intersects its own. The result is never
 * larger than the sum of the sizes and usually close to the largest set of tensors alive at
 * once. `kiln compile` embeds this text in NAME_wrapper.c (the plan is made at run time, once
 * per batch size); the compiler also compiles it to report the arena size at build time. Valid
 * C and C++; no allocation. */
#include <stddef.h>
#include <stdint.h>

#define KILN_PLAN_ALIGNMENT 64u

/* One tensor to place: its bytes and the first and last kernel (run order) that touch it. */
typedef struct kiln_plan_tensor {
  uint64_t bytes;
  int32_t first;
  int32_t last;
} kiln_plan_tensor;

static uint64_t kiln_plan_align(uint64_t bytes) {
  return (bytes + KILN_PLAN_ALIGNMENT - 1) / KILN_PLAN_ALIGNMENT * KILN_PLAN_ALIGNMENT;
}

/* Places `count` tensors; writes each one's offset and returns the arena size (0 when the sizes
 * overflow). `order` is scratch space for `count` indices. */
static uint64_t kiln_plan_arena(const kiln_plan_tensor* tensors, int32_t count, uint64_t* offsets,
                                int32_t* order) {
  int32_t i, j, k;
  uint64_t arena = 0;
  /* Indices by size, largest first (insertion sort: stable, and count is small). */
  for (i = 0; i < count; ++i) {
    int32_t v = i;
    for (j = i; j > 0 && tensors[order[j - 1]].bytes < tensors[v].bytes; --j)
      order[j] = order[j - 1];
    order[j] = v;
  }
  for (i = 0; i < count; ++i) {
    const int32_t t = order[i];
    const uint64_t size = kiln_plan_align(tensors[t].bytes);
    uint64_t candidate = 0;
    int moved = 1;
    if (size < tensors[t].bytes) return 0;
    /* Raise the candidate past every placed, live-overlapping tensor it collides with until
     * none does; each raise goes to the end of a placed tensor, so this ends. */
    while (moved) {
      moved = 0;
      for (k = 0; k < i; ++k) {
        const int32_t p = order[k];
        const uint64_t p_end = offsets[p] + kiln_plan_align(tensors[p].bytes);
        if (tensors[p].last < tensors[t].first || tensors[t].last < tensors[p].first) continue;
        if (candidate < p_end && offsets[p] < candidate + size) {
          candidate = p_end;
          moved = 1;
        }
      }
    }
    offsets[t] = candidate;
    if (candidate + size < candidate) return 0;
    if (candidate + size > arena) arena = candidate + size;
  }
  return arena;
}
