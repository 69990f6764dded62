// ElementwiseKernels.cpp: activations, Clip, pass-through ops and the broadcasting binary
// arithmetic ops (Add, Sub, Mul, Div) for float and integer tensors.
#include <cmath>
#include <functional>

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

Status pass_through(KernelContext& ctx) {
  ctx.outputs.push_back(ctx.input(0));
  return Status::ok();
}

enum class Arithmetic { Add, Sub, Mul, Div, PRelu };

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
          if (a.dtype == DType::UInt64)  // the one dtype int64 division would misread
            result = static_cast<int64_t>(uint64_t(x) / uint64_t(y));
          else
            result = (x == INT64_MIN && y == -1) ? x : x / y;
          break;
        case Arithmetic::PRelu:
          result = x >= 0 ? x : static_cast<int64_t>(uint64_t(x) * uint64_t(y));
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
        case Arithmetic::PRelu:
          result = x >= 0 ? x : x * y;
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
  // Bounds given at run time are one-element inputs; constant ones are attributes.
  const double lowest = ctx.has_input(1) ? ctx.input(1).element_as_double(0)
                                         : ctx.attrs().get_float("min", -INFINITY);
  const double highest =
      ctx.has_input(2) ? ctx.input(2).element_as_double(0) : ctx.attrs().get_float("max", INFINITY);
  // ONNX applies min then max, so min > max gives max everywhere.
  return map_elements(ctx, [lowest, highest](double x) {
    if (std::isnan(x)) return x;
    return std::min(std::max(x, lowest), highest);
  });
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
Status run_PRelu(KernelContext& ctx) {
  return binary_arithmetic(ctx, Arithmetic::PRelu);
}

}  // namespace kiln::reference
