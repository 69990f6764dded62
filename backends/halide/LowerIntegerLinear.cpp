// LowerIntegerLinear.cpp: Halide lowerings of the integer convolutions and matrix products
// (ConvInteger, MatMulInteger) and their requantizing forms (QLinearConv, QLinearMatMul). The
// operands minus their zero points are 16-bit; products widen to i32 and accumulate in an i32
// accumulator, an update stage over the reduction that apply_update_schedule vectorises along
// the innermost output dim. Requantizing multiplies the accumulator by the multiplier x_scale *
// w_scale / y_scale in f32, rounds half to even and saturates, as the reference (and ONNX
// Runtime) does; no f64, which OpenCL devices may lack.
#include "backends/halide/OpLowerings.h"
#include "backends/halide/SpatialWindow.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// The input positions of one integer op's operands; -1 where the op has none.
struct OperandPositions {
  int x, x_zero, w, w_zero, bias;
};

// A zero point at index `index` along its per-channel (or per-row/column) dim; 0 when absent.
Result<Expr> zero_at(LoweringContext& ctx, const Node& node, int position, const Expr& index) {
  const Value* value = position >= 0 ? node.input(size_t(position)) : nullptr;
  if (!value) return Expr(int16_t(0));
  KILN_HALIDE_ASSIGN(zero, ctx.value(value));
  Expr e;
  if (zero.rank() == 0) {
    e = zero.at({});
  } else if (is_const_int(zero.extents[0], 1)) {
    e = zero.at({0});
  } else {
    e = zero.at({index});
  }
  return Halide::cast<int16_t>(e);
}

// acc = bias + sum over the window of (x - x_zero) * (w - w_zero[c]); padding contributes 0.
Result<Func> conv_accumulator(LoweringContext& ctx, const Node& node, OperandPositions at,
                              std::vector<Func>& helpers) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(size_t(at.x))));
  KILN_HALIDE_ASSIGN(w, ctx.value(node.input(size_t(at.w))));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  const Value* weight = node.input(size_t(at.w));
  if (x.rank() < 3 || w.rank() != x.rank() || !weight->type.shape ||
      !is_static(*weight->type.shape))
    return make_error(node.op + " needs a weight of static shape and the input's rank >= 3");
  const size_t rank = x.rank(), spatial = rank - 2;
  std::vector<int64_t> wdims;
  for (const Dim& d : *weight->type.shape) wdims.push_back(d.value);
  const int64_t group = node.attrs.get_int("group", 1);
  if (group < 1 || wdims[0] % group != 0) return make_error(node.op + " group does not divide M");
  std::vector<int64_t> kernel(wdims.begin() + 2, wdims.end());
  KILN_HALIDE_ASSIGN(window,
                     resolve_spatial_window(node, kernel, {x.extents.begin() + 2, x.extents.end()},
                                            {out_extents.begin() + 2, out_extents.end()}));

  std::vector<Halide::Var> in_vars = ctx.make_vars(rank);
  KILN_HALIDE_ASSIGN(x_zero, zero_at(ctx, node, at.x_zero, Expr(0)));
  Func shifted = ctx.make_func(node, "shifted");
  define_pure(shifted, in_vars, Halide::cast<int16_t>(x.at(as_exprs(in_vars))) - x_zero);
  Func input = shifted;
  if (window.has_padding()) {
    input = pad_spatial(shifted, x.extents, spatial, Expr(int16_t(0)),
                        ctx.make_func(node, "padded").name());
    helpers.push_back(input);
  }

  Halide::Region region;  // kernel W, H, ... innermost, then the group's input channels
  for (size_t i = spatial; i-- > 0;) region.emplace_back(0, int(kernel[i]));
  region.emplace_back(0, int(wdims[1]));
  Halide::RDom r(region, ctx.make_func(node, "r").name());
  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  const Halide::Var &n = vars[0], &c = vars[1];
  const Halide::RVar in_channel = r[int(spatial)];
  Expr channel = in_channel;
  if (group > 1) channel = (c / int(wdims[0] / group)) * int(wdims[1]) + in_channel;
  std::vector<Expr> x_index = {n, channel}, w_index = {c, in_channel};
  for (size_t i = 0; i < spatial; ++i) {
    const Halide::RVar tap = r[int(spatial - 1 - i)];
    x_index.push_back(vars[2 + i] * int(window.strides[i]) + tap * int(window.dilations[i]) -
                      int(window.pad_begin[i]));
    w_index.push_back(tap);
  }
  KILN_HALIDE_ASSIGN(w_zero, zero_at(ctx, node, at.w_zero, c));
  Func acc = ctx.make_func(node, "acc");
  Expr initial = 0;
  if (at.bias >= 0 && node.input(size_t(at.bias))) {
    KILN_HALIDE_ASSIGN(bias, ctx.value(node.input(size_t(at.bias))));
    initial = Halide::cast<int32_t>(bias.at({c}));
  }
  define_pure(acc, vars, initial);
  acc(to_halide_order(as_exprs(vars))) +=
      Halide::cast<int32_t>(input(to_halide_order(x_index))) *
      Halide::cast<int32_t>(Halide::cast<int16_t>(w.at(w_index)) - w_zero);
  return acc;
}

