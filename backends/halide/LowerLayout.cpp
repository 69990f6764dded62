// LowerLayout.cpp: Halide lowerings of the ops that only move elements (Flatten, Reshape,
// Transpose, Squeeze, Unsqueeze, Concat, DepthToSpace, SpaceToDepth), as index remaps of their
// input.
#include <algorithm>
#include <set>

#include "backends/halide/OpLowerings.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

bool same_extent(const Expr& a, const Expr& b) {
  return Halide::Internal::equal(Halide::Internal::simplify(a), Halide::Internal::simplify(b));
}

// Row-major reinterpretation of x as `out_extents`. Dims equal at the front or the back map
// one to one (so a symbolic batch stays a plain index); the middle goes through a linear index.
Result<NodeLowering> lower_reshape_to(LoweringContext& ctx, const Node& node, const LoweredValue& x,
                                      const std::vector<Expr>& out_extents) {
  const size_t in_rank = x.rank(), out_rank = out_extents.size();
  size_t prefix = 0;
  while (prefix < in_rank && prefix < out_rank &&
         same_extent(x.extents[prefix], out_extents[prefix]))
    ++prefix;
  size_t suffix = 0;
  while (suffix < in_rank - prefix && suffix < out_rank - prefix &&
         same_extent(x.extents[in_rank - 1 - suffix], out_extents[out_rank - 1 - suffix]))
    ++suffix;

  std::vector<Halide::Var> vars = ctx.make_vars(out_rank);
  std::vector<Expr> index(in_rank);
  for (size_t i = 0; i < prefix; ++i) index[i] = vars[i];
  for (size_t i = 0; i < suffix; ++i) index[in_rank - 1 - i] = vars[out_rank - 1 - i];
  Expr linear = 0;
  for (size_t j = prefix; j < out_rank - suffix; ++j) linear = linear * out_extents[j] + vars[j];
  Expr stride = 1;
  for (size_t i = in_rank - suffix; i-- > prefix;) {
    if (is_const_int(x.extents[i], 1)) {
      index[i] = 0;
      continue;
    }
    Expr quotient = is_const_int(stride, 1) ? linear : linear / stride;
    index[i] = i == prefix ? quotient : quotient % x.extents[i];
    stride = Halide::Internal::simplify(stride * x.extents[i]);
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, out_extents, x.dtype);
}

}  // namespace

Result<NodeLowering> lower_Flatten(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  int64_t axis = node.attrs.get_int("axis", 1);
  if (axis < 0) axis += int64_t(x.rank());
  if (axis < 0 || axis > int64_t(x.rank()))
    return make_error("Flatten axis is out of range for rank " + std::to_string(x.rank()));
  std::vector<Expr> outer(x.extents.begin(), x.extents.begin() + axis);
  std::vector<Expr> inner(x.extents.begin() + axis, x.extents.end());
  return lower_reshape_to(ctx, node, x, {element_count(outer), element_count(inner)});
}

Result<NodeLowering> lower_Reshape(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  auto inferred = ctx.extents_of(node.output(0));
  if (inferred) return lower_reshape_to(ctx, node, x, *inferred);
  // Shape inference left a dim we cannot bind: resolve the shape input here (0 copies, -1 fills).
  std::optional<std::vector<int64_t>> shape = ctx.constant_ints(node.input(1));
  if (!shape) return make_error("Reshape: " + inferred.error().message);
  const bool allow_zero = node.attrs.get_int("allowzero", 0) != 0;
  std::vector<Expr> extents;
  Expr known = 1;
  int fill = -1;
  for (size_t i = 0; i < shape->size(); ++i) {
    const int64_t d = (*shape)[i];
    if (d == -1) {
      fill = int(i);
      extents.push_back(Expr());
      continue;
    }
    Expr e = (d == 0 && !allow_zero && i < x.rank()) ? x.extents[i] : Expr(int(d));
    extents.push_back(e);
    known = known * e;
  }
  if (fill >= 0)
    extents[size_t(fill)] = Halide::Internal::simplify(element_count(x.extents) / known);
  return lower_reshape_to(ctx, node, x, extents);
}

