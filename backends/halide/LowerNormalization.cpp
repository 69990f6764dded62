// LowerNormalization.cpp: Halide lowerings of the normalisations over some axes. The mean-variance
// ones (InstanceNormalization, LayerNormalization, MeanVarianceNormalization) store two
// per-slice statistics, the mean and the inverse deviation, as helpers (the schedule stores
// helpers at root: computed once per slice, in parallel over slices, vectorised along the
// innermost dim, which is why a reduced innermost dim is summed in lanes of partial sums) and
// compute the output as a per-element expression; LpNormalization stores the per-vector norm the
// same way; LRN sums a window of channels inline.
#include <functional>
#include <optional>
#include <set>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// The statistics of `x` over the dims in `axes`, as Funcs with x's rank and the reduced dims of
// extent one (so they share the output's Vars), computed in `real`.
struct SliceStatistics {
  Func mean;
  Func inverse_deviation;
  std::vector<Func> stored;   ///< every Func to store: the statistics and their partial sums
  std::vector<Expr> extents;  ///< x's extents with the reduced ones as 1
};

// Partial sums along a reduced innermost dim: lane l sums elements l, l + 8, l + 16, ... so the
// sum runs on vectors of contiguous elements instead of one element at a time.
constexpr int kLanes = 8;

/// `index` (IR order) with the dims in `axes` at 0: the slice statistic an element reads.
std::vector<Expr> slice_of(std::vector<Expr> index, const std::set<size_t>& axes) {
  for (size_t axis : axes) index[axis] = 0;
  return index;
}

// finish(sum of term(index) over the dims in `axes`), per slice, as a Func of x's rank with the
// reduced dims of extent one; the Funcs to store go to `stored`. When the innermost dim is
// reduced (contiguous in memory), the sum first runs in kLanes partial sums along it, held in
// a Func whose innermost dim is the lane, which the Root schedule vectorises.
Func slice_sum(LoweringContext& ctx, const Node& node, const LoweredValue& x,
               const std::set<size_t>& axes, const std::string& role,
               const std::function<Expr(const std::vector<Expr>&)>& term,
               const std::function<Expr(const Expr&)>& finish, std::vector<Func>& stored) {
  const size_t rank = x.rank();
  const bool lanes = rank > 0 && axes.count(rank - 1);
  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  Halide::Region region;  // innermost first
  for (size_t i = rank; i-- > 0;) {
    if (!axes.count(i)) continue;
    region.emplace_back(
        0, lanes && i == rank - 1 ? (x.extents[i] + (kLanes - 1)) / kLanes : x.extents[i]);
  }
  std::vector<Expr> index = as_exprs(vars);
  Expr inside = Halide::Internal::const_true();
  if (!region.empty()) {
    Halide::RDom r(region, ctx.make_func(node, role + "_r").name());
    int next = int(region.size());
    for (size_t i = 0; i < rank; ++i)
      if (axes.count(i)) index[i] = r[--next];
  }
  if (lanes) {  // the last chunk of lanes may reach past the dim: those lanes add nothing
    const Expr element = index[rank - 1] * kLanes + vars[rank - 1];
    inside = element < x.extents[rank - 1];
    index[rank - 1] = Halide::min(element, x.extents[rank - 1] - 1);
  }
  Expr value = term(index);
  if (lanes) value = Halide::select(inside, value, Halide::cast(value.type(), 0));
  if (!region.empty()) value = Halide::sum(value);
  Func partial = ctx.make_func(node, lanes ? role + "_lanes" : role);
  define_pure(partial, vars, lanes ? value : finish(value));
  stored.push_back(partial);
  if (!lanes) return partial;
  Halide::RDom lane(0, kLanes, ctx.make_func(node, role + "_l").name());
  std::vector<Expr> across = as_exprs(vars);
  across[rank - 1] = lane;
  Func total = ctx.make_func(node, role);
  define_pure(total, vars, finish(Halide::sum(partial(to_halide_order(across)))));
  stored.push_back(total);
  return total;
}

