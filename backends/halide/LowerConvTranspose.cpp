// LowerConvTranspose.cpp: Halide lowering of ConvTranspose as a gather: each output element sums
// the input elements and kernel taps that feed it, o = i * s + k * d - pb, so the accumulator has
// the shape of Conv's and the conv templates tile it (conv_tiled; conv_channels for 2-D dense
// ones with constant weights).
//
// A strided transposed convolution is not a convolution of the zero-upsampled input here (s^2 of
// its multiplies would be by zero): an output coordinate o splits into a phase r = (o + pb) mod s
// and a base q = floor((o + pb) / s), and only the taps k = r + t*s (t = 0 .. ceil(K / s) - 1)
// reach it, from input q - t. Kernels are zero-padded to whole phases (ceil(K / s) * s taps) so
// every phase runs the same taps: a 3x3 kernel of stride 2 costs 4 multiply-adds per output
// instead of the zero-upsampled 9. Stride 1 reads input o + pb - t * d with tap t; strided and
// dilated at once (rare) keeps every tap with a divisibility test.
#include <algorithm>

#include "backends/halide/ConvShape.h"
#include "backends/halide/MachineModel.h"
#include "backends/halide/OpLowerings.h"
#include "backends/halide/SpatialWindow.h"
#include "backends/halide/WeightPacking.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// How an output coordinate reads the input and the kernel along one spatial dim.
struct TransposedAxis {
  enum class Form { Unit, Phased, Strided };
  Form form = Form::Unit;
  int64_t stride = 1, dilation = 1, pad_begin = 0, kernel = 1;
  int64_t taps = 1;  ///< reduction extent along this dim

  /// Kernel taps after zero-padding to whole phases.
  int64_t padded_kernel() const { return form == Form::Phased ? taps * stride : kernel; }
  /// The input coordinate tap t reads for output coordinate o.
  Expr input(const Expr& o, const Expr& t) const {
    const Expr shifted = o + int(pad_begin);
    switch (form) {
      case Form::Unit:
        return shifted - t * int(dilation);
      case Form::Phased:
        return shifted / int(stride) - t;
      case Form::Strided:
        return (shifted - t * int(dilation)) / int(stride);
    }
    return shifted;
  }
  /// The kernel tap (in the padded kernel) tap t of output coordinate o multiplies.
  Expr tap(const Expr& o, const Expr& t) const {
    if (form == Form::Phased) return (o + int(pad_begin)) % int(stride) + t * int(stride);
    return t;
  }
  /// False where the tap does not reach o (Strided only).
  Expr reaches(const Expr& o, const Expr& t) const {
    if (form != Form::Strided) return Halide::Internal::const_true();
    return (o + int(pad_begin) - t * int(dilation)) % int(stride) == 0;
  }
};

struct TransposedSetup {
  LoweredValue x;
  std::vector<Expr> out_extents;
  std::vector<TransposedAxis> axes;  ///< per spatial dim, IR order
  int64_t group = 1, in_per_group = 1, out_per_group = 1;
  Halide::Type type;
};

Result<TransposedSetup> setup(LoweringContext& ctx, const Node& node) {
  TransposedSetup s;
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  s.x = x;
  s.out_extents = out_extents;
  s.type = type;
  const Value* weight = node.input(1);
  if (x.rank() < 3 || out_extents.size() != x.rank() || !weight->type.shape ||
      weight->type.shape->size() != x.rank() || !is_static(*weight->type.shape))
    return make_error("ConvTranspose needs input and a static weight of equal rank >= 3");
  std::vector<int64_t> wdims;
  for (const Dim& d : *weight->type.shape) wdims.push_back(d.value);
  s.group = node.attrs.get_int("group", 1);
  if (s.group < 1 || wdims[0] % s.group != 0)
    return make_error("ConvTranspose group does not divide the input channels");
  s.in_per_group = wdims[0] / s.group;
  s.out_per_group = wdims[1];
  const std::vector<int64_t> kernel(wdims.begin() + 2, wdims.end());
  KILN_HALIDE_ASSIGN(window, read_transposed_window_attributes(node.attrs, kernel));
  for (size_t i = 0; i < kernel.size(); ++i) {
    TransposedAxis a;
    a.stride = window.window.strides[i];
    a.dilation = window.window.dilations[i];
    a.kernel = kernel[i];
    // Pads that depend on the input size (output_shape, auto_pad) need it static.
    const int64_t* in = Halide::Internal::as_const_int(x.extents[2 + i]);
    if (in) {
      KILN_HALIDE_ASSIGN(dim, resolve_transposed_window_dim(window, i, *in));
      a.pad_begin = dim.pad_begin;
    } else if (window.output_shape.empty() && window.window.auto_pad == AutoPad::NotSet) {
      a.pad_begin = window.window.pad_begin[i];
    } else if (window.output_shape.empty() && window.window.auto_pad == AutoPad::Valid) {
      a.pad_begin = 0;
    } else {
      return make_error("ConvTranspose output_shape/auto_pad needs static spatial dims");
    }
    a.form = a.stride == 1     ? TransposedAxis::Form::Unit
             : a.dilation == 1 ? TransposedAxis::Form::Phased
                               : TransposedAxis::Form::Strided;
    a.taps = transposed_taps(a.kernel, a.stride, a.dilation);
    s.axes.push_back(a);
  }
  return s;
}

