/* kiln_thread_pool.c: the thread pool compiled into every Kiln model library.
 *
 * A model runs its kernels one after another, each with one or two parallel loops of a few to a
 * few hundred microseconds (MobileNetV2 at batch 1: ~50 kernels in ~4 ms). Halide 14's own pool
 * lets its workers spin only briefly before they sleep on a condition variable, so nearly every
 * loop pays for waking a sleeping thread (tens of microseconds, more on a VM, where the idle vCPU
 * is halted), and small layers ran slower on two threads than on one. This pool replaces the
 * Halide runtime's weak halide_do_par_for, halide_set_num_threads and halide_shutdown_thread_pool:
 * its workers spin for KILN_POOL_SPIN_NS after their last loop before sleeping, so a model's
 * loops find them awake, as ONNX Runtime's and oneDNN's pools do.
 *
 * One parallel loop runs on the pool at a time. A loop started while the pool is busy (a second
 * thread calling the model, or a loop nested in a task) runs serially on its caller, which is
 * always correct and never deadlocks. Iterations are claimed in runs of about a quarter of a
 * thread's share with a compare-and-swap on a word holding the loop's number and its next index,
 * so a worker that wakes late for a finished loop can never claim an iteration of the next one. A
 * task that fails stops further claims; the loop returns the first failure. `kiln compile` embeds
 * this text in NAME_wrapper.c (after the Halide runtime header), and the tuner links it into its
 * candidates, so candidates are timed with the pool the library runs with; it is also compiled on
 * its own by the runtime tests.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define KILN_POOL_MAX_WORKERS 63
#define KILN_POOL_SPIN_NS 2000000LL /* 2 ms: longer than a model's gaps between loops */
#define KILN_POOL_CLOSED 0xffffffffu

typedef int (*kiln_pool_task_fn)(void* user_context, int index, uint8_t* closure);

/* The loop on the pool: written by its caller before it is published, read by the workers (a
 * late worker may read the next loop's values; its claim then fails, so they are never used).
 * Relaxed atomics: the publication of kiln_loop_state orders them. */
static _Atomic(kiln_pool_task_fn) kiln_loop_task;
static _Atomic(void*) kiln_loop_user_context;
static _Atomic(uint8_t*) kiln_loop_closure;
static atomic_int kiln_loop_min;
static atomic_uint kiln_loop_size;
static atomic_int kiln_loop_workers; /* workers allowed to join: threads - 1 */
static atomic_uint kiln_loop_chunk;  /* iterations taken per claim */
/* (loop number << 32) | next index; KILN_POOL_CLOSED as the index once the loop is closed. */
static _Atomic uint64_t kiln_loop_state;
static atomic_uint kiln_loop_done;  /* iterations finished */
static atomic_int kiln_loop_status; /* first nonzero task result */

static pthread_mutex_t kiln_pool_owner = PTHREAD_MUTEX_INITIALIZER;   /* held while a loop runs */
static pthread_mutex_t kiln_pool_control = PTHREAD_MUTEX_INITIALIZER; /* start/stop, threads */
static pthread_mutex_t kiln_pool_sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kiln_pool_wakeup = PTHREAD_COND_INITIALIZER;
static int kiln_pool_sleepers; /* under kiln_pool_sleep_lock */
static atomic_int kiln_pool_stopping;
static pthread_t kiln_pool_threads[KILN_POOL_MAX_WORKERS];
static atomic_int kiln_pool_started; /* workers running; changed under kiln_pool_control */
static atomic_int kiln_pool_wanted;  /* halide_set_num_threads; 0: the default */

static void kiln_pool_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long long kiln_pool_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The threads a loop may use: halide_set_num_threads' count, else HL_NUM_THREADS, else cores. */
static int kiln_pool_thread_count(void) {
  int n = atomic_load_explicit(&kiln_pool_wanted, memory_order_relaxed);
  if (n <= 0) {
    const char* env = getenv("HL_NUM_THREADS");
    n = env ? atoi(env) : 0;
  }
  if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > KILN_POOL_MAX_WORKERS + 1) n = KILN_POOL_MAX_WORKERS + 1;
  return n;
}

