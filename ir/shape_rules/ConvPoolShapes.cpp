// ConvPoolShapes.cpp: shape rules of the sliding-window ops (Conv, ConvTranspose, MaxPool,
// MaxPoolIndices, AveragePool, LpPool), the global pools and MaxUnpool. The window arithmetic lives
// in WindowGeometry.h, shared with the backends.
#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::shape_rules {
namespace {

// Output size for a symbolic spatial dim: the same formula as WindowGeometry.h, written as a
// readable expression (exact in the common "same size" case, where it gives the input symbol).
Dim symbolic_window_output(const WindowAttributes& window, size_t dim, const Dim& input) {
  const int64_t stride = window.strides[dim];
  if (window.auto_pad == AutoPad::SameUpper || window.auto_pad == AutoPad::SameLower)
    return stride == 1 ? input
                       : Dim::symbolic("ceil(" + input.symbol + "/" + std::to_string(stride) + ")");
  int64_t pads =
      window.auto_pad == AutoPad::Valid ? 0 : window.pad_begin[dim] + window.pad_end[dim];
  int64_t offset = pads - window.span(dim);  // room = input + offset
  if (window.ceil_mode) offset += stride - 1;
  auto shifted = [](const Dim& base, int64_t delta) {
    return delta >= 0 ? add_dims(base, Dim::known(delta)) : subtract_dims(base, Dim::known(-delta));
  };
  if (stride == 1) return shifted(input, offset + 1);
  return add_dims(divide_dims(shifted(input, offset), Dim::known(stride)), Dim::known(1));
}

// The spatial output dims of a window op over `input` (rank >= 3: N, C, spatial...).
Result<std::vector<Dim>> window_output_dims(const ShapeContext& ctx, const Shape& input,
                                            const std::vector<int64_t>& kernel) {
  KILN_SHAPE_ASSIGN(window, read_window_attributes(*ctx.attrs, kernel));
  std::vector<Dim> out;
  for (size_t i = 0; i < kernel.size(); ++i) {
    const Dim& in = input[i + 2];
    if (in.is_static()) {
      Result<WindowDim> dim = resolve_window_dim(window, i, in.value);
      if (!dim) return dim.error();
      out.push_back(Dim::known(dim->output));
    } else if (in.is_symbolic()) {
      out.push_back(symbolic_window_output(window, i, in));
    } else {
      out.push_back(Dim::unknown());
    }
  }
  return out;
}

Result<TensorType> spatial_input(const ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.shape->size() < 3)
    return make_error(ctx.op + " input must have rank >= 3 (N, C, spatial...) but is " +
                      x.to_string());
  return x;
}

// kernel_shape, when given, must agree with the weight; pools require it.
Result<std::vector<int64_t>> pool_kernel(const ShapeContext& ctx, size_t spatial_rank) {
  std::vector<int64_t> kernel = ctx.attrs->get_ints("kernel_shape");
  if (kernel.empty()) return make_error(ctx.op + " needs a kernel_shape attribute");
  if (kernel.size() != spatial_rank)
    return make_error("kernel_shape " + ints_to_string(kernel) + " has " +
                      std::to_string(kernel.size()) + " dims but the input has " +
                      std::to_string(spatial_rank) + " spatial dims");
  return kernel;
}

Status infer_pool(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, spatial_input(ctx));
  KILN_SHAPE_ASSIGN(kernel, pool_kernel(ctx, x.shape->size() - 2));
  KILN_SHAPE_ASSIGN(spatial, window_output_dims(ctx, *x.shape, kernel));
  Shape out = {(*x.shape)[0], (*x.shape)[1]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  return set_output(ctx, TensorType{x.dtype, out});
}

Status infer_global_pool(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, spatial_input(ctx));
  Shape out = *x.shape;
  for (size_t i = 2; i < out.size(); ++i) out[i] = Dim::known(1);
  return set_output(ctx, TensorType{x.dtype, out});
}

Status check_conv_channels(const ShapeContext& ctx, const Shape& x, const Shape& w, int64_t group) {
  if (group < 1) return make_error("Conv group must be positive but is " + std::to_string(group));
  const Dim& in_channels = x[1];
  const Dim& per_group = w[1];
  if (in_channels.is_static() && per_group.is_static() &&
      per_group.value * group != in_channels.value) {
    std::string message = "Conv weight expects " + std::to_string(per_group.value) +
                          " input channels per group but input has " +
                          std::to_string(in_channels.value);
    if (group > 1)
      message += " (group=" + std::to_string(group) + ", so " +
                 std::to_string(per_group.value * group) + " are needed)";
    return make_error(message);
  }
  const Dim& out_channels = w[0];
  if (out_channels.is_static() && out_channels.value % group != 0)
    return make_error("Conv weight has " + std::to_string(out_channels.value) +
                      " output channels, not divisible by group=" + std::to_string(group));
  return Status::ok();
}

