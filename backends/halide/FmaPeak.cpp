// FmaPeak.cpp: the FMA peak microkernel. acc(x) holds `chains` vectors of lanes, each updated
// `steps` times by acc = acc * a + b; the accumulator is computed per output tile, vectorised
// and unrolled, so it lives in registers and the loop is a stream of independent FMAs.
#include "backends/halide/FmaPeak.h"

#include <Halide.h>

#include <algorithm>
#include <chrono>

#include "backends/halide/HostTarget.h"
#include "backends/halide/MachineModel.h"

namespace kiln {

double measure_fma_peak_gflops() {
  static const double peak = [] {
    try {
      const Halide::Target target = kiln::host_target();
      const int lanes = std::max(1, target.natural_vector_size(Halide::Float(32)));
      // As many independent accumulators as a register tile may hold (MachineModel.h).
      const int chains = schedule_facts(machine_model(target)).accumulator_budget;
      const int steps = 1 << 14;
      Halide::Var x("x"), xo("xo"), xi("xi");
      Halide::RDom r(0, steps);
      Halide::Func acc("peak_acc"), out("peak_out");
      acc(x) = Halide::cast<float>(x);
      acc(x) = Halide::select(r.x >= 0, acc(x) * 0.999999f + 1e-6f, acc(x));  // r: the loop
      out(x) = acc(x);
      out.split(x, xo, xi, lanes * chains).vectorize(xi, lanes).unroll(xi);
      acc.compute_at(out, xo).vectorize(x, lanes).unroll(x);
      acc.update().reorder(x, r.x).vectorize(x, lanes).unroll(x);
      out.compile_jit(target);
      Halide::Buffer<float> result(lanes * chains);
      out.realize(result);
      double best = 1e30;
      for (int i = 0; i < 5; ++i) {
        const auto start = std::chrono::steady_clock::now();
        out.realize(result);
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      return 2.0 * lanes * chains * double(steps) / best / 1e9;
    } catch (const Halide::Error&) {
      return 0.0;
    }
  }();
  return peak;
}

}  // namespace kiln