// The weight [C, M/g, K...] zero-padded along each spatial dim to the axis's padded kernel, and
// (when `conv_order`) transposed to Conv's [M, C, K...] (group 1 only).
Tensor padded_weights(const Tensor& w, const std::vector<TransposedAxis>& axes, bool conv_order) {
  std::vector<int64_t> padded = {w.dims[0], w.dims[1]};
  for (const TransposedAxis& a : axes) padded.push_back(a.padded_kernel());
  std::vector<int64_t> dims = padded;
  if (conv_order) std::swap(dims[0], dims[1]);
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  std::vector<float> values(size_t(count), 0.0f);
  const float* source = w.data.as<float>();
  std::vector<int64_t> at(w.dims.size(), 0);
  for (int64_t e = 0; e < w.element_count(); ++e) {
    int64_t rest = e;
    for (size_t d = w.dims.size(); d-- > 0;) {
      at[d] = rest % w.dims[d];
      rest /= w.dims[d];
    }
    if (conv_order) std::swap(at[0], at[1]);
    int64_t target = 0;
    for (size_t d = 0; d < dims.size(); ++d) target = target * dims[d] + at[d];
    values[size_t(target)] = source[e];
  }
  return make_float_tensor(dims, values);
}

// The plain form: acc(n, m, o...) = bias + sum over (input channels of the group, taps), any rank
// and group, weights constant or not; scheduled by conv_tiled like Conv's.
Result<NodeLowering> plain_form(LoweringContext& ctx, const Node& node, TransposedSetup& s) {
  const size_t rank = s.x.rank(), spatial = rank - 2;
  const Value* weight = node.input(1);
  NodeLowering lowering;
  Func input = pad_spatial(s.x.func, s.x.extents, spatial, Halide::cast(s.type, 0),
                           ctx.make_func(node, "padded").name());
  lowering.funcs.helpers.push_back(input);
  // Constant weights are zero-padded at compile time; others are padded by a select.
  const bool padded_constant = weight->is_constant() && s.x.dtype == DType::Float32;
  LoweredValue w;
  if (padded_constant) {
    w = ctx.derived_weight(weight, "phased", padded_weights(*weight->constant, s.axes, false));
  } else {
    KILN_HALIDE_ASSIGN(value, ctx.value(weight));
    w = value;
  }

  Halide::Region region;  // innermost first: the last spatial dim's taps, ..., input channels
  for (size_t i = spatial; i-- > 0;) region.emplace_back(0, int(s.axes[i].taps));
  region.emplace_back(0, int(s.in_per_group));
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  const Halide::Var& m = vars[1];
  const Halide::RVar channel = r[int(spatial)];
  const Expr in_channel =
      s.group > 1 ? (m / int(s.out_per_group)) * int(s.in_per_group) + channel : Expr(channel);
  const Expr out_in_group = s.group > 1 ? m % int(s.out_per_group) : Expr(m);
  std::vector<Expr> x_index = {vars[0], in_channel}, w_index = {in_channel, out_in_group};
  Expr reaches = Halide::Internal::const_true(), tap_inside = Halide::Internal::const_true();
  for (size_t i = 0; i < spatial; ++i) {
    const Expr t = r[int(spatial - 1 - i)];
    const Expr o = vars[2 + i];
    const TransposedAxis& a = s.axes[i];
    x_index.push_back(a.input(o, t));
    const Expr k = a.tap(o, t);
    if (padded_constant || a.form != TransposedAxis::Form::Phased) {
      w_index.push_back(k);
    } else {
      tap_inside = tap_inside && k < int(a.kernel);
      w_index.push_back(Halide::min(k, int(a.kernel - 1)));
    }
    reaches = reaches && a.reaches(o, t);
  }
  Expr product = input(to_halide_order(x_index)) * w.at(w_index);
  const Expr keep = reaches && tap_inside;
  if (!Halide::Internal::is_const_one(Halide::Internal::simplify(keep)))
    product = Halide::select(keep, product, Halide::cast(s.type, 0));

  Func acc = ctx.make_func(node, "acc");
  if (const Value* bias_value = node.input(2)) {
    KILN_HALIDE_ASSIGN(bias, ctx.value(bias_value));
    define_pure(acc, vars, bias.func(m));
  } else {
    define_pure(acc, vars, Halide::cast(s.type, 0));
  }
  acc(to_halide_order(as_exprs(vars))) += product;
  Func out = ctx.make_func(node);
  define_pure(out, vars, acc(to_halide_order(as_exprs(vars))));
  lowering.outputs.push_back(LoweredValue{out, s.out_extents, s.x.dtype});
  lowering.funcs.output = out;
  lowering.funcs.accumulator = acc;
  for (int i = 0; i < r.dimensions(); ++i) lowering.funcs.reduction_vars.push_back(r[i]);
  return lowering;
}

