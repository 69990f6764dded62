// AtomicStoreScalarizerTest.cpp: the pass that scalarises predicated atomic stores rewrites
// exactly those stores, and makes Li2018's schedules of small reductions (a Gemm with 10
// outputs, a softmax over 1000 classes) compile and compute the right values for any core
// count, where Halide 14 alone rejects them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "backends/halide/AtomicStoreScalarizer.h"
#include "backends/halide/HalideAutoscheduler.h"
#include "backends/halide/HostTarget.h"

namespace kiln {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;
namespace hi = Halide::Internal;

// Counts predicated stores and if statements.
class CountStores : public hi::IRVisitor {
 public:
  int predicated = 0, scalar = 0, ifs = 0;

 private:
  using hi::IRVisitor::visit;
  void visit(const hi::Store* op) override {
    if (!hi::is_const_one(op->predicate)) ++predicated;
    if (op->value.type().is_scalar()) ++scalar;
    hi::IRVisitor::visit(op);
  }
  void visit(const hi::IfThenElse* op) override {
    ++ifs;
    hi::IRVisitor::visit(op);
  }
};

TEST(AtomicStoreScalarizer, SplitsOnlyPredicatedAtomicStores) {
  const Halide::Type f32x4 = Halide::Float(32, 4);
  Expr index = hi::Ramp::make(Expr(0), Expr(1), 4);
  Expr predicate = index < hi::Broadcast::make(Expr(3), 4);
  Expr load = hi::Load::make(f32x4, "acc", index, Halide::Buffer<>(), hi::Parameter(), predicate,
                             hi::ModulusRemainder());
  hi::Stmt store = hi::Store::make("acc", load + hi::Broadcast::make(Expr(1.0f), 4), index,
                                   hi::Parameter(), predicate, hi::ModulusRemainder());
  CountStores atomic;
  scalarize_predicated_atomic_stores(hi::Atomic::make("acc", "", store)).accept(&atomic);
  EXPECT_EQ(atomic.predicated, 0);
  EXPECT_EQ(atomic.scalar, 4);
  EXPECT_EQ(atomic.ifs, 4);
  // Outside an atomic node (or inside one with a mutex) a predicated store is left as it is.
  CountStores plain, mutex;
  scalarize_predicated_atomic_stores(store).accept(&plain);
  scalarize_predicated_atomic_stores(hi::Atomic::make("acc", "acc.mutex", store)).accept(&mutex);
  EXPECT_EQ(plain.predicated, 1);
  EXPECT_EQ(mutex.predicated, 1);
}

// out(n, m) = sum_k a(k, m) * b(k, n) + c(n): a Gemm of [3, K] by [K, N] (transB).
struct SmallGemm {
  Halide::ImageParam a{Halide::Float(32), 2, "a"}, b{Halide::Float(32), 2, "b"};
  Halide::ImageParam c{Halide::Float(32), 1, "c"};
  Func out{"out"};
  int n, k;

  SmallGemm(int n_extent, int k_extent) : n(n_extent), k(k_extent) {
    Var x("x"), y("y");
    Halide::RDom r(0, k, "r");
    Func acc("acc");
    acc(x, y) = 0.0f;
    acc(x, y) += a(r, y) * b(r, x);
    out(x, y) = acc(x, y) + c(x);
    // The kernel's static shapes, as Kiln declares them: this is what makes the tail guarded.
    a.dim(0).set_bounds(0, k).set_estimate(0, k);
    a.dim(1).set_estimate(0, 1);
    b.dim(0).set_bounds(0, k).set_estimate(0, k);
    b.dim(1).set_bounds(0, n).set_estimate(0, n);
    c.dim(0).set_bounds(0, n).set_estimate(0, n);
    out.output_buffer().dim(0).set_bounds(0, n);
    out.output_buffer().dim(1).set_stride(n);
    out.set_estimates({{0, n}, {0, 1}});
  }

  // Realizes at 3 rows and returns the largest error against a direct loop.
  double max_error(Halide::Pipeline& pipeline) {
    Halide::Buffer<float> av(k, 3), bv(k, n), cv(n);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < k; ++x) av(x, y) = std::sin(0.37f * float(x) + float(y));
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < k; ++x) bv(x, y) = std::cos(0.11f * float(x) + 0.7f * float(y));
    for (int x = 0; x < n; ++x) cv(x) = 0.1f * float(x);
    a.set(av);
    b.set(bv);
    c.set(cv);
    Halide::Buffer<float> result = pipeline.realize({n, 3}, kiln::host_target());
    double worst = 0;
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < n; ++x) {
        double expected = cv(x);
        for (int r = 0; r < k; ++r) expected += double(av(r, y)) * double(bv(r, x));
        worst = std::max(worst, std::abs(expected - double(result(x, y))));
      }
    return worst;
  }
};