/* Claims and runs iterations of loop `number` until it has none left, is closed or failed. */
static void kiln_pool_run_claims(uint32_t number) {
  uint64_t state = atomic_load_explicit(&kiln_loop_state, memory_order_acquire);
  const kiln_pool_task_fn task = atomic_load_explicit(&kiln_loop_task, memory_order_relaxed);
  void* const user_context = atomic_load_explicit(&kiln_loop_user_context, memory_order_relaxed);
  uint8_t* const closure = atomic_load_explicit(&kiln_loop_closure, memory_order_relaxed);
  const int min = atomic_load_explicit(&kiln_loop_min, memory_order_relaxed);
  const uint32_t size = atomic_load_explicit(&kiln_loop_size, memory_order_relaxed);
  const uint32_t chunk = atomic_load_explicit(&kiln_loop_chunk, memory_order_relaxed);
  for (;;) {
    const uint32_t index = (uint32_t)state;
    if ((uint32_t)(state >> 32) != number || index >= size) return;
    if (atomic_load_explicit(&kiln_loop_status, memory_order_relaxed) != 0) return;
    const uint32_t claim = chunk < size - index ? chunk : size - index;
    /* A successful claim proves the loop was still open, so the fields read above were its own. */
    if (!atomic_compare_exchange_weak_explicit(&kiln_loop_state, &state, state + claim,
                                               memory_order_acq_rel, memory_order_acquire))
      continue;
    for (uint32_t i = 0; i < claim; ++i) {
      const int result = task(user_context, min + (int)(index + i), closure);
      if (result != 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&kiln_loop_status, &expected, result);
        break;
      }
    }
    atomic_fetch_add_explicit(&kiln_loop_done, claim, memory_order_release);
    state = atomic_load_explicit(&kiln_loop_state, memory_order_acquire);
  }
}

static void* kiln_pool_worker(void* arg) {
  const int seat = (int)(intptr_t)arg;
  uint32_t seen = (uint32_t)(atomic_load(&kiln_loop_state) >> 32);
  for (;;) {
    /* Wait for a new loop: spin first, then sleep. */
    const long long spin_until = kiln_pool_now_ns() + KILN_POOL_SPIN_NS;
    uint64_t state;
    int spins = 0;
    for (;;) {
      state = atomic_load_explicit(&kiln_loop_state, memory_order_acquire);
      if ((uint32_t)(state >> 32) != seen || atomic_load(&kiln_pool_stopping)) break;
      kiln_pool_pause();
      if ((++spins & 255) == 0 && kiln_pool_now_ns() > spin_until) {
        pthread_mutex_lock(&kiln_pool_sleep_lock);
        ++kiln_pool_sleepers;
        while ((uint32_t)(atomic_load(&kiln_loop_state) >> 32) == seen &&
               !atomic_load(&kiln_pool_stopping))
          pthread_cond_wait(&kiln_pool_wakeup, &kiln_pool_sleep_lock);
        --kiln_pool_sleepers;
        pthread_mutex_unlock(&kiln_pool_sleep_lock);
        state = atomic_load_explicit(&kiln_loop_state, memory_order_acquire);
        break;
      }
    }
    if (atomic_load(&kiln_pool_stopping)) return NULL;
    seen = (uint32_t)(state >> 32);
    if (seat < atomic_load_explicit(&kiln_loop_workers, memory_order_relaxed))
      kiln_pool_run_claims(seen);
  }
}

/* Starts workers up to `count`; a loop's caller, so the lock is taken only when some are missing.
 */
static void kiln_pool_start(int count) {
  if (atomic_load_explicit(&kiln_pool_started, memory_order_acquire) >= count) return;
  pthread_mutex_lock(&kiln_pool_control);
  for (int started = atomic_load(&kiln_pool_started); started < count; ++started) {
    if (pthread_create(&kiln_pool_threads[started], NULL, kiln_pool_worker,
                       (void*)(intptr_t)started) != 0)
      break; /* fewer workers: the caller claims the rest */
    atomic_store_explicit(&kiln_pool_started, started + 1, memory_order_release);
  }
  pthread_mutex_unlock(&kiln_pool_control);
}

