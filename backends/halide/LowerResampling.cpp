// LowerResampling.cpp: Halide lowering of Resize. The sampling geometry is resolved at compile
// time (ir/shape_rules/ResizeGeometry.h, the reference's own arithmetic): each resized dim
// becomes a table of input indices and weights per output coordinate, a constant the kernel
// reads, so nearest picks and weights agree with the reference bit for bit. Nearest resizes by
// an integral factor (Keras/PyTorch upsampling) need no table: their index is o / s or o * s + k.
// Linear and cubic resizes of up to 16 taps per element are one expression; longer filters
// (antialiased downsampling, 3-D cubic) resize one dim at a time through stored stages.
#include <optional>

#include "backends/halide/OpLowerings.h"
#include "ir/shape_rules/ResizeGeometry.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// Separable stages are used past this many taps per output element.
constexpr int64_t kMaxInlineTaps = 16;

// How one dim of the output reads the input.
struct DimSampling {
  bool identity = true;  ///< the output coordinate itself
  int64_t taps = 1;
  std::optional<LoweredValue> index;   ///< [taps, out] i32
  std::optional<LoweredValue> weight;  ///< [taps, out] in the compute type; null for nearest
  std::optional<LoweredValue> inside;  ///< [out] u8, 0 where extrapolated
  int stride = 1;                      ///< index = o * stride + offset (downsampling by stride)
  int divisor = 1;                     ///< index = (o + offset) / divisor (upsampling)
  int offset = 0;
  bool affine = false;  ///< nearest index as the stride/divisor formula, without a table
  int64_t input = 1;    ///< the input extent (table indices lie in [0, input))
};

// A nearest index table that is (o + k) / s or o * s + k for integral s: the formula.
void detect_affine(const ResizeTaps& taps, const ResizedDim& g, DimSampling& s) {
  const int64_t in = g.input, out = g.output;
  if (taps.taps != 1 || taps.extrapolates() || in < 1 || out < 1) return;
  auto matches = [&](auto index_of) {
    for (int64_t o = 0; o < out; ++o)
      if (taps.index[size_t(o)] != index_of(o)) return false;
    return true;
  };
  if (out >= in && out % in == 0) {
    const int64_t d = out / in;
    for (int64_t k = 0; k < d; ++k)
      if (matches([&](int64_t o) { return (o + k) / d; })) {
        s.affine = true, s.divisor = int(d), s.offset = int(k);
        return;
      }
  }
  if (in > out && in % out == 0) {
    const int64_t m = in / out;
    for (int64_t k = 0; k < m; ++k)
      if (matches([&](int64_t o) { return o * m + k; })) {
        s.affine = true, s.stride = int(m), s.offset = int(k);
        return;
      }
  }
}

// Constant tables of one dim, as derived weights named after the node's output.
void make_tables(LoweringContext& ctx, const Node& node, size_t dim, const ResizeTaps& taps,
                 bool weighted, DType compute, DimSampling& s) {
  const int64_t out = int64_t(taps.outside.size());
  std::vector<int64_t> index_table(size_t(taps.taps * out));
  std::vector<double> weight_table(index_table.size());
  for (int64_t o = 0; o < out; ++o)
    for (int64_t t = 0; t < taps.taps; ++t) {
      index_table[size_t(t * out + o)] = taps.index[size_t(o * taps.taps + t)];
      weight_table[size_t(t * out + o)] = taps.weight[size_t(o * taps.taps + t)];
    }
  const std::string suffix = "d" + std::to_string(dim);
  const std::vector<int32_t> narrow(index_table.begin(), index_table.end());
  s.index = ctx.derived_weight(
      node.output(0), "resize_index_" + suffix,
      Tensor{
          DType::Int32, {taps.taps, out}, TensorData::copy_of(narrow.data(), narrow.size() * 4)});
  if (weighted) {
    Tensor weights =
        compute == DType::Float64
            ? Tensor{DType::Float64,
                     {taps.taps, out},
                     TensorData::copy_of(weight_table.data(), weight_table.size() * 8)}
            : make_float_tensor({taps.taps, out},
                                std::vector<float>(weight_table.begin(), weight_table.end()));
    s.weight = ctx.derived_weight(node.output(0), "resize_weight_" + suffix, std::move(weights));
  }
  if (taps.extrapolates()) {
    std::vector<uint8_t> inside;
    for (uint8_t outside : taps.outside) inside.push_back(outside ? 0 : 1);
    s.inside = ctx.derived_weight(
        node.output(0), "resize_inside_" + suffix,
        Tensor{DType::UInt8, {out}, TensorData::copy_of(inside.data(), inside.size())});
  }
}

// The input coordinate tap `t` of `s` reads at output coordinate `o`.
Expr sampled_index(const DimSampling& s, const Expr& o, int64_t t) {
  if (s.identity) return o;
  if (s.affine) return s.stride > 1 ? o * s.stride + s.offset : (o + s.offset) / s.divisor;
  // The table holds indices inside the input; the clamp tells bounds inference so.
  return Halide::clamp(s.index->at({Expr(int(t)), o}), 0, int(s.input - 1));
}