// The ConvChannels form of a 2-D dense ConvTranspose with constant weights, exactly Conv's (see
// LowerConv.cpp) but for the input and tap indices:
//   acc(cv, x, y, n, cb) = bias + sum over (c, tx, ty) of
//       input(x_in(x, tx), y_in(y, ty), c, n) * packed(cv, c, tap(x, tx), tap(y, ty), cb)
// with the weights zero-padded to whole phases and packed [M/B, KHp, KWp, C, B].
Result<NodeLowering> channels_form(LoweringContext& ctx, const Node& node, TransposedSetup& s,
                                   const NodeSchedule& schedule) {
  const Value* weight = node.input(1);
  const int block = schedule.channel_block();
  const int64_t in_channels = weight->constant->dims[0];
  const int64_t out_channels = weight->constant->dims[1];
  Tensor conv_order = padded_weights(*weight->constant, s.axes, true);
  Tensor packed_weights = pack_blocked(conv_order, {2, 3, 1, 0}, block);
  const int64_t packed_weight_elements = packed_weights.element_count();
  LoweredValue packed = ctx.derived_weight(weight, "phased_packed" + std::to_string(block),
                                           std::move(packed_weights));
  NodeLowering lowering;
  Func input = pad_spatial(s.x.func, s.x.extents, 2, Halide::cast(s.type, 0),
                           ctx.make_func(node, "padded").name());
  lowering.funcs.channels_last_helpers.push_back(
      {input, lanes_within(schedule.vector_width, in_channels)});

  Halide::Var cv("cv"), px("d0"), py("d1"), pn("d3"), cb("cb");
  Expr channel = cb * block + cv;
  if (out_channels % block != 0) channel = Halide::min(channel, int(out_channels - 1));
  Func acc = ctx.make_func(node, "acc");
  if (const Value* bias_value = node.input(2)) {
    KILN_HALIDE_ASSIGN(bias, ctx.value(bias_value));
    acc(cv, px, py, pn, cb) = bias.func(channel);
  } else {
    acc(cv, px, py, pn, cb) = Halide::cast(s.type, 0);
  }
  const TransposedAxis& rows = s.axes[0];
  const TransposedAxis& columns = s.axes[1];
  Halide::RDom r(0, int(in_channels), 0, int(columns.taps), 0, int(rows.taps),
                 ctx.make_func(node, "r").name());
  acc(cv, px, py, pn, cb) += input(columns.input(px, r.y), rows.input(py, r.z), r.x, pn) *
                             packed.func(cv, r.x, columns.tap(px, r.y), rows.tap(py, r.z), cb);
  lowering.funcs.reduction_vars = {r.x, r.y, r.z};

  std::vector<Halide::Var> vars = ctx.make_vars(4);  // n, c, h, w
  Func out = ctx.make_func(node);
  define_pure(out, vars, acc(vars[1] % block, vars[3], vars[2], vars[0], vars[1] / block));
  lowering.outputs.push_back(LoweredValue{out, s.out_extents, s.x.dtype});
  lowering.funcs.output = out;
  lowering.funcs.accumulator = acc;
  const Value* result = node.output(0);
  if (result->type.shape && (*result->type.shape)[3].is_static())
    lowering.funcs.row_macs =
        (*result->type.shape)[3].value * block * in_channels * rows.taps * columns.taps;
  if (result->type.shape && (*result->type.shape)[2].is_static())
    lowering.funcs.output_rows = (*result->type.shape)[2].value;
  lowering.funcs.channel_blocks = (out_channels + block - 1) / block;
  lowering.funcs.image_input_bytes = static_image_bytes(*node.input(0), s.type);
  lowering.funcs.weight_bytes = packed_weight_elements * s.type.bytes();
  lowering.funcs.min_task_macs = schedule_facts(machine_model(ctx.target())).min_task_macs;
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_ConvTranspose(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(s, setup(ctx, node));
  const NodeSchedule schedule = ctx.schedule_of(node);
  const bool phases_only = std::all_of(s.axes.begin(), s.axes.end(), [](const TransposedAxis& a) {
    return a.form != TransposedAxis::Form::Strided;
  });
  if (schedule.kind == ScheduleTemplate::ConvChannels && s.axes.size() == 2 && s.group == 1 &&
      node.input(1)->is_constant() && s.x.dtype == DType::Float32 && phases_only)
    return channels_form(ctx, node, s, schedule);
  return plain_form(ctx, node, s);
}

}  // namespace kiln::halide_lowering