__attribute__((visibility("hidden"))) void halide_shutdown_thread_pool(void) {
  pthread_mutex_lock(&kiln_pool_control);
  const int started = atomic_load(&kiln_pool_started);
  if (started > 0) {
    atomic_store(&kiln_pool_stopping, 1);
    pthread_mutex_lock(&kiln_pool_sleep_lock);
    pthread_cond_broadcast(&kiln_pool_wakeup);
    pthread_mutex_unlock(&kiln_pool_sleep_lock);
    for (int i = 0; i < started; ++i) pthread_join(kiln_pool_threads[i], NULL);
    atomic_store(&kiln_pool_started, 0);
    atomic_store(&kiln_pool_stopping, 0);
  }
  pthread_mutex_unlock(&kiln_pool_control);
}

/* The workers must be gone before the library is unmapped (dlclose). */
__attribute__((destructor)) static void kiln_pool_unload(void) {
  halide_shutdown_thread_pool();
}

__attribute__((visibility("hidden"))) int halide_set_num_threads(int n) {
  const int before = kiln_pool_thread_count();
  atomic_store(&kiln_pool_wanted, n < 0 ? 0 : n);
  /* Workers beyond the new count would still wake and spin after every loop without joining
   * it: stop them all; the next loop starts the ones it needs. */
  if (atomic_load(&kiln_pool_started) > kiln_pool_thread_count() - 1) halide_shutdown_thread_pool();
  return before;
}

__attribute__((visibility("hidden"))) int halide_do_par_for(void* user_context,
                                                            kiln_pool_task_fn task, int min,
                                                            int size, uint8_t* closure) {
  if (size <= 0) return 0;
  const int threads = kiln_pool_thread_count();
  if (threads <= 1 || size == 1 || pthread_mutex_trylock(&kiln_pool_owner) != 0) {
    for (int i = 0; i < size; ++i) {
      const int result = task(user_context, min + i, closure);
      if (result != 0) return result;
    }
    return 0;
  }
  const int workers = threads - 1 < size - 1 ? threads - 1 : size - 1;
  kiln_pool_start(workers);

  atomic_store_explicit(&kiln_loop_task, task, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_user_context, user_context, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_closure, closure, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_min, min, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_size, (uint32_t)size, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_workers, workers, memory_order_relaxed);
  /* About four claims per thread: a loop of many tiny iterations (a channel shuffle's 464 rows
   * of 49 values) would otherwise pay a contended compare-and-swap per iteration, and the loops
   * of big tasks (a few per thread, sized by the schedules) keep one iteration per claim. */
  const uint32_t chunk = (uint32_t)size / (4u * (uint32_t)(workers + 1));
  atomic_store_explicit(&kiln_loop_chunk, chunk > 0 ? chunk : 1, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_done, 0, memory_order_relaxed);
  atomic_store_explicit(&kiln_loop_status, 0, memory_order_relaxed);
  const uint32_t number =
      (uint32_t)(atomic_load_explicit(&kiln_loop_state, memory_order_relaxed) >> 32) + 1;
  atomic_store_explicit(&kiln_loop_state, (uint64_t)number << 32, memory_order_release);
  pthread_mutex_lock(&kiln_pool_sleep_lock);
  if (kiln_pool_sleepers > 0) pthread_cond_broadcast(&kiln_pool_wakeup);
  pthread_mutex_unlock(&kiln_pool_sleep_lock);

  kiln_pool_run_claims(number);
  /* Close the loop (no claims after this) and wait for the iterations claimed before. */
  uint64_t state = atomic_load(&kiln_loop_state);
  while (!atomic_compare_exchange_weak(&kiln_loop_state, &state,
                                       ((uint64_t)number << 32) | KILN_POOL_CLOSED)) {
  }
  uint32_t claimed = (uint32_t)state;
  if (claimed > (uint32_t)size) claimed = (uint32_t)size;
  while (atomic_load_explicit(&kiln_loop_done, memory_order_acquire) < claimed) kiln_pool_pause();
  const int status = atomic_load(&kiln_loop_status);
  pthread_mutex_unlock(&kiln_pool_owner);
  return status;
}
