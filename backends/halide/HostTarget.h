// HostTarget.h: the Halide target of the machine Kiln runs on, with the CPU features Halide 14
// misreads removed, so that code compiled for "host" never holds an instruction the CPU lacks.
#pragma once

#include <Halide.h>

namespace kiln {

/// Halide::get_host_target() less the features this CPU does not have. Halide 14 names
/// AVX512_SapphireRapids for every CPU with AVX512-VNNI and AVX512-BF16, AMD Zen 4 and Zen 5
/// included, and LLVM then compiles for Sapphire Rapids: it uses AVX-VNNI (VEX dot products; Zen
/// 4 lacks it) and AVX512-FP16 (`vmovw`; Zen 4 and Zen 5 lack it), and integer kernels die with
/// SIGILL. Where CPUID does not report both, the target steps down to AVX512_Cannonlake.
Halide::Target host_target();

/// `target` with the same correction, for targets whose features came from the host ("host",
/// "host-opencl", ...); a target the user spelled out feature by feature is left alone.
Halide::Target without_features_the_host_lacks(Halide::Target target);

}  // namespace kiln
