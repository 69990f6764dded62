// HostTarget.cpp: the host's Halide target, corrected with CPUID where Halide 14 misreads it.
#include "backends/halide/HostTarget.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

// Whether the CPU has AVX-VNNI (CPUID leaf 7, sub-leaf 1, EAX bit 4).
bool cpu_has_avx_vnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 4) & 1u;
#else
  return false;
#endif
}

}  // namespace

Halide::Target without_features_the_host_lacks(Halide::Target target) {
  if (target.arch == Halide::Target::X86 &&
      target.has_feature(Halide::Target::AVX512_SapphireRapids) && !cpu_has_avx_vnni())
    target = target.without_feature(Halide::Target::AVX512_SapphireRapids)
                 .with_feature(Halide::Target::AVX512_Cannonlake);
  return target;
}

Halide::Target host_target() {
  static const Halide::Target target = without_features_the_host_lacks(Halide::get_host_target());
  return target;
}

}  // namespace kiln
