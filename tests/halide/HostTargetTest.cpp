// HostTargetTest.cpp: the host target Kiln compiles for holds only features the CPU has, and a
// target the user spells out keeps every feature it names.
#include <gtest/gtest.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "backends/halide/HalideLowering.h"
#include "backends/halide/HostTarget.h"

namespace kiln {
namespace {

TEST(HostTarget, NamesSapphireRapidsOnlyWithAvxVnniAndAvx512Fp16) {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool avx_vnni = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && ((eax >> 4) & 1u);
  const bool avx512_fp16 = __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && ((edx >> 23) & 1u);
  if (!avx_vnni || !avx512_fp16)
    EXPECT_FALSE(host_target().has_feature(Halide::Target::AVX512_SapphireRapids))
        << host_target().to_string();
  // The step down keeps the rest of AVX-512.
  if (Halide::get_host_target().has_feature(Halide::Target::AVX512_SapphireRapids))
    EXPECT_TRUE(host_target().has_feature(Halide::Target::AVX512_Cannonlake));
#else
  GTEST_SKIP() << "an x86 check";
#endif
}

TEST(HostTarget, HostSpecsAreCorrectedAndSpelledOutTargetsKept) {
  Result<Halide::Target> host = parse_halide_target("host");
  ASSERT_TRUE(host);
  EXPECT_EQ(*host, host_target());
  Result<Halide::Target> opencl = parse_halide_target("host-opencl");
  ASSERT_TRUE(opencl);
  EXPECT_EQ(opencl->has_feature(Halide::Target::AVX512_SapphireRapids),
            host_target().has_feature(Halide::Target::AVX512_SapphireRapids));
  Result<Halide::Target> spelled = parse_halide_target("x86-64-linux-avx512_sapphirerapids");
  ASSERT_TRUE(spelled);
  EXPECT_TRUE(spelled->has_feature(Halide::Target::AVX512_SapphireRapids));
}

}  // namespace
}  // namespace kiln