Result<std::vector<int64_t>> conv_kernel(const ShapeContext& ctx, const Shape& w) {
  std::vector<int64_t> from_attr = ctx.attrs->get_ints("kernel_shape");
  const size_t spatial_rank = w.size() - 2;
  if (!from_attr.empty() && from_attr.size() != spatial_rank)
    return make_error("kernel_shape " + ints_to_string(from_attr) +
                      " does not match the weight's " + std::to_string(spatial_rank) +
                      " spatial dims");
  std::vector<int64_t> kernel;
  for (size_t i = 0; i < spatial_rank; ++i) {
    const Dim& dim = w[i + 2];
    if (dim.is_static()) {
      if (!from_attr.empty() && from_attr[i] != dim.value)
        return make_error("kernel_shape " + ints_to_string(from_attr) +
                          " does not match the weight shape " + shape_to_string(w));
      kernel.push_back(dim.value);
    } else if (!from_attr.empty()) {
      kernel.push_back(from_attr[i]);
    } else {
      return make_error("Conv weight " + shape_to_string(w) + " has a non-static kernel size");
    }
  }
  return kernel;
}

}  // namespace

Result<Shape> conv_output_shape(const ShapeContext& ctx, const TensorType& x, const TensorType& w) {
  if (x.shape->size() < 3)
    return make_error(ctx.op + " input must have rank >= 3 (N, C, spatial...) but is " +
                      x.to_string());
  if (w.shape->size() != x.shape->size())
    return make_error(ctx.op + " weight " + w.to_string() + " must have the input's rank " +
                      std::to_string(x.shape->size()) + " (input " + x.to_string() + ")");
  KILN_RETURN_IF_ERROR(
      check_conv_channels(ctx, *x.shape, *w.shape, ctx.attrs->get_int("group", 1)));
  KILN_SHAPE_ASSIGN(kernel, conv_kernel(ctx, *w.shape));
  KILN_SHAPE_ASSIGN(spatial, window_output_dims(ctx, *x.shape, kernel));
  Shape out = {(*x.shape)[0], (*w.shape)[0]};
  out.insert(out.end(), spatial.begin(), spatial.end());
  return out;
}

Status infer_Conv(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, spatial_input(ctx));
  KILN_SHAPE_ASSIGN(w, input_type(ctx, 1));
  if (w.dtype != x.dtype)
    return make_error("Conv weight dtype " + std::string(dtype_name(w.dtype)) +
                      " differs from the input dtype " + dtype_name(x.dtype));
  KILN_SHAPE_ASSIGN(out, conv_output_shape(ctx, x, w));
  const Dim& out_channels = (*w.shape)[0];
  if (has_input(ctx, 2)) {
    KILN_SHAPE_ASSIGN(b, input_type(ctx, 2));
    if (b.shape->size() != 1 || !broadcast_dims((*b.shape)[0], out_channels) ||
        ((*b.shape)[0].is_static() && out_channels.is_static() && (*b.shape)[0] != out_channels))
      return make_error("Conv bias " + b.to_string() + " must be a vector of the " +
                        out_channels.to_string() + " output channels");
  }
  return set_output(ctx, TensorType{x.dtype, out});
}

namespace {

// The output size of a transposed window over a symbolic input dim: s * (in - 1) + extent.
Dim symbolic_transposed_output(const TransposedWindowAttributes& t, size_t dim, const Dim& input) {
  const WindowAttributes& w = t.window;
  const int64_t stride = w.strides[dim];
  if (w.auto_pad == AutoPad::SameUpper || w.auto_pad == AutoPad::SameLower)
    return multiply_dims(input, Dim::known(stride));
  const int64_t pads = w.auto_pad == AutoPad::Valid ? 0 : w.pad_begin[dim] + w.pad_end[dim];
  const int64_t extra = t.output_padding[dim] + w.span(dim) - pads - stride;
  const Dim grown = multiply_dims(input, Dim::known(stride));
  return extra >= 0 ? add_dims(grown, Dim::known(extra)) : subtract_dims(grown, Dim::known(-extra));
}

}  // namespace

