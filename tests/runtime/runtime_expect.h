/* runtime_expect.h: the check the C tests of runtime/ share: EXPECT(cond) reports a failed
 * condition with its file and line and counts it in `failures`; main returns non-zero when any
 * failed. Include once per test program. */
#ifndef KILN_TESTS_RUNTIME_EXPECT_H
#define KILN_TESTS_RUNTIME_EXPECT_H

#include <stdio.h>

static int failures;
#define EXPECT(cond)                                                      \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                         \
    }                                                                     \
  } while (0)

#endif