// acc[batch..., m, n] = sum over k of (a - a_zero[m]) * (b - b_zero[n]), numpy batching.
Result<Func> matmul_accumulator(LoweringContext& ctx, const Node& node, OperandPositions at,
                                std::vector<Expr>& extents, bool& vector_a, bool& vector_b) {
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(size_t(at.x))));
  KILN_HALIDE_ASSIGN(b, ctx.value(node.input(size_t(at.w))));
  if (a.rank() == 0 || b.rank() == 0) return make_error(node.op + " operands must have rank >= 1");
  std::vector<Expr> a_ext = a.extents, b_ext = b.extents;
  vector_a = a.rank() == 1;
  vector_b = b.rank() == 1;
  if (vector_a) a_ext.insert(a_ext.begin(), Expr(1));
  if (vector_b) b_ext.push_back(Expr(1));
  extents = broadcast_extents(std::vector<Expr>(a_ext.begin(), a_ext.end() - 2),
                              std::vector<Expr>(b_ext.begin(), b_ext.end() - 2));
  extents.push_back(a_ext[a_ext.size() - 2]);
  extents.push_back(b_ext.back());
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  const Halide::Var &m = vars[vars.size() - 2], &n = vars.back();
  Halide::RDom r(0, a_ext.back(), ctx.make_func(node, "r").name());
  // An operand's index: its own batch dims broadcast against the output's, then (row, column);
  // a 1-D operand is indexed by the reduction alone.
  auto index_of = [&](const std::vector<Expr>& ext, bool is_vector, Expr row, Expr col) {
    if (is_vector) return std::vector<Expr>{r};
    std::vector<Expr> index;
    const size_t batch = ext.size() - 2, offset = vars.size() - 2 - batch;
    for (size_t i = 0; i < batch; ++i)
      index.push_back(is_const_int(ext[i], 1) ? Expr(0) : Expr(vars[offset + i]));
    index.push_back(row);
    index.push_back(col);
    return index;
  };
  KILN_HALIDE_ASSIGN(a_zero, zero_at(ctx, node, at.x_zero, m));
  KILN_HALIDE_ASSIGN(b_zero, zero_at(ctx, node, at.w_zero, n));
  const Expr a_elem = Halide::cast<int16_t>(a.at(index_of(a_ext, vector_a, m, r))) - a_zero;
  const Expr b_elem = Halide::cast<int16_t>(b.at(index_of(b_ext, vector_b, r, n))) - b_zero;
  Func acc = ctx.make_func(node, "acc");
  define_pure(acc, vars, Expr(0));
  acc(to_halide_order(as_exprs(vars))) +=
      Halide::cast<int32_t>(a_elem) * Halide::cast<int32_t>(b_elem);
  return acc;
}

// The matmul result without the unit dims a 1-D operand introduced: acc read at `index`.
std::vector<Expr> matmul_result_index(const std::vector<Halide::Var>& out_vars, size_t batch,
                                      bool vector_a, bool vector_b) {
  std::vector<Expr> index(out_vars.begin(), out_vars.begin() + long(batch));
  size_t next = batch;
  index.push_back(vector_a ? Expr(0) : Expr(out_vars[next++]));
  index.push_back(vector_b ? Expr(0) : Expr(out_vars[next++]));
  return index;
}