// `deviation_inverse` turns a variance into the factor each deviation from the mean is scaled
// by (1 / sqrt(var + epsilon), or MVN's 1 / (sqrt(var) + 1e-9)). Two passes: the mean, then the
// mean squared deviation from it.
SliceStatistics statistics_over(LoweringContext& ctx, const Node& node, const LoweredValue& x,
                                const std::set<size_t>& axes, const Halide::Type& real,
                                const std::function<Expr(const Expr&)>& deviation_inverse) {
  SliceStatistics s;
  std::vector<Expr> count_extents;
  for (size_t i = 0; i < x.rank(); ++i) {
    s.extents.push_back(axes.count(i) ? Expr(1) : x.extents[i]);
    if (axes.count(i)) count_extents.push_back(x.extents[i]);
  }
  const Expr count = Halide::cast(real, element_count(count_extents));
  auto value = [&](const std::vector<Expr>& index) { return Halide::cast(real, x.at(index)); };
  s.mean = slice_sum(
      ctx, node, x, axes, "mean", value, [&](const Expr& total) { return total / count; },
      s.stored);
  Func mean = s.mean;
  s.inverse_deviation = slice_sum(
      ctx, node, x, axes, "inv_dev",
      [&](const std::vector<Expr>& index) {
        const Expr deviation = value(index) - mean(to_halide_order(slice_of(index, axes)));
        return deviation * deviation;
      },
      [&](const Expr& total) { return deviation_inverse(total / count); }, s.stored);
  return s;
}

// The type statistics are computed in: stash_type where given, else f32 for f16 and the input's
// own type otherwise.
Result<Halide::Type> statistics_type(const Node& node, DType input) {
  DType dtype = input == DType::Float16 ? DType::Float32 : input;
  if (node.attrs.has("stash_type")) {
    std::optional<DType> stash = parse_dtype_name(node.attrs.get_string("stash_type", ""));
    if (!stash || !is_floating(*stash)) return make_error("stash_type is not a float dtype name");
    dtype = *stash;
  }
  return to_halide_type(dtype);
}

std::function<Expr(const Expr&)> inverse_sqrt_plus(double epsilon) {
  return [epsilon](const Expr& variance) {
    return Halide::cast(variance.type(), 1) /
           Halide::sqrt(variance + Halide::cast(variance.type(), Expr(epsilon)));
  };
}

std::set<size_t> axes_from(size_t first, size_t rank) {
  std::set<size_t> axes;
  for (size_t d = first; d < rank; ++d) axes.insert(d);
  return axes;
}

}  // namespace

