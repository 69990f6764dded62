/* thread_pool_test.c: unit test of runtime/kiln_thread_pool.c, the halide_do_par_for pool
 * compiled into every model library: every iteration runs exactly once, on several threads, over
 * many back-to-back loops (a late worker never claims an iteration of the next loop); many small
 * iterations are claimed in runs, each on one thread; the first
 * failure is returned and stops further claims; loops from concurrent callers and loops nested in
 * a task run serially on their caller and stay correct; lowering the thread count stops the
 * surplus workers; one thread keeps a loop on its caller; shutting the pool down and starting it
 * again works. Exits non-zero on failure. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../runtime/kiln_thread_pool.c"
#include "runtime_expect.h"

#define MAX_SIZE 512

struct counts {
  atomic_int hits[MAX_SIZE];
  pthread_t threads[MAX_SIZE];
  int fail_at; /* index whose task fails (-1: none) */
  int nested;  /* each task runs a nested loop of this size */
  atomic_int nested_hits;
};

static int count_task(void* user_context, int index, uint8_t* closure) {
  struct counts* c = (struct counts*)closure;
  (void)user_context;
  atomic_fetch_add(&c->hits[index], 1);
  c->threads[index] = pthread_self();
  if (c->nested > 0) {
    struct counts* inner = calloc(1, sizeof *inner);
    inner->fail_at = -1;
    const int status = halide_do_par_for(NULL, count_task, 0, c->nested, (uint8_t*)inner);
    for (int i = 0; i < c->nested; ++i)
      atomic_fetch_add(&c->nested_hits, atomic_load(&inner->hits[i]));
    free(inner);
    if (status != 0) return status;
  }
  return index == c->fail_at ? -7 : 0;
}

static atomic_int other_thread_ran;
static _Atomic(pthread_t) first_thread;
static int wait_for_other_thread(void* user_context, int index, uint8_t* closure) {
  (void)user_context;
  (void)closure;
  if (index == 0) {
    atomic_store(&first_thread, pthread_self());
    for (int i = 0; i < 10000 && !atomic_load(&other_thread_ran); ++i)
      nanosleep(&(struct timespec){0, 1000000}, NULL);
  } else if (!pthread_equal(pthread_self(), atomic_load(&first_thread))) {
    atomic_store(&other_thread_ran, 1);
  }
  return 0;
}

/* Runs `loops` loops of `size` iterations; returns how many iterations did not run exactly once. */
static int run_loops(int loops, int size) {
  int wrong = 0;
  struct counts* c = calloc(1, sizeof *c);
  for (int loop = 0; loop < loops; ++loop) {
    memset(c, 0, sizeof *c);
    c->fail_at = -1;
    if (halide_do_par_for(NULL, count_task, 0, size, (uint8_t*)c) != 0) ++wrong;
    for (int i = 0; i < size; ++i) wrong += atomic_load(&c->hits[i]) != 1;
  }
  free(c);
  return wrong;
}

static void* caller(void* arg) {
  (void)arg;
  return (void*)(intptr_t)run_loops(2000, 37);
}

int main(void) {
  halide_set_num_threads(4);
  EXPECT(run_loops(20000, 3) == 0); /* short loops back to back: the stale-claim race */
  EXPECT(run_loops(2000, MAX_SIZE) == 0);
  EXPECT(halide_do_par_for(NULL, count_task, 0, 0, NULL) == 0);

  /* Iterations run on the workers too: the first waits (up to 10 s) until another thread has run
   * one, which a busy machine may take a while to schedule. */
  EXPECT(halide_do_par_for(NULL, wait_for_other_thread, 0, 8, NULL) == 0);
  EXPECT(atomic_load(&other_thread_ran));
  struct counts* c = calloc(1, sizeof *c);

  /* Many small iterations are claimed in runs of size / (4 x threads): 512 on 4 threads in runs
   * of 32, each run on one thread. */
  memset(c, 0, sizeof *c);
  c->fail_at = -1;
  EXPECT(halide_do_par_for(NULL, count_task, 0, MAX_SIZE, (uint8_t*)c) == 0);
  for (int run = 0; run < MAX_SIZE; run += 32)
    for (int i = run + 1; i < run + 32; ++i) EXPECT(pthread_equal(c->threads[i], c->threads[run]));

  /* The first failure is returned. */
  memset(c, 0, sizeof *c);
  c->fail_at = 100;
  EXPECT(halide_do_par_for(NULL, count_task, 0, MAX_SIZE, (uint8_t*)c) == -7);
  EXPECT(atomic_load(&c->hits[100]) == 1);

  /* A loop nested in a task runs serially on the task's thread. */
  memset(c, 0, sizeof *c);
  c->fail_at = -1;
  c->nested = 5;
  EXPECT(halide_do_par_for(NULL, count_task, 0, 64, (uint8_t*)c) == 0);
  EXPECT(atomic_load(&c->nested_hits) == 64 * 5);

  /* Concurrent callers. */
  pthread_t callers[4];
  for (int i = 0; i < 4; ++i) pthread_create(&callers[i], NULL, caller, NULL);
  for (int i = 0; i < 4; ++i) {
    void* wrong = NULL;
    pthread_join(callers[i], &wrong);
    EXPECT(wrong == NULL);
  }

  /* Lowering the count stops the surplus workers; the next loop starts only those it needs. */
  EXPECT(atomic_load(&kiln_pool_started) == 3);
  halide_set_num_threads(2);
  EXPECT(atomic_load(&kiln_pool_started) == 0);
  EXPECT(run_loops(100, 64) == 0);
  EXPECT(atomic_load(&kiln_pool_started) == 1);

  /* One thread: everything on the caller. */
  halide_set_num_threads(1);
  memset(c, 0, sizeof *c);
  c->fail_at = -1;
  c->nested = 0;
  EXPECT(halide_do_par_for(NULL, count_task, 0, MAX_SIZE, (uint8_t*)c) == 0);
  for (int i = 0; i < MAX_SIZE; ++i) EXPECT(pthread_equal(c->threads[i], pthread_self()));

  /* Shut down, then loops start the workers again. */
  halide_shutdown_thread_pool();
  halide_set_num_threads(3);
  EXPECT(run_loops(500, 64) == 0);
  halide_shutdown_thread_pool();
  EXPECT(run_loops(100, 64) == 0);
  free(c);
  halide_shutdown_thread_pool();
  printf("%s\n", failures ? "FAILED" : "passed");
  return failures ? 1 : 0;
}