// `source` resized along the dims of `sampling` that are not identity and lie in `dims`:
// the sum over their taps of the product of weights times the source element.
Expr weighted_sum(const Func& source, const std::vector<DimSampling>& sampling,
                  const std::vector<size_t>& dims, const std::vector<Halide::Var>& vars,
                  const Halide::Type& compute) {
  std::vector<int64_t> tap(dims.size(), 0);
  Expr sum;
  while (true) {
    std::vector<Expr> index(vars.begin(), vars.end());
    Expr weight;
    for (size_t k = 0; k < dims.size(); ++k) {
      const DimSampling& s = sampling[dims[k]];
      index[dims[k]] = sampled_index(s, vars[dims[k]], tap[k]);
      if (s.weight) {
        const Expr w = s.weight->at({Expr(int(tap[k])), vars[dims[k]]});
        weight = weight.defined() ? weight * w : w;
      }
    }
    Expr term = Halide::cast(compute, source(to_halide_order(index)));
    if (weight.defined()) term = weight * term;
    sum = sum.defined() ? sum + term : term;
    size_t k = dims.size();
    while (k-- > 0 && ++tap[k] == sampling[dims[k]].taps) tap[k] = 0;
    if (k == size_t(-1)) break;
  }
  return sum;
}

}  // namespace

Result<NodeLowering> lower_Resize(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(x.dtype));
  const size_t rank = x.rank();
  KILN_HALIDE_ASSIGN(attrs, read_resize_attributes(node.attrs, rank));
  // Dims not resized, or scaled by exactly 1, are copied whatever their extent; the others need
  // static extents to build their tables.
  std::vector<int64_t> input(rank, 1);
  std::vector<bool> copied(rank, false);
  for (size_t d = 0; d < rank; ++d) {
    copied[d] = !attrs.resized[d] || (!attrs.has_sizes() && attrs.scales[d] == 1.0);
    const int64_t* extent = Halide::Internal::as_const_int(x.extents[d]);
    if (extent) {
      input[d] = *extent;
    } else if (!copied[d]) {
      return make_error("Resize of dim " + std::to_string(d) + " needs a static extent");
    }
  }
  if (attrs.has_sizes() && attrs.aspect_policy != "stretch")
    for (size_t d = 0; d < rank; ++d)
      if (attrs.resized[d] && !Halide::Internal::as_const_int(x.extents[d]))
        return make_error("Resize keep_aspect_ratio_policy needs static extents");
  KILN_HALIDE_ASSIGN(geometry, resolve_resize(attrs, input));

  const bool nearest = attrs.mode == ResizeMode::Nearest;
  const DType compute_dtype = x.dtype == DType::Float64 ? DType::Float64 : DType::Float32;
  const Halide::Type compute = x.dtype == DType::Float64 ? Halide::Float(64) : Halide::Float(32);
  std::vector<DimSampling> sampling(rank);
  std::vector<size_t> resampled;
  int64_t combinations = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (copied[d]) continue;
    const ResizeTaps taps = resize_taps(attrs, d, geometry[d]);
    if (taps.is_identity()) continue;
    DimSampling& s = sampling[d];
    s.identity = false;
    s.taps = taps.taps;
    s.input = geometry[d].input;
    if (nearest) detect_affine(taps, geometry[d], s);
    if (!s.affine) make_tables(ctx, node, d, taps, !nearest, compute_dtype, s);
    resampled.push_back(d);
    combinations *= s.taps;
  }

  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  NodeLowering lowering;
  Expr value;
  if (nearest) {
    std::vector<Expr> index(vars.begin(), vars.end());
    for (size_t d : resampled) index[d] = sampled_index(sampling[d], vars[d], 0);
    value = x.at(index);
  } else if (combinations <= kMaxInlineTaps) {
    value = Halide::cast(type, weighted_sum(x.func, sampling, resampled, vars, compute));
  } else {
    // One stored stage per resampled dim; dims resampled so far have their output extents.
    Func stage = x.func;
    for (size_t k = 0; k < resampled.size(); ++k) {
      Func next = ctx.make_func(node, "dim" + std::to_string(resampled[k]));
      define_pure(next, vars, weighted_sum(stage, sampling, {resampled[k]}, vars, compute));
      if (k + 1 < resampled.size()) lowering.funcs.helpers.push_back(next);
      stage = next;
    }
    value = Halide::cast(type, stage(to_halide_order(std::vector<Expr>(vars.begin(), vars.end()))));
  }
  Expr inside;
  for (size_t d : resampled)
    if (sampling[d].inside) {
      const Expr here = sampling[d].inside->at({vars[d]}) != 0;
      inside = inside.defined() ? inside && here : here;
    }
  if (inside.defined())
    value = Halide::select(inside, value, Halide::cast(type, Expr(attrs.extrapolation_value)));
  Func f = ctx.make_func(node);
  define_pure(f, vars, value);
  lowering.outputs.push_back(LoweredValue{f, out_extents, x.dtype});
  lowering.funcs.output = f;
  return lowering;
}

}  // namespace kiln::halide_lowering