Result<NodeLowering> lower_Transpose(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const size_t rank = x.rank();
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(int64_t(rank - 1 - i));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted.size() != rank || sorted[i] != int64_t(i))
      return make_error("Transpose perm is not a permutation of the input's dims");
  std::vector<Halide::Var> vars = ctx.make_vars(rank);
  std::vector<Expr> index(rank), extents(rank);
  for (size_t i = 0; i < rank; ++i) {
    index[size_t(perm[i])] = vars[i];
    extents[i] = x.extents[size_t(perm[i])];
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Squeeze(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  std::set<size_t> axes;
  for (int64_t a : node.attrs.get_ints("axes")) {
    KILN_HALIDE_ASSIGN(axis, normalize_axis(a, x.rank()));
    axes.insert(size_t(axis));
  }
  if (!node.attrs.has("axes"))
    for (size_t i = 0; i < x.rank(); ++i)
      if (is_const_int(x.extents[i], 1)) axes.insert(i);
  std::vector<Expr> extents;
  for (size_t i = 0; i < x.rank(); ++i)
    if (!axes.count(i)) extents.push_back(x.extents[i]);
  std::vector<Halide::Var> vars = ctx.make_vars(extents.size());
  std::vector<Expr> index;
  size_t next = 0;
  for (size_t i = 0; i < x.rank(); ++i)
    index.push_back(axes.count(i) ? Expr(0) : Expr(vars[next++]));
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Unsqueeze(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const size_t out_rank = x.rank() + node.attrs.get_ints("axes").size();
  std::set<size_t> axes;
  for (int64_t a : node.attrs.get_ints("axes")) {
    KILN_HALIDE_ASSIGN(axis, normalize_axis(a, out_rank));
    axes.insert(size_t(axis));
  }
  std::vector<Halide::Var> vars = ctx.make_vars(out_rank);
  std::vector<Expr> index, extents;
  size_t next = 0;
  for (size_t i = 0; i < out_rank; ++i) {
    if (axes.count(i)) {
      extents.push_back(1);
    } else {
      extents.push_back(x.extents[next++]);
      index.push_back(vars[i]);
    }
  }
  Func f = ctx.make_func(node);
  define_pure(f, vars, x.at(index));
  return single_output(f, extents, x.dtype);
}

Result<NodeLowering> lower_Concat(LoweringContext& ctx, const Node& node) {
  std::vector<LoweredValue> parts;
  for (const Value* input : node.inputs) {
    KILN_HALIDE_ASSIGN(part, ctx.value(input));
    parts.push_back(part);
  }
  if (parts.empty()) return make_error("Concat needs at least one input");
  KILN_HALIDE_ASSIGN(axis, normalize_axis(node.attrs.get_int("axis", 0), parts[0].rank()));
  const size_t a = size_t(axis);
  std::vector<Halide::Var> vars = ctx.make_vars(parts[0].rank());
  // A select chain: each later part takes over from its start on; reads are clamped inside each
  // part.
  Expr offset = 0;
  std::vector<Expr> starts;
  for (const LoweredValue& part : parts) {
    starts.push_back(offset);
    offset = Halide::Internal::simplify(offset + part.extents[a]);
  }
  Expr value;
  for (size_t p = 0; p < parts.size(); ++p) {
    std::vector<Expr> index = as_exprs(vars);
    index[a] = Halide::clamp(vars[a] - starts[p], 0, parts[p].extents[a] - 1);
    Expr element = parts[p].at(index);
    value = value.defined() ? Halide::select(vars[a] >= starts[p], element, value) : element;
  }
  std::vector<Expr> extents = parts[0].extents;
  extents[a] = offset;
  Func f = ctx.make_func(node);
  if (ctx.schedule_of(node).kind != ScheduleTemplate::Root) {
    define_pure(f, vars, value);
    return single_output(f, extents, parts[0].dtype);
  }
  // Stored: one copy per part into its own slice, so each output element costs one load (the
  // select chain loads every part at every output: DenseNet-121's Concats of up to 26 parts ran
  // at about 1 GB/s).
  KILN_HALIDE_ASSIGN(type, to_halide_type(parts[0].dtype));
  define_pure(f, vars, Halide::undef(type));
  for (size_t p = 0; p < parts.size(); ++p) {
    Halide::RDom r(0, parts[p].extents[a], ctx.make_func(node, "part" + std::to_string(p)).name());
    std::vector<Expr> index = as_exprs(vars);
    std::vector<Expr> slot = as_exprs(vars);
    index[a] = r;
    slot[a] = r + starts[p];
    f(to_halide_order(slot)) = parts[p].at(index);
  }
  NodeLowering lowering = single_output(f, extents, parts[0].dtype);
  lowering.funcs.disjoint_copies = true;
  return lowering;
}

Result<NodeLowering> lower_DepthToSpace(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const int64_t block = node.attrs.get_int("blocksize", 0);
  if (x.rank() != 4 || block < 1)
    return make_error("DepthToSpace needs a 4-D input, blocksize > 0");
  const int b = int(block);
  const Expr depth = Halide::Internal::simplify(x.extents[1] / (b * b));
  std::vector<Halide::Var> v = ctx.make_vars(4);  // n, c, h, w
  // The b x b block offset of an output pixel selects the input channel: outermost in DCR
  // (depth-column-row), innermost in CRD (column-row-depth).
  const Expr offset = (v[2] % b) * b + v[3] % b;
  const Expr channel = node.attrs.get_string("mode", "DCR") == "CRD" ? v[1] * (b * b) + offset
                                                                     : offset * depth + v[1];
  Func f = ctx.make_func(node);
  define_pure(f, v, x.at({v[0], channel, v[2] / b, v[3] / b}));
  return single_output(f, {x.extents[0], depth, x.extents[2] * b, x.extents[3] * b}, x.dtype);
}

Result<NodeLowering> lower_SpaceToDepth(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(x, ctx.value(node.input(0)));
  const int64_t block = node.attrs.get_int("blocksize", 0);
  if (x.rank() != 4 || block < 1)
    return make_error("SpaceToDepth needs a 4-D input, blocksize > 0");
  const int b = int(block);
  std::vector<Halide::Var> v = ctx.make_vars(4);  // n, c, h, w
  const Expr channels = x.extents[1];
  const Expr offset = v[1] / channels;  // the block offset, row-major over b x b
  Func f = ctx.make_func(node);
  define_pure(f, v, x.at({v[0], v[1] % channels, v[2] * b + offset / b, v[3] * b + offset % b}));
  return single_output(
      f,
      {x.extents[0], Halide::Internal::simplify(channels * (b * b)),
       Halide::Internal::simplify(x.extents[2] / b), Halide::Internal::simplify(x.extents[3] / b)},
      x.dtype);
}

}  // namespace kiln::halide_lowering