Result<NodeLowering> lower_InstanceNormalization(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() < 3) return make_error("InstanceNormalization needs an input of rank >= 3");
  KILN_HALIDE_ASSIGN(scale, ctx.value(node.input(1)));
  KILN_HALIDE_ASSIGN(bias, ctx.value(node.input(2)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  KILN_HALIDE_ASSIGN(real, statistics_type(node, x.dtype));
  const std::set<size_t> axes = axes_from(2, x.rank());
  SliceStatistics s = statistics_over(ctx, node, x, axes, real,
                                      inverse_sqrt_plus(node.attrs.get_float("epsilon", 1e-5)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> slice = to_halide_order(slice_of(as_exprs(vars), axes));
  const Expr normalized =
      (Halide::cast(real, x.at(as_exprs(vars))) - s.mean(slice)) * s.inverse_deviation(slice);
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::cast(type, normalized * Halide::cast(real, scale.at({vars[1]})) +
                                     Halide::cast(real, bias.at({vars[1]}))));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = s.stored;
  return lowering;
}

Result<NodeLowering> lower_LayerNormalization(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", -1), x.rank()));
  KILN_HALIDE_ASSIGN(scale, ctx.value(node.input(1)));
  std::optional<LoweredValue> bias;
  if (node.input(2)) {
    KILN_HALIDE_ASSIGN(b, ctx.value(node.input(2)));
    bias = b;
  }
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  KILN_HALIDE_ASSIGN(real, statistics_type(node, x.dtype));
  const std::set<size_t> axes = axes_from(size_t(axis), x.rank());
  SliceStatistics s = statistics_over(ctx, node, x, axes, real,
                                      inverse_sqrt_plus(node.attrs.get_float("epsilon", 1e-5)));
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> index = as_exprs(vars);
  const std::vector<Expr> slice = to_halide_order(slice_of(index, axes));
  Expr y = (Halide::cast(real, x.at(index)) - s.mean(slice)) * s.inverse_deviation(slice) *
           Halide::cast(real, scale.at(broadcast_index(scale, index)));
  if (bias) y = y + Halide::cast(real, bias->at(broadcast_index(*bias, index)));
  Func f = ctx.make_func(node);
  define_pure(f, vars, Halide::cast(type, y));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  // Mean and InvStdDev are the stored statistics themselves, in the stash type.
  const DType stash = node.output(1) ? node.output(1)->type.dtype : DType::Float32;
  lowering.outputs.push_back(LoweredValue{s.mean, s.extents, stash});
  lowering.outputs.push_back(LoweredValue{s.inverse_deviation, s.extents, stash});
  lowering.funcs.helpers = s.stored;
  return lowering;
}

Result<NodeLowering> lower_MeanVarianceNormalization(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::set<size_t> axes;
  for (int64_t axis : node.attrs.get_ints("axes", {0, 2, 3})) {
    KILN_HALIDE_ASSIGN(resolved, normalize_axis(axis, x.rank()));
    axes.insert(size_t(resolved));
  }
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  KILN_HALIDE_ASSIGN(real, statistics_type(node, x.dtype));
  SliceStatistics s = statistics_over(ctx, node, x, axes, real, [](const Expr& variance) {
    return Halide::cast(variance.type(), 1) /
           (Halide::sqrt(variance) + Halide::cast(variance.type(), Expr(1e-9)));
  });
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const std::vector<Expr> slice = to_halide_order(slice_of(as_exprs(vars), axes));
  Func f = ctx.make_func(node);
  define_pure(f, vars,
              Halide::cast(type, (Halide::cast(real, x.at(as_exprs(vars))) - s.mean(slice)) *
                                     s.inverse_deviation(slice)));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = s.stored;
  return lowering;
}

Result<NodeLowering> lower_LpNormalization(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() == 0) return make_error("LpNormalization of a scalar is not supported");
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", -1), x.rank()));
  const bool l1 = node.attrs.get_int("p", 2) == 1;
  const std::set<size_t> axes = {size_t(axis)};
  std::vector<Func> stored;
  Func norm = slice_sum(
      ctx, node, x, axes, "norm",
      [&](const std::vector<Expr>& index) {
        const Expr v = x.at(index);
        return l1 ? Halide::abs(v) : v * v;
      },
      [&](const Expr& total) { return l1 ? total : Halide::sqrt(total); }, stored);
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  const Expr n = norm(to_halide_order(slice_of(as_exprs(vars), axes)));
  const Expr zero = Halide::cast(n.type(), 0);
  Func f = ctx.make_func(node);
  // A zero vector stays zero (as ONNX Runtime computes it) instead of becoming NaN.
  define_pure(f, vars, Halide::select(n == zero, zero, x.at(as_exprs(vars)) / n));
  NodeLowering lowering = single_output(f, x.extents, x.dtype);
  lowering.funcs.helpers = stored;
  return lowering;
}

Result<NodeLowering> lower_LRN(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  if (x.rank() < 3) return make_error("LRN needs an input of rank >= 3");
  const int64_t size = node.attrs.get_int("size", 1);
  if (size < 1) return make_error("LRN size must be positive");
  const int before = int((size - 1) / 2), window = int(size);
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  const Halide::Type real = type.bits() < 32 ? Halide::Float(32) : type;
  std::vector<Halide::Var> vars = ctx.make_vars(x.rank());
  // The window of channels, clamped to the tensor: channels outside it add nothing.
  Halide::RDom r(0, window, ctx.make_func(node, "r").name());
  std::vector<Expr> neighbour = as_exprs(vars);
  const Expr channel = vars[1] - before + r;
  const Expr channels = x.extents[1];
  neighbour[1] = Halide::clamp(channel, 0, channels - 1);
  const Expr v = Halide::cast(real, x.at(neighbour));
  const Expr inside = channel >= 0 && channel < channels;
  const Expr square_sum = Halide::sum(Halide::select(inside, v * v, Halide::cast(real, 0)));
  const Expr scale =
      Halide::cast(real, Expr(node.attrs.get_float("bias", 1.0))) +
      Halide::cast(real, Expr(node.attrs.get_float("alpha", 1e-4) / double(size))) * square_sum;
  Func f = ctx.make_func(node);
  define_pure(
      f, vars,
      Halide::cast(
          type,
          Halide::cast(real, x.at(as_exprs(vars))) /
              Halide::pow(scale, Halide::cast(real, Expr(node.attrs.get_float("beta", 0.75))))));
  return single_output(f, x.extents, x.dtype);
}

}  // namespace kiln::halide_lowering
