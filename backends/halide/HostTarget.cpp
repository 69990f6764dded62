// HostTarget.cpp: the host's Halide target, corrected with CPUID where Halide 14 misreads it.
#include "backends/halide/HostTarget.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

// Whether the CPU has the two extensions Sapphire Rapids added that LLVM 14 uses unasked for a
// "sapphirerapids" CPU: AVX-VNNI (CPUID leaf 7, sub-leaf 1, EAX bit 4; VEX dot products) and
// AVX512-FP16 (leaf 7, sub-leaf 0, EDX bit 23; e.g. `vmovw` for 16-bit moves). AMD Zen 4 has
// neither, Zen 5 only the first.
bool cpu_has_sapphire_rapids_extensions() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  const bool avx_vnni = (eax >> 4) & 1u;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool avx512_fp16 = (edx >> 23) & 1u;
  return avx_vnni && avx512_fp16;
#else
  return false;
#endif
}

}  // namespace

Halide::Target without_features_the_host_lacks(Halide::Target target) {
  if (target.arch == Halide::Target::X86 &&
      target.has_feature(Halide::Target::AVX512_SapphireRapids) &&
      !cpu_has_sapphire_rapids_extensions())
    target = target.without_feature(Halide::Target::AVX512_SapphireRapids)
                 .with_feature(Halide::Target::AVX512_Cannonlake);
  return target;
}

Halide::Target host_target() {
  static const Halide::Target target = without_features_the_host_lacks(Halide::get_host_target());
  return target;
}

}  // namespace kiln
