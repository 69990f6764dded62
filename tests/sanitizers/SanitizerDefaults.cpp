// SanitizerDefaults.cpp: the AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
// options of the sanitized unit tests in the fuzz build (tests/CMakeLists.txt), compiled in so
// that the tests run the same under ctest, by hand and at gtest discovery. Any report fails the
// test; the suppressions (tests/sanitizers/*.supp) name third-party libraries only. Variables
// such as ASAN_OPTIONS still override these.

#define KILN_SUPPRESSIONS KILN_SOURCE_DIR "/tests/sanitizers/"

extern "C" {

/// Read by the ASan runtime at start-up.
__attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "detect_leaks=1:halt_on_error=1:allocator_may_return_null=1:suppressions=" KILN_SUPPRESSIONS
         "asan.supp";
}

/// Read by LeakSanitizer at start-up.
__attribute__((used, visibility("default"))) const char* __lsan_default_options() {
  return "print_suppressions=0:suppressions=" KILN_SUPPRESSIONS "lsan.supp";
}

/// Read by UBSan at start-up.
__attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:suppressions=" KILN_SUPPRESSIONS "ubsan.supp";
}
}
