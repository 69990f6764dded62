// LowerConv.cpp: Halide lowering of Conv (any spatial rank, groups, dilations, pads) as an
// accumulator with an RDom over (kernel window, input channels of the group). Under the
// ConvChannels schedule the accumulator is channel-blocked and the weights are pre-packed to
// match (see conv_channels below).
#include <algorithm>

#include "backends/halide/MachineModel.h"
#include "backends/halide/OpLowerings.h"
#include "backends/halide/SpatialWindow.h"
#include "backends/halide/WeightPacking.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// The ConvChannels form of a dense or depthwise 2-D Conv. With B = schedule.channel_block():
//   acc(cv, x, y, n, cb) = bias[cb*B + cv] + sum over the window (and input channels, when dense)
//   out(x, y, c, n) = acc(c % B, x, y, n, c / B)
// reading weights packed at compile time as [Cout/B, KH, KW, Cin, B] (depthwise: Cin = 1), so
// the B output channels of one weight tap are one contiguous run, read by vector loads. Blocks
// past Cout hold zero weights: a whole block is always safe to compute.
Result<NodeLowering> conv_channels(LoweringContext& ctx, const Node& node,
                                   const NodeSchedule& schedule) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  const Value* weight = node.input(1);
  const Tensor& w = *weight->constant;
  const int64_t out_channels = w.dims[0], in_channels_per_group = w.dims[1];
  const int64_t kernel_h = w.dims[2], kernel_w = w.dims[3];
  const bool depthwise = node.attrs.get_int("group", 1) > 1;
  KILN_HALIDE_ASSIGN(
      window, resolve_spatial_window(node, {kernel_h, kernel_w}, {x.extents[2], x.extents[3]},
                                     {out_extents[2], out_extents[3]}));
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  const int block = schedule.channel_block();
  Tensor packed_weights = pack_blocked(w, {2, 3, 1, 0}, block);
  const int64_t packed_weight_elements = packed_weights.element_count();
  LoweredValue packed =
      ctx.derived_weight(weight, "packed" + std::to_string(block), std::move(packed_weights));

  NodeLowering lowering;
  Func input = x.func;
  if (window.has_padding()) {
    input = pad_spatial(x.func, x.extents, 2, Halide::cast(type, 0),
                        ctx.make_func(node, "padded").name());
    // A dense conv reads each padded element once per output channel block and kernel tap:
    // a stored copy pays. A depthwise conv reads it only a few times, so it reads the input
    // through the boundary select (inlined) instead of writing and re-reading a padded copy
    // (MobileNetV2's stride-2 depthwise convs: about half the time).
    if (!depthwise)
      lowering.funcs.channels_last_helpers.push_back(
          {input, lanes_within(schedule.vector_width, in_channels_per_group)});
  }

  Halide::Var cv("cv"), px("d0"), py("d1"), pn("d3"), cb("cb");
  Expr channel = cb * block + cv;
  const bool partial_block = out_channels % block != 0;
  if (partial_block) channel = Halide::min(channel, int(out_channels - 1));
  Func acc = ctx.make_func(node, "acc");
  if (const Value* bias_value = node.input(2)) {
    KILN_HALIDE_ASSIGN(bias, ctx.value(bias_value));
    acc(cv, px, py, pn, cb) = bias.func(channel);
  } else {
    acc(cv, px, py, pn, cb) = Halide::cast(type, 0);
  }
  auto column = [&](Expr kx) {
    return px * int(window.strides[1]) + kx * int(window.dilations[1]) - int(window.pad_begin[1]);
  };
  auto row = [&](Expr ky) {
    return py * int(window.strides[0]) + ky * int(window.dilations[0]) - int(window.pad_begin[0]);
  };
  const std::string r_name = ctx.make_func(node, "r").name();
  if (depthwise) {
    Halide::RDom r(0, int(kernel_w), 0, int(kernel_h), r_name);
    acc(cv, px, py, pn, cb) +=
        input(column(r.x), row(r.y), channel, pn) * packed.func(cv, 0, r.x, r.y, cb);
    lowering.funcs.reduction_vars = {r.x, r.y};
    lowering.funcs.channel_local = true;
  } else {
    Halide::RDom r(0, int(in_channels_per_group), 0, int(kernel_w), 0, int(kernel_h), r_name);
    acc(cv, px, py, pn, cb) +=
        input(column(r.y), row(r.z), r.x, pn) * packed.func(cv, r.x, r.y, r.z, cb);
    lowering.funcs.reduction_vars = {r.x, r.y, r.z};
  }

  std::vector<Halide::Var> vars = ctx.make_vars(4);  // n, c, h, w
  Func out = ctx.make_func(node);
  define_pure(out, vars, acc(vars[1] % block, vars[3], vars[2], vars[0], vars[1] / block));
  lowering.outputs.push_back(LoweredValue{out, out_extents, x.dtype});
  lowering.funcs.output = out;
  lowering.funcs.accumulator = acc;
  const Value* result = node.output(0);
  if (result->type.shape && (*result->type.shape)[3].is_static()) {
    // A depthwise task computes every channel block of its rows (blocks loop innermost).
    const int64_t reduction =
        depthwise ? kernel_h * kernel_w : in_channels_per_group * kernel_h * kernel_w;
    const int64_t task_channels = depthwise ? (out_channels + block - 1) / block * block : block;
    lowering.funcs.row_macs = (*result->type.shape)[3].value * task_channels * reduction;
    lowering.funcs.channel_blocks = depthwise ? 1 : (out_channels + block - 1) / block;
    lowering.funcs.min_task_macs = schedule_facts(machine_model(ctx.target())).min_task_macs;
    if ((*result->type.shape)[2].is_static())
      lowering.funcs.output_rows = (*result->type.shape)[2].value;
  }
  if (!depthwise) {
    lowering.funcs.image_input_bytes = static_image_bytes(*node.input(0), type);
    lowering.funcs.weight_bytes = packed_weight_elements * type.bytes();
  }
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_Conv(LoweringContext& ctx, const Node& node) {
  const NodeSchedule schedule = ctx.schedule_of(node);
  if (schedule.kind == ScheduleTemplate::ConvChannels) return conv_channels(ctx, node, schedule);

  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(w, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  const Value* weight = node.input(1);
  if (x.rank() < 3 || w.rank() != x.rank() || out_extents.size() != x.rank())
    return make_error("Conv needs input and weight of equal rank >= 3");
  if (!weight->type.shape || !is_static(*weight->type.shape))
    return make_error("Conv needs a weight of static shape");
  const size_t rank = x.rank(), spatial = rank - 2;
  std::vector<int64_t> wdims;
  for (const Dim& d : *weight->type.shape) wdims.push_back(d.value);
  const int64_t group = node.attrs.get_int("group", 1);
  const int64_t out_channels = wdims[0], in_channels_per_group = wdims[1];
  if (group < 1 || out_channels % group != 0)
    return make_error("Conv group " + std::to_string(group) + " does not divide " +
                      std::to_string(out_channels) + " output channels");

  std::vector<int64_t> kernel(wdims.begin() + 2, wdims.end());
  std::vector<Expr> in_spatial(x.extents.begin() + 2, x.extents.end());
  std::vector<Expr> out_spatial(out_extents.begin() + 2, out_extents.end());
  KILN_HALIDE_ASSIGN(window, resolve_spatial_window(node, kernel, in_spatial, out_spatial));

  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  // The padded input is stored (a cheap copy) so the inner loop reads without bounds selects.
  Func input = x.func;
  std::vector<Func> helpers;
  if (window.has_padding()) {
    input = pad_spatial(x.func, x.extents, spatial, Halide::cast(type, 0),
                        ctx.make_func(node, "padded").name());
    helpers.push_back(input);
  }

  // RDom dims innermost first: kernel W, kernel H, ..., then input channels.
  Halide::Region region;
  for (size_t i = spatial; i-- > 0;) region.emplace_back(0, int(kernel[i]));
  region.emplace_back(0, int(in_channels_per_group));
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  auto kernel_var = [&](size_t spatial_index) { return r[int(spatial - 1 - spatial_index)]; };
  Halide::RVar in_channel = r[int(spatial)];

  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  const Halide::Var& n = vars[0];
  const Halide::Var& c = vars[1];
  Expr channel = in_channel;
  if (group > 1)
    channel = (c / int(out_channels / group)) * int(in_channels_per_group) + in_channel;
  std::vector<Expr> x_index = {n, channel};
  std::vector<Expr> w_index = {c, in_channel};
  for (size_t i = 0; i < spatial; ++i) {
    x_index.push_back(vars[2 + i] * int(window.strides[i]) +
                      kernel_var(i) * int(window.dilations[i]) - int(window.pad_begin[i]));
    w_index.push_back(kernel_var(i));
  }

  Func acc = ctx.make_func(node, "acc");
  const Value* bias_value = node.input(2);
  if (bias_value) {
    KILN_HALIDE_ASSIGN(bias, ctx.value(bias_value));
    define_pure(acc, vars, bias.func(c));
  } else {
    define_pure(acc, vars, Halide::cast(type, 0));
  }
  acc(to_halide_order(as_exprs(vars))) += input(to_halide_order(x_index)) * w.at(w_index);

  Func out = ctx.make_func(node);
  define_pure(out, vars, acc(to_halide_order(as_exprs(vars))));
  NodeLowering lowering = single_output(out, out_extents, x.dtype);
  lowering.funcs.accumulator = acc;
  lowering.funcs.helpers = helpers;
  for (int i = 0; i < r.dimensions(); ++i) lowering.funcs.reduction_vars.push_back(r[i]);
  lowering.funcs.reduction_inputs = {input, w.func};
  return lowering;
}

}  // namespace kiln::halide_lowering
