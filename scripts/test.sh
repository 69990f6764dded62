#!/usr/bin/env bash
# test.sh: on a fresh machine, installs Kiln's dependencies, builds it and runs the whole test
# suite.
#
# Usage: scripts/test.sh                   the whole suite (what CI runs): every CTest tier in
#                                          build/, then the sanitized tier of build-fuzz/ (the
#                                          unit tests of the Halide-free libraries and the
#                                          runtime under ASan and UBSan, and every fuzz target
#                                          for a few seconds)
#        scripts/test.sh --sanitize [TIERS] the build under AddressSanitizer and
#                                          UndefinedBehaviorSanitizer (build-asan/) and the CTest
#                                          labels TIERS, a regex (default 'unit|golden|e2e')
# Fuzzing is scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="$(nproc)"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Units compiled against the precompiled Halide.h are cached only with this sloppiness.
  export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros}"
fi

# Builds build-asan/ with -fsanitize=address,undefined (gcc, -O1) and runs the tiers matching $1 there.
# Suppressions cover third-party libraries only (tests/sanitizers/, each with its reason).
run_sanitized() {
  local tiers="$1"
  # -O1 -g1 (line tables for the reports' stack traces) compiles in half the time of -O2 -g.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    "${launcher[@]}" >/dev/null
  cmake --build build-asan -j"$jobs"
  local supp="$PWD/tests/sanitizers"
  export KILN_SANITIZE=1
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:allocator_may_return_null=1:suppressions=$supp/asan.supp"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L "$tiers"
}

if [[ "${1:-}" == "--sanitize" ]]; then
  ./scripts/install-deps.sh
  run_sanitized "${2:-unit|golden|e2e}"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "test.sh: unknown argument '$1' (usage: scripts/test.sh [--sanitize [TIERS]])" >&2
  exit 2
fi

./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# The sanitized tier: clang, ASan + UBSan (build-fuzz/, KILN_FUZZ). Every fuzz target runs
# KILN_CI_FUZZ_SECONDS (default 10) from its seeds, then the whole unit tier runs sanitized: the
# IR, parsers, passes, reference backend, Halide backend, tuner and runtime (the tests read the
# models exported into build/).
./scripts/fuzz.sh all "${KILN_CI_FUZZ_SECONDS:-10}"
cmake --build build-fuzz -j"$jobs"
ctest --test-dir build-fuzz --output-on-failure -j"$jobs" -L unit