// out(n, m) = softmax over n of a(n, m), N classes.
struct SmallSoftmax {
  Halide::ImageParam a{Halide::Float(32), 2, "a"};
  Func out{"out"};
  int n;

  explicit SmallSoftmax(int classes) : n(classes) {
    Var x("x"), y("y");
    Halide::RDom r(0, n, "r");
    Func top("top"), shifted("shifted"), total("total");
    top(x, y) = Halide::maximum(a(r, y));
    shifted(x, y) = Halide::exp(a(x, y) - top(0, y));
    total(x, y) = Halide::sum(shifted(r, y));
    out(x, y) = shifted(x, y) / total(0, y);
    a.dim(0).set_bounds(0, n).set_estimate(0, n);
    a.dim(1).set_estimate(0, 1);
    out.output_buffer().dim(0).set_bounds(0, n);
    out.output_buffer().dim(1).set_stride(n);
    out.set_estimates({{0, n}, {0, 1}});
  }

  double max_error(Halide::Pipeline& pipeline) {
    Halide::Buffer<float> av(n, 3);
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < n; ++x) av(x, y) = 3.0f * std::sin(0.37f * float(x) + float(y));
    a.set(av);
    Halide::Buffer<float> result = pipeline.realize({n, 3}, kiln::host_target());
    double worst = 0;
    for (int y = 0; y < 3; ++y) {
      double top = -1e30, total = 0;
      for (int x = 0; x < n; ++x) top = std::max(top, double(av(x, y)));
      for (int x = 0; x < n; ++x) total += std::exp(double(av(x, y)) - top);
      for (int x = 0; x < n; ++x)
        worst = std::max(worst,
                         std::abs(std::exp(double(av(x, y)) - top) / total - double(result(x, y))));
    }
    return worst;
  }
};

// Sets $KILN_AUTOSCHEDULER_CORES for one scope.
class CoresOverride {
 public:
  explicit CoresOverride(int cores) {
    ::setenv("KILN_AUTOSCHEDULER_CORES", std::to_string(cores).c_str(), 1);
  }
  ~CoresOverride() { ::unsetenv("KILN_AUTOSCHEDULER_CORES"); }
};

TEST(AtomicStoreScalarizer, Li2018SmallReductionsCompileAndMatchOnAnyCoreCount) {
  const Halide::Target target = kiln::host_target();
  for (int cores : {1, 2, 4, 16, 64}) {
    SCOPED_TRACE("cores " + std::to_string(cores));
    CoresOverride override_cores(cores);
    for (auto [n, k] : {std::pair{10, 128}, std::pair{10, 100}}) {
      SCOPED_TRACE("gemm " + std::to_string(n) + "x" + std::to_string(k));
      SmallGemm gemm(n, k);
      Halide::Pipeline pipeline(gemm.out);
      Status scheduled = run_halide_autoscheduler(pipeline, "li2018", target, "gemm");
      ASSERT_TRUE(scheduled.is_ok()) << scheduled.error().message;
      EXPECT_LT(gemm.max_error(pipeline), 1e-3);
    }
    SmallSoftmax softmax(1000);
    Halide::Pipeline pipeline(softmax.out);
    Status scheduled = run_halide_autoscheduler(pipeline, "li2018", target, "softmax");
    ASSERT_TRUE(scheduled.is_ok()) << scheduled.error().message;
    EXPECT_LT(softmax.max_error(pipeline), 1e-6);
  }
}

TEST(AtomicStoreScalarizer, WithoutThePassHalide14RejectsLi2018sGemmSchedule) {
  const Halide::Target target = kiln::host_target();
  {  // loads the plugin
    SmallGemm warm(16, 16);
    Halide::Pipeline pipeline(warm.out);
    ASSERT_TRUE(run_halide_autoscheduler(pipeline, "li2018", target, "warm").is_ok());
  }
  SmallGemm gemm(10, 128);
  Halide::Pipeline pipeline(gemm.out);
  pipeline.auto_schedule("Li2018", target, Halide::MachineParams(16, 16 << 20, 40));
  std::string error;
  try {
    pipeline.compile_jit(target);
  } catch (const Halide::Error& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("Atomic predicated store is not supported"), std::string::npos) << error;
}

}  // namespace
}  // namespace kiln
