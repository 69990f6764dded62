// Sanitized.h: whether a test program is compiled with AddressSanitizer (gcc's -fsanitize=address
// in build-asan/, clang's in build-fuzz/), for the few tests that bound their work there: the
// reference backend's naive loops run about ten times slower instrumented.
#pragma once

namespace kiln::test {

#if defined(__SANITIZE_ADDRESS__)
/// True in a build instrumented with AddressSanitizer.
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace kiln::test
