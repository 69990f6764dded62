// QuantizeKernels.cpp: QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear. Arithmetic is
// f32 where the operands are (as ONNX Runtime computes it: x / scale in f32, rounded half to
// even), f64 for f64 operands; integer parts (x - zero_point) are exact.
#include <cmath>
#include <limits>

#include "backends/reference/KernelContext.h"
#include "backends/reference/QuantizeMath.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

// Element i of a tensor's scale or zero point: per tensor (one element) or per element of
// attribute `axis`.
class AxisParameter {
 public:
  static Result<AxisParameter> of(const KernelContext& ctx, size_t input) {
    AxisParameter p(ctx.has_input(input) ? &ctx.input(input) : nullptr);
    if (!p.param_ || p.param_->element_count() <= 1) return p;
    const std::vector<int64_t>& dims = ctx.input(0).dims;
    Result<int64_t> axis =
        normalize_axis(ctx.attrs().get_int("axis", 1), static_cast<int64_t>(dims.size()));
    if (!axis) return axis.error();
    p.extent_ = dims[size_t(*axis)];
    if (p.param_->element_count() != p.extent_)
      return make_error("a per-axis scale or zero point must hold one value per element of axis " +
                        std::to_string(*axis));
    for (size_t d = size_t(*axis) + 1; d < dims.size(); ++d) p.inner_ *= dims[d];
    return p;
  }
  /// The parameter of element i as a double (0 when absent).
  double value(int64_t i) const {
    if (!param_) return 0.0;
    return param_->element_as_double(extent_ ? (i / inner_) % extent_ : 0);
  }
  int64_t integer(int64_t i) const {
    if (!param_) return 0;
    return param_->element_as_int(extent_ ? (i / inner_) % extent_ : 0);
  }

 private:
  explicit AxisParameter(const Tensor* param) : param_(param) {}

  const Tensor* param_;
  int64_t extent_ = 0, inner_ = 1;
};

// Inputs 1 and 2 of QuantizeLinear and DequantizeLinear.
Result<std::pair<AxisParameter, AxisParameter>> scale_and_zero_point(const KernelContext& ctx) {
  Result<AxisParameter> scale = AxisParameter::of(ctx, 1);
  if (!scale) return scale.error();
  Result<AxisParameter> zero = AxisParameter::of(ctx, 2);
  if (!zero) return zero.error();
  return std::make_pair(*scale, *zero);
}

}  // namespace

Status run_QuantizeLinear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Result<std::pair<AxisParameter, AxisParameter>> parameters = scale_and_zero_point(ctx);
  if (!parameters) return parameters.error();
  const auto& [scale, zero] = *parameters;
  const DType dtype = ctx.output_dtype(0);
  const QuantizedRange range = quantized_range(dtype);
  TensorWriter out(dtype, x.dims);
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const double steps =
        x.dtype == DType::Float64
            ? std::nearbyint(x.element_as_double(i) / scale.value(i))
            : double(std::nearbyintf(float(x.element_as_double(i)) / float(scale.value(i))));
    out.set_int(i, saturate(steps, zero.integer(i), range));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_DequantizeLinear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Result<std::pair<AxisParameter, AxisParameter>> parameters = scale_and_zero_point(ctx);
  if (!parameters) return parameters.error();
  const auto& [scale, zero] = *parameters;
  const DType dtype = ctx.output_dtype(0);
  TensorWriter out(dtype, x.dims);
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const int64_t shifted = x.element_as_int(i) - zero.integer(i);
    if (dtype == DType::Float64)
      out.set_double(i, double(shifted) * scale.value(i));
    else
      out.set_double(i, double(float(shifted) * float(scale.value(i))));
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_DynamicQuantizeLinear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const DType dtype = ctx.output_dtype(0);
  float low = 0.0f, high = 0.0f;  // the range always includes 0
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const float v = float(x.element_as_double(i));
    low = std::min(low, v);
    high = std::max(high, v);
  }
  const DynamicQuantization q = dynamic_quantization(low, high, quantized_range(dtype));
  TensorWriter out(dtype, x.dims);
  for (int64_t i = 0; i < x.element_count(); ++i)
    out.set_int(i, saturate(double(std::nearbyintf(float(x.element_as_double(i)) / q.scale)),
                            q.zero_point, quantized_range(dtype)));
  ctx.outputs.push_back(out.finish());
  ctx.outputs.push_back(tensor_from_doubles(DType::Float32, {}, {double(q.scale)}));
  TensorWriter zero(dtype, {});
  zero.set_int(0, q.zero_point);
  ctx.outputs.push_back(zero.finish());
  return Status::ok();
}

}  // namespace kiln::reference
