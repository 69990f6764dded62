// FmaPeak.h: measures this machine's fp32 fused multiply-add peak on one core, with a Halide JIT
// microkernel of independent vector FMA chains held in registers (for "% of peak" reports).
#pragma once

namespace kiln {

/// GFLOP/s of one core (2 flops per FMA lane), measured once per process (about 0.2 s).
/// 0 when the measurement fails.
double measure_fma_peak_gflops();

}  // namespace kiln