// saturate(round(f32(acc) * (x_scale * w_scale[channel] / y_scale)) + y_zero) in `to`.
Result<Expr> requantized(LoweringContext& ctx, const Node& node, const Expr& acc,
                         const Expr& channel) {
  std::optional<DType> dtype = parse_dtype_name(node.attrs.get_string("to", ""));
  if (!dtype) return make_error(node.op + " has no valid 'to' attribute");
  KILN_HALIDE_ASSIGN(type, to_halide_type(*dtype));
  KILN_HALIDE_ASSIGN(x_scale, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(w_scale, ctx.value(node.input(4)));
  KILN_HALIDE_ASSIGN(y_scale, ctx.value(node.input(6)));
  KILN_HALIDE_ASSIGN(y_zero, ctx.value(node.input(7)));
  auto scalar = [](const LoweredValue& v) { return v.at(std::vector<Expr>(v.rank(), Expr(0))); };
  const Expr ws = w_scale.rank() == 0 || is_const_int(w_scale.extents[0], 1)
                      ? scalar(w_scale)
                      : w_scale.at({channel});
  const Expr multiplier = Halide::cast<float>(scalar(x_scale)) * Halide::cast<float>(ws) /
                          Halide::cast<float>(scalar(y_scale));
  const Expr steps = Halide::round(Halide::cast<float>(acc) * multiplier);
  const Expr value = steps + Halide::cast<float>(scalar(y_zero));
  return Halide::cast(type, Halide::clamp(value, Halide::cast<float>(type.min()),
                                          Halide::cast<float>(type.max())));
}

Result<NodeLowering> lower_integer_conv(LoweringContext& ctx, const Node& node, OperandPositions at,
                                        bool requantize) {
  std::vector<Func> helpers;
  KILN_HALIDE_ASSIGN(acc, conv_accumulator(ctx, node, at, helpers));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(out_extents.size());
  Expr value = acc(to_halide_order(as_exprs(vars)));
  DType dtype = DType::Int32;
  if (requantize) {
    KILN_HALIDE_ASSIGN(q, requantized(ctx, node, value, vars[1]));
    value = q;
    dtype = *parse_dtype_name(node.attrs.get_string("to", ""));
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, value);
  NodeLowering lowering = single_output(f, out_extents, dtype);
  lowering.funcs.helpers = helpers;
  lowering.funcs.update_funcs = {acc};
  return lowering;
}

Result<NodeLowering> lower_integer_matmul(LoweringContext& ctx, const Node& node,
                                          OperandPositions at, bool requantize) {
  std::vector<Expr> full;
  bool vector_a = false, vector_b = false;
  KILN_HALIDE_ASSIGN(acc, matmul_accumulator(ctx, node, at, full, vector_a, vector_b));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  std::vector<Halide::Var> vars = ctx.make_vars(out_extents.size());
  const size_t batch = full.size() - 2;
  Expr value = acc(to_halide_order(matmul_result_index(vars, batch, vector_a, vector_b)));
  DType dtype = DType::Int32;
  if (requantize) {
    const Expr column = vector_b ? Expr(0) : Expr(vars.back());
    KILN_HALIDE_ASSIGN(q, requantized(ctx, node, value, column));
    value = q;
    dtype = *parse_dtype_name(node.attrs.get_string("to", ""));
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, value);
  NodeLowering lowering = single_output(f, out_extents, dtype);
  lowering.funcs.update_funcs = {acc};
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_ConvInteger(LoweringContext& ctx, const Node& node) {
  return lower_integer_conv(ctx, node, {0, 2, 1, 3, -1}, false);
}
Result<NodeLowering> lower_QLinearConv(LoweringContext& ctx, const Node& node) {
  return lower_integer_conv(ctx, node, {0, 2, 3, 5, 8}, true);
}
Result<NodeLowering> lower_MatMulInteger(LoweringContext& ctx, const Node& node) {
  return lower_integer_matmul(ctx, node, {0, 2, 1, 3, -1}, false);
}
Result<NodeLowering> lower_QLinearMatMul(LoweringContext& ctx, const Node& node) {
  return lower_integer_matmul(ctx, node, {0, 2, 3, 5, -1}, true);
}

}  // namespace kiln::halide_lowering
