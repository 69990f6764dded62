// ElementwiseKernels.cpp: activations, Clip, pass-through ops and the broadcasting binary
// arithmetic ops (Add, Sub, Mul, Div) for float and integer tensors.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

namespace {

// Applies `fn` to every element, computing in double and storing in the output dtype.
Status map_elements(KernelContext& ctx, const std::function<double(double)>& fn) {
  const Tensor& x = ctx.input(0);
  NumericView in(x);
  TensorWriter out(ctx.output_dtype(0), x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) out.set_double(i, fn(in[i]));
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

// Applies `fn` to every element of an integer tensor, in int64 (wrapping to the dtype on store).
Status map_integers(KernelContext& ctx, const std::function<int64_t(int64_t)>& fn) {
  const Tensor& x = ctx.input(0);
  TensorWriter out(ctx.output_dtype(0), x.dims);
  for (int64_t i = 0; i < out.element_count(); ++i) out.set_int(i, fn(x.element_as_int(i)));
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

// log(1 + e^x) without overflow for large x or loss for very negative x.
double softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

Status pass_through(KernelContext& ctx) {
  ctx.outputs.push_back(ctx.input(0));
  return Status::ok();
}

enum class Arithmetic { Add, Sub, Mul, Div };

// Integer ops stay in int64 (wrapping to the dtype's width on store, like numpy); float ops run
// in double and round once to the output dtype.
Status binary_arithmetic(KernelContext& ctx, Arithmetic op) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype != b.dtype)
    return make_error(std::string("operand dtypes differ: ") + dtype_name(a.dtype) + " and " +
                      dtype_name(b.dtype));
  std::vector<int64_t> dims = ctx.output_dims(0);
  if (a.dims.size() > dims.size() || b.dims.size() > dims.size())
    return make_error("operands do not broadcast to the output shape");
  BroadcastIndexer a_index(a.dims, dims), b_index(b.dims, dims);
  TensorWriter out(ctx.output_dtype(0), dims);
  if (is_integral(a.dtype)) {
    for (int64_t i = 0; i < out.element_count(); ++i) {
      int64_t x = a.element_as_int(a_index.input_index(i));
      int64_t y = b.element_as_int(b_index.input_index(i));
      int64_t result = 0;
      switch (op) {
        case Arithmetic::Add:
          result = static_cast<int64_t>(uint64_t(x) + uint64_t(y));
          break;
        case Arithmetic::Sub:
          result = static_cast<int64_t>(uint64_t(x) - uint64_t(y));
          break;
        case Arithmetic::Mul:
          result = static_cast<int64_t>(uint64_t(x) * uint64_t(y));
          break;
        case Arithmetic::Div:
          if (y == 0) return make_error("integer division by zero");
          result = (x == INT64_MIN && y == -1) ? x : x / y;
          break;
      }
      out.set_int(i, result);
    }
  } else {
    NumericView av(a), bv(b);
    for (int64_t i = 0; i < out.element_count(); ++i) {
      double x = av[a_index.input_index(i)];
      double y = bv[b_index.input_index(i)];
      double result = 0.0;
      switch (op) {
        case Arithmetic::Add:
          result = x + y;
          break;
        case Arithmetic::Sub:
          result = x - y;
          break;
        case Arithmetic::Mul:
          result = x * y;
          break;
        case Arithmetic::Div:
          result = x / y;
          break;
      }
      out.set_double(i, result);
    }
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace

Status run_Relu(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return x > 0.0 ? x : 0.0; });
}

Status run_LeakyRelu(KernelContext& ctx) {
  double alpha = ctx.attrs().get_float("alpha", 0.01);
  return map_elements(ctx, [alpha](double x) { return x >= 0.0 ? x : alpha * x; });
}

Status run_Elu(KernelContext& ctx) {
  double alpha = ctx.attrs().get_float("alpha", 1.0);
  return map_elements(ctx, [alpha](double x) { return x > 0.0 ? x : alpha * std::expm1(x); });
}

Status run_Sigmoid(KernelContext& ctx) {
  // Written so that neither branch overflows exp() for large |x|.
  return map_elements(ctx, [](double x) {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    double e = std::exp(x);
    return e / (1.0 + e);
  });
}

Status run_Tanh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::tanh(x); });
}

Status run_Clip(KernelContext& ctx) {
  double lowest = ctx.attrs().get_float("min", -INFINITY);
  double highest = ctx.attrs().get_float("max", INFINITY);
  // ONNX applies min then max, so min > max gives max everywhere.
  return map_elements(ctx, [lowest, highest](double x) {
    if (std::isnan(x)) return x;
    return std::min(std::max(x, lowest), highest);
  });
}

