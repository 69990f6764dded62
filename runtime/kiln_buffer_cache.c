/* kiln_buffer_cache.c: the buffer cache compiled into every Kiln model library.
 *
 * A compiled pipeline allocates its intermediate tensors (halide_malloc) at the start of a run
 * and frees them (halide_free) at its end. Large blocks come straight from the kernel (mmap),
 * so every run would fault in and zero megabytes of fresh pages. This file replaces the Halide
 * runtime's weak halide_malloc/halide_free with versions that keep freed blocks and hand them out
 * again, the way framework allocators cache device memory: after the first run a model reuses
 * the same buffers. At most KILN_CACHE_SLOTS blocks and KILN_CACHE_MAX_BYTES bytes are kept;
 * anything beyond is returned to the system. Thread-safe (one mutex; calls are per buffer, not
 * per element). `kiln compile` embeds this text in NAME_wrapper.c; it is also compiled on its own
 * by the runtime tests. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define KILN_CACHE_SLOTS 64
#define KILN_CACHE_ALIGNMENT 128
#define KILN_CACHE_GRANULE 4096
#define KILN_CACHE_MAX_BYTES ((size_t)1 << 30)

struct kiln_cached_block {
  unsigned char* base; /* what posix_memalign returned; the caller's pointer is base + ALIGNMENT */
  size_t size;         /* usable bytes */
};

static struct kiln_cached_block kiln_cache_slots[KILN_CACHE_SLOTS];
static size_t kiln_cache_bytes;
static pthread_mutex_t kiln_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Usable size stored in the header in front of the caller's pointer. */
static size_t* kiln_cache_header(unsigned char* base) { return (size_t*)base; }

__attribute__((visibility("hidden"))) void* halide_malloc(void* user_context, size_t size) {
  (void)user_context;
  if (size > SIZE_MAX - 2 * KILN_CACHE_GRANULE) return NULL;
  size = (size + KILN_CACHE_GRANULE - 1) / KILN_CACHE_GRANULE * KILN_CACHE_GRANULE;
  /* The smallest cached block that fits without wasting more than a quarter of itself. */
  pthread_mutex_lock(&kiln_cache_lock);
  int best = -1;
  for (int i = 0; i < KILN_CACHE_SLOTS; ++i) {
    const struct kiln_cached_block* block = &kiln_cache_slots[i];
    if (block->base && block->size >= size && block->size - size <= block->size / 4 &&
        (best < 0 || block->size < kiln_cache_slots[best].size))
      best = i;
  }
  unsigned char* base = NULL;
  if (best >= 0) {
    base = kiln_cache_slots[best].base;
    kiln_cache_bytes -= kiln_cache_slots[best].size;
    kiln_cache_slots[best].base = NULL;
  }
  pthread_mutex_unlock(&kiln_cache_lock);
  if (!base) {
    void* fresh = NULL;
    if (posix_memalign(&fresh, KILN_CACHE_ALIGNMENT, size + KILN_CACHE_ALIGNMENT) != 0)
      return NULL;
    base = (unsigned char*)fresh;
    *kiln_cache_header(base) = size;
  }
  return base + KILN_CACHE_ALIGNMENT;
}

__attribute__((visibility("hidden"))) void halide_free(void* user_context, void* ptr) {
  (void)user_context;
  if (!ptr) return;
  unsigned char* base = (unsigned char*)ptr - KILN_CACHE_ALIGNMENT;
  const size_t size = *kiln_cache_header(base);
  pthread_mutex_lock(&kiln_cache_lock);
  int slot = -1;
  if (kiln_cache_bytes + size <= KILN_CACHE_MAX_BYTES)
    for (int i = 0; i < KILN_CACHE_SLOTS && slot < 0; ++i)
      if (!kiln_cache_slots[i].base) slot = i;
  if (slot >= 0) {
    kiln_cache_slots[slot].base = base;
    kiln_cache_slots[slot].size = size;
    kiln_cache_bytes += size;
  }
  pthread_mutex_unlock(&kiln_cache_lock);
  if (slot < 0) free(base);
}

/* When the library is unloaded (dlclose, or process exit) the cached blocks go back to the
 * system: a process that opens and closes a model many times keeps no memory of it. No block is
 * in use then: a library is unloaded only between runs. */
__attribute__((destructor)) static void kiln_cache_release_at_unload(void) {
  pthread_mutex_lock(&kiln_cache_lock);
  for (int i = 0; i < KILN_CACHE_SLOTS; ++i) {
    free(kiln_cache_slots[i].base);
    kiln_cache_slots[i].base = NULL;
  }
  kiln_cache_bytes = 0;
  pthread_mutex_unlock(&kiln_cache_lock);
}
