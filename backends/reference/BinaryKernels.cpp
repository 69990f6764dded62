// BinaryKernels.cpp: the broadcasting binary ops of ir/Ops.def beyond Add/Sub/Mul/Div (Pow, Mod,
// Min, Max), the comparisons and logical ops (bool out) and Where. Integer operands stay exact in
// int64 (u64 ones in uint64); float operands compute in double and round once to the output dtype.
#include <cmath>
#include <functional>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

using FloatFn = std::function<double(double, double)>;
using IntFn = std::function<Result<int64_t>(int64_t, int64_t)>;
using UIntFn = std::function<Result<uint64_t>(uint64_t, uint64_t)>;

// Maps pairs of broadcast elements of inputs 0 and 1 into the output. Integer outputs of
// integer inputs take `int_fn` (two u64 inputs `uint_fn` where given, for ops whose result
// depends on the order above INT64_MAX); everything else `float_fn` on the values as doubles.
Status map_binary(KernelContext& ctx, const FloatFn& float_fn, const IntFn& int_fn,
                  const UIntFn& uint_fn = nullptr) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  std::vector<int64_t> dims = ctx.output_dims(0);
  if (a.dims.size() > dims.size() || b.dims.size() > dims.size())
    return make_error("operands do not broadcast to the output shape");
  BroadcastIndexer a_index(a.dims, dims), b_index(b.dims, dims);
  TensorWriter out(ctx.output_dtype(0), dims);
  if (a.dtype == DType::UInt64 && b.dtype == DType::UInt64 && uint_fn) {
    for (int64_t i = 0; i < out.element_count(); ++i) {
      Result<uint64_t> r = uint_fn(uint64_t(a.element_as_int(a_index.input_index(i))),
                                   uint64_t(b.element_as_int(b_index.input_index(i))));
      if (!r) return r.error();
      out.set_int(i, int64_t(*r));
    }
  } else if (is_integral(a.dtype) && is_integral(b.dtype) && int_fn) {
    for (int64_t i = 0; i < out.element_count(); ++i) {
      Result<int64_t> r = int_fn(a.element_as_int(a_index.input_index(i)),
                                 b.element_as_int(b_index.input_index(i)));
      if (!r) return r.error();
      out.set_int(i, *r);
    }
  } else {
    if (!float_fn) return make_error("needs integer operands");
    NumericView av(a), bv(b);
    for (int64_t i = 0; i < out.element_count(); ++i)
      out.set_double(i, float_fn(av[a_index.input_index(i)], bv[b_index.input_index(i)]));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

// A comparison: bool out, exact for integers (int64 compares) and doubles otherwise.
template <typename Compare>
Status compare(KernelContext& ctx, Compare cmp) {
  return map_binary(
      ctx, [=](double x, double y) { return cmp(x, y) ? 1.0 : 0.0; },
      [=](int64_t x, int64_t y) -> Result<int64_t> { return cmp(x, y) ? 1 : 0; },
      [=](uint64_t x, uint64_t y) -> Result<uint64_t> { return cmp(x, y) ? 1 : 0; });
}

// numpy's integer power (exponent >= 0 by repeated squaring, wrapping like int64).
int64_t int_pow(int64_t base, int64_t exponent) {
  uint64_t result = 1, b = uint64_t(base);
  for (uint64_t e = uint64_t(exponent); e; e >>= 1, b *= b)
    if (e & 1) result *= b;
  return static_cast<int64_t>(result);
}

}  // namespace

Status run_Pow(KernelContext& ctx) {
  // An integer base with a float exponent computes in double and truncates (the output has the
  // base's dtype); a negative integer exponent of an integer base is 1/base^e, truncated.
  return map_binary(
      ctx, [](double x, double y) { return std::pow(x, y); },
      [](int64_t x, int64_t y) -> Result<int64_t> {
        if (y < 0) return static_cast<int64_t>(std::pow(double(x), double(y)));
        return int_pow(x, y);
      });
}

Status run_Mod(KernelContext& ctx) {
  const bool fmod = ctx.attrs().get_int("fmod", 0) != 0;
  if (!fmod && !is_integral(ctx.input(0).dtype))
    return make_error("Mod of floating-point inputs needs fmod=1");
  return map_binary(
      ctx,
      [=](double x, double y) {
        if (fmod) return std::fmod(x, y);
        const double r = std::fmod(x, y);
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
      },
      [=](int64_t x, int64_t y) -> Result<int64_t> {
        if (y == 0) return make_error("integer Mod by zero");
        if (y == -1) return int64_t(0);
        const int64_t r = x % y;  // C++: the sign of the dividend, as fmod
        if (fmod) return r;
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;  // Python: the sign of the divisor
      },
      [](uint64_t x, uint64_t y) -> Result<uint64_t> {
        if (y == 0) return make_error("integer Mod by zero");
        return x % y;
      });
}

Status run_Min(KernelContext& ctx) {
  return map_binary(
      ctx, [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y); },
      [](int64_t x, int64_t y) -> Result<int64_t> { return std::min(x, y); },
      [](uint64_t x, uint64_t y) -> Result<uint64_t> { return std::min(x, y); });
}

Status run_Max(KernelContext& ctx) {
  return map_binary(
      ctx, [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y); },
      [](int64_t x, int64_t y) -> Result<int64_t> { return std::max(x, y); },
      [](uint64_t x, uint64_t y) -> Result<uint64_t> { return std::max(x, y); });
}

// Unsigned shifts; a shift by the dtype's width or more leaves 0 (the store wraps to the width).
Status run_BitShift(KernelContext& ctx) {
  const bool left = ctx.attrs().get_string("direction", "") == "LEFT";
  auto shift = [left](uint64_t x, uint64_t y) -> uint64_t {
    if (y >= 64) return 0;
    return left ? x << y : x >> y;
  };
  return map_binary(
      ctx, nullptr,
      [shift](int64_t x, int64_t y) -> Result<int64_t> {
        return int64_t(shift(uint64_t(x), uint64_t(y)));
      },
      [shift](uint64_t x, uint64_t y) -> Result<uint64_t> { return shift(x, y); });
}

Status run_Equal(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x == y; });
}
Status run_Less(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x < y; });
}
Status run_Greater(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x > y; });
}
Status run_LessOrEqual(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x <= y; });
}
Status run_GreaterOrEqual(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x >= y; });
}

Status run_Where(KernelContext& ctx) {
  const Tensor& condition = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  if (x.dtype != y.dtype)
    return make_error(std::string("Where operand dtypes differ: ") + dtype_name(x.dtype) + " and " +
                      dtype_name(y.dtype));
  std::vector<int64_t> dims = ctx.output_dims(0);
  for (const Tensor* t : {&condition, &x, &y})
    if (t->dims.size() > dims.size())
      return make_error("Where operands do not broadcast to the output shape");
  BroadcastIndexer c_index(condition.dims, dims), x_index(x.dims, dims), y_index(y.dims, dims);
  TensorWriter out(ctx.output_dtype(0), dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    if (condition.element_as_int(c_index.input_index(i)) != 0)
      out.copy_element(x, x_index.input_index(i), i);
    else
      out.copy_element(y, y_index.input_index(i), i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Not(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  TensorWriter out(DType::Bool, x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) out.set_int(i, x.element_as_int(i) == 0);
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}
Status run_And(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x != 0 && y != 0; });
}
Status run_Or(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return x != 0 || y != 0; });
}
Status run_Xor(KernelContext& ctx) {
  return compare(ctx, [](auto x, auto y) { return (x != 0) != (y != 0); });
}

}  // namespace kiln::reference