// The unary math ops, in double (the output dtype's rounding applies once on store).
Status run_Abs(KernelContext& ctx) {
  if (is_integral(ctx.input(0).dtype))
    return map_integers(ctx, [](int64_t x) { return x < 0 ? int64_t(0 - uint64_t(x)) : x; });
  return map_elements(ctx, [](double x) { return std::fabs(x); });
}
Status run_Neg(KernelContext& ctx) {
  if (is_integral(ctx.input(0).dtype))
    return map_integers(ctx, [](int64_t x) { return int64_t(0 - uint64_t(x)); });
  return map_elements(ctx, [](double x) { return -x; });
}
Status run_Sign(KernelContext& ctx) {
  if (is_integral(ctx.input(0).dtype))
    return map_integers(ctx, [](int64_t x) { return int64_t((x > 0) - (x < 0)); });
  return map_elements(ctx, [](double x) { return std::isnan(x) ? x : double((x > 0) - (x < 0)); });
}
Status run_Exp(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::exp(x); });
}
Status run_Log(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::log(x); });
}
Status run_Sqrt(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::sqrt(x); });
}
Status run_Reciprocal(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return 1.0 / x; });
}
Status run_Floor(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::floor(x); });
}
Status run_Ceil(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::ceil(x); });
}
Status run_Round(KernelContext& ctx) {
  // Halves to even, as ONNX (and numpy) round; std::nearbyint does so in the default mode.
  return map_elements(ctx, [](double x) { return std::nearbyint(x); });
}
Status run_Erf(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::erf(x); });
}
Status run_Sin(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::sin(x); });
}
Status run_Cos(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::cos(x); });
}
Status run_Tan(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::tan(x); });
}
Status run_Asin(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::asin(x); });
}
Status run_Acos(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::acos(x); });
}
Status run_Atan(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::atan(x); });
}
Status run_Sinh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::sinh(x); });
}
Status run_Cosh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::cosh(x); });
}
Status run_Asinh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::asinh(x); });
}
Status run_Acosh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::acosh(x); });
}
Status run_Atanh(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return std::atanh(x); });
}
Status run_Softplus(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return softplus(x); });
}
Status run_Softsign(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return x / (1.0 + std::fabs(x)); });
}
Status run_Mish(KernelContext& ctx) {
  return map_elements(ctx, [](double x) { return x * std::tanh(softplus(x)); });
}
Status run_HardSwish(KernelContext& ctx) {
  return map_elements(ctx,
                      [](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); });
}
Status run_HardSigmoid(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 0.2),
               beta = ctx.attrs().get_float("beta", 0.5);
  return map_elements(ctx,
                      [=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); });
}
Status run_Selu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.67326319217681884765625);
  const double gamma = ctx.attrs().get_float("gamma", 1.05070102214813232421875);
  return map_elements(ctx, [=](double x) { return gamma * (x > 0.0 ? x : alpha * std::expm1(x)); });
}
Status run_Celu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.0);
  return map_elements(ctx, [=](double x) {
    return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
  });
}
Status run_ThresholdedRelu(KernelContext& ctx) {
  const double alpha = ctx.attrs().get_float("alpha", 1.0);
  return map_elements(ctx, [=](double x) { return x > alpha ? x : 0.0; });
}
Status run_Shrink(KernelContext& ctx) {
  const double bias = ctx.attrs().get_float("bias", 0.0),
               lambd = ctx.attrs().get_float("lambd", 0.5);
  return map_elements(
      ctx, [=](double x) { return x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0); });
}
Status run_Gelu(KernelContext& ctx) {
  const std::string approximate = ctx.attrs().get_string("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return make_error("Gelu approximate must be \"none\" or \"tanh\", not \"" + approximate + "\"");
  if (approximate == "tanh")
    return map_elements(ctx, [](double x) {
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    });
  return map_elements(ctx, [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); });
}

Status run_Identity(KernelContext& ctx) {
  return pass_through(ctx);
}
Status run_Dropout(KernelContext& ctx) {
  return pass_through(ctx);
}

Status run_Add(KernelContext& ctx) {
  return binary_arithmetic(ctx, Arithmetic::Add);
}
Status run_Sub(KernelContext& ctx) {
  return binary_arithmetic(ctx, Arithmetic::Sub);
}
Status run_Mul(KernelContext& ctx) {
  return binary_arithmetic(ctx, Arithmetic::Mul);
}
Status run_Div(KernelContext& ctx) {
  return binary_arithmetic(ctx, Arithmetic::Div);
}

}  // namespace kiln::reference