Status infer_ConvTranspose(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, spatial_input(ctx));
  KILN_SHAPE_ASSIGN(w, input_type(ctx, 1));
  const Shape& in = *x.shape;
  if (w.shape->size() != in.size())
    return make_error("ConvTranspose weight " + w.to_string() + " must have the input's rank " +
                      std::to_string(in.size()) + " (input " + x.to_string() + ")");
  if (w.dtype != x.dtype)
    return make_error("ConvTranspose weight dtype " + std::string(dtype_name(w.dtype)) +
                      " differs from the input dtype " + dtype_name(x.dtype));
  // The weight is [C, M / group, kernel...]: input channels first.
  const int64_t group = ctx.attrs->get_int("group", 1);
  if (group < 1)
    return make_error("ConvTranspose group must be positive but is " + std::to_string(group));
  const Dim& in_channels = in[1];
  const Dim& weight_channels = (*w.shape)[0];
  if (in_channels.is_static() && weight_channels.is_static() &&
      in_channels.value != weight_channels.value)
    return make_error("ConvTranspose weight " + w.to_string() + " expects " +
                      weight_channels.to_string() + " input channels but the input has " +
                      in_channels.to_string());
  if (in_channels.is_static() && in_channels.value % group != 0)
    return make_error("ConvTranspose input channels " + in_channels.to_string() +
                      " are not divisible by group=" + std::to_string(group));
  const Dim out_channels = multiply_dims((*w.shape)[1], Dim::known(group));
  if (has_input(ctx, 2)) {
    KILN_SHAPE_ASSIGN(b, input_type(ctx, 2));
    if (b.shape->size() != 1 ||
        ((*b.shape)[0].is_static() && out_channels.is_static() && (*b.shape)[0] != out_channels))
      return make_error("ConvTranspose bias " + b.to_string() + " must be a vector of the " +
                        out_channels.to_string() + " output channels");
  }
  KILN_SHAPE_ASSIGN(kernel, conv_kernel(ctx, *w.shape));
  KILN_SHAPE_ASSIGN(window, read_transposed_window_attributes(*ctx.attrs, kernel));
  Shape out = {in[0], out_channels};
  for (size_t i = 0; i < kernel.size(); ++i) {
    const Dim& input = in[i + 2];
    if (input.is_static()) {
      KILN_SHAPE_ASSIGN(dim, resolve_transposed_window_dim(window, i, input.value));
      out.push_back(Dim::known(dim.output));
    } else if (!window.output_shape.empty()) {
      out.push_back(Dim::known(window.output_shape[i]));
    } else if (input.is_symbolic()) {
      out.push_back(symbolic_transposed_output(window, i, input));
    } else {
      out.push_back(Dim::unknown());
    }
  }
  return set_output(ctx, TensorType{x.dtype, out});
}

Status infer_MaxPool(ShapeContext& ctx) {
  return infer_pool(ctx);
}
Status infer_AveragePool(ShapeContext& ctx) {
  return infer_pool(ctx);
}
Status infer_LpPool(ShapeContext& ctx) {
  if (ctx.attrs->get_int("p", 2) < 1)
    return make_error("LpPool p must be positive but is " +
                      std::to_string(ctx.attrs->get_int("p", 2)));
  return infer_pool(ctx);
}
Status infer_MaxPoolIndices(ShapeContext& ctx) {
  KILN_RETURN_IF_ERROR(infer_pool(ctx));
  ctx.output_types[0].dtype = DType::Int64;
  return Status::ok();
}

Status infer_MaxUnpool(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, spatial_input(ctx));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  if (indices.dtype != DType::Int64)
    return make_error("MaxUnpool indices must be i64 but are " + indices.to_string());
  if (!(*indices.shape == *x.shape) && is_static(*indices.shape) && is_static(*x.shape))
    return make_error("MaxUnpool indices " + indices.to_string() + " must have the shape of X " +
                      x.to_string());
  const size_t spatial = x.shape->size() - 2;
  KILN_SHAPE_ASSIGN(kernel, pool_kernel(ctx, spatial));
  KILN_SHAPE_ASSIGN(window, read_window_attributes(*ctx.attrs, kernel));
  Shape out = {(*x.shape)[0], (*x.shape)[1]};
  for (size_t i = 0; i < spatial; ++i) {
    const Dim& in = (*x.shape)[i + 2];
    const int64_t extra = kernel[i] - window.pad_begin[i] - window.pad_end[i];
    Dim grown = multiply_dims(subtract_dims(in, Dim::known(1)), Dim::known(window.strides[i]));
    out.push_back(extra >= 0 ? add_dims(grown, Dim::known(extra))
                             : subtract_dims(grown, Dim::known(-extra)));
    if (out.back().is_static() && out.back().value < 1)
      return make_error("MaxUnpool pads leave no output along spatial dim " + std::to_string(i));
  }
  // output_shape pads the unpooled tensor at the end of each dim; the indices keep addressing
  // the unpooled shape.
  const std::vector<int64_t> requested = ctx.attrs->get_ints("output_shape");
  if (!requested.empty()) {
    if (requested.size() != out.size())
      return make_error("MaxUnpool output_shape " + ints_to_string(requested) + " must have " +
                        std::to_string(out.size()) + " dims");
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].is_static() && requested[i] < out[i].value)
        return make_error("MaxUnpool output_shape " + ints_to_string(requested) +
                          " is smaller than the unpooled shape " + shape_to_string(out));
      if (i >= 2 || out[i].is_static()) out[i] = Dim::known(requested[i]);
    }
  }
  return set_output(ctx, TensorType{x.dtype, out});
}
Status infer_GlobalAveragePool(ShapeContext& ctx) {
  return infer_global_pool(ctx);
}
Status infer_GlobalMaxPool(ShapeContext& ctx) {
  return infer_global_pool(ctx);
}

}  // namespace kiln::shape_rules
