// LayoutShapes.cpp: shape rules of the ops that rearrange a tensor without computing on it
// (Reshape, Flatten, Transpose, Squeeze, Unsqueeze, DepthToSpace, SpaceToDepth) and Pad (whose
// fill may be a run-time input).
#include <algorithm>
#include <set>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

std::optional<std::vector<Dim>> known_dims_of_input(const ShapeContext& ctx) {
  if (!ctx.input_known_dims[0]) return std::nullopt;
  return *ctx.input_known_dims[0];
}

// Fills the -1 entry of a Reshape target, or checks the element counts when there is none.
Status resolve_reshape_count(const TensorType& input, Shape& out, std::optional<size_t> inferred,
                             const std::vector<Dim>& target) {
  std::optional<DimProduct> total = DimProduct{};
  for (const Dim& dim : *input.shape) {
    std::optional<DimProduct> factor = DimProduct::of(dim);
    if (!factor) total.reset();
    if (total) total->multiply(*factor);
  }
  // A count past int64 is unknown here; the model limits reject such sizes with their own error.
  if (total && total->overflowed) total.reset();
  DimProduct rest;
  bool rest_known = true;
  for (size_t i = 0; i < out.size(); ++i) {
    if (inferred && i == *inferred) continue;
    std::optional<DimProduct> factor = DimProduct::of(out[i]);
    if (!factor) rest_known = false;
    if (factor) rest.multiply(*factor);
  }
  if (rest.overflowed) rest_known = false;
  const std::string what =
      "Reshape cannot turn " + input.to_string() + " into shape " + shape_to_string(target);
  if (!inferred) {
    if (!total || !rest_known) return Status::ok();
    bool mismatch;
    if (total->symbols.empty() && rest.symbols.empty()) {
      mismatch = total->coefficient != rest.coefficient;
    } else {
      std::optional<DimProduct> ratio = total->divide_exactly(rest);
      mismatch = ratio && ratio->symbols.empty() && ratio->coefficient != 1;
    }
    if (mismatch)
      return make_error(what + " (" + total->to_dim().to_string() + " elements vs " +
                        rest.to_dim().to_string() + ")");
    return Status::ok();
  }
  if (!total || !rest_known) {
    out[*inferred] = Dim::unknown();
    return Status::ok();
  }
  if (rest.coefficient == 0)
    return make_error(what + ": -1 cannot be inferred next to a 0-sized dim");
  if (std::optional<DimProduct> ratio = total->divide_exactly(rest)) {
    out[*inferred] = ratio->to_dim();
    return Status::ok();
  }
  if (total->symbols.empty() && rest.symbols.empty())
    return make_error(what + " (" + std::to_string(total->coefficient) +
                      " elements do not divide by " + std::to_string(rest.coefficient) + ")");
  out[*inferred] = divide_dims(total->to_dim(), rest.to_dim());
  return Status::ok();
}

}  // namespace

Status infer_Reshape(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(shape_type, input_type(ctx, 1));
  if (!is_integer_dtype(shape_type.dtype) || shape_type.shape->size() != 1)
    return make_error("Reshape shape input must be a 1-D integer tensor but is " +
                      shape_type.to_string());
  std::optional<std::vector<Dim>> target = input_dims_values(ctx, 1);
  if (!target) {
    const Dim& length = (*shape_type.shape)[0];
    if (!length.is_static())
      return make_error("Reshape target shape is not known and its length " + length.to_string() +
                        " is not static, so not even the output rank is known");
    return set_output(ctx, TensorType{x.dtype, Shape(static_cast<size_t>(length.value))},
                      known_dims_of_input(ctx));
  }
  const bool allow_zero = ctx.attrs->get_int("allowzero", 0) != 0;
  Shape out;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < target->size(); ++i) {
    const Dim& t = (*target)[i];
    if (!t.symbol.empty() || t.value > 0 || (t.value == 0 && allow_zero)) {
      out.push_back(t);
    } else if (t.value == 0) {
      if (i >= x.shape->size())
        return make_error("Reshape shape " + shape_to_string(*target) + " has 0 (copy) at index " +
                          std::to_string(i) + " but the input " + x.to_string() + " has rank " +
                          std::to_string(x.shape->size()));
      out.push_back((*x.shape)[i]);
    } else if (t.value == -1) {
      if (inferred)
        return make_error("Reshape shape " + shape_to_string(*target) + " has more than one -1");
      inferred = i;
      out.push_back(Dim::unknown());
    } else {
      return make_error("Reshape shape " + shape_to_string(*target) + " has invalid entry " +
                        std::to_string(t.value));
    }
  }
  if (allow_zero && inferred &&
      std::any_of(target->begin(), target->end(), [](const Dim& d) { return d == Dim::known(0); }))
    return make_error("Reshape shape " + shape_to_string(*target) +
                      " mixes -1 with 0 while allowzero is set");
  KILN_RETURN_IF_ERROR(resolve_reshape_count(x, out, inferred, *target));
  return set_output(ctx, TensorType{x.dtype, out}, known_dims_of_input(ctx));
}

Status infer_Flatten(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  int64_t axis = ctx.attrs->get_int("axis", 1);
  if (axis < -rank || axis > rank)
    return make_error("Flatten axis " + std::to_string(axis) + " is out of range for " +
                      x.to_string());
  if (axis < 0) axis += rank;
  const Shape& s = *x.shape;
  Shape out = {product_of_dims(Shape(s.begin(), s.begin() + axis)),
               product_of_dims(Shape(s.begin() + axis, s.end()))};
  return set_output(ctx, TensorType{x.dtype, out});
}

Status infer_Transpose(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const size_t rank = x.shape->size();
  std::vector<int64_t> perm = ctx.attrs->get_ints("perm");
  if (!ctx.attrs->has("perm") || (perm.empty() && rank > 0))
    for (size_t i = 0; i < rank; ++i) perm.insert(perm.begin(), static_cast<int64_t>(i));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool valid = sorted.size() == rank;
  for (size_t i = 0; valid && i < rank; ++i) valid = sorted[i] == static_cast<int64_t>(i);
  if (!valid)
    return make_error("Transpose perm " + ints_to_string(perm) + " is not a permutation of the " +
                      std::to_string(rank) + " axes of " + x.to_string());
  Shape out;
  for (int64_t axis : perm) out.push_back((*x.shape)[static_cast<size_t>(axis)]);
  return set_output(ctx, TensorType{x.dtype, out});
}

Status infer_Squeeze(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  std::set<int64_t> removed;
  std::vector<int64_t> axes = ctx.attrs->get_ints("axes");
  if (axes.empty()) {
    // Only dims known to be 1 go: a symbolic dim may be larger at run time.
    for (int64_t i = 0; i < rank; ++i)
      if ((*x.shape)[static_cast<size_t>(i)] == Dim::known(1)) removed.insert(i);
  }
  for (int64_t axis : axes) {
    KILN_SHAPE_ASSIGN(normalized, normalize_axis(axis, rank, "Squeeze axis"));
    const Dim& dim = (*x.shape)[static_cast<size_t>(normalized)];
    if (dim.is_static() && dim.value != 1)
      return make_error("Squeeze axis " + std::to_string(axis) + " of " + x.to_string() +
                        " has size " + dim.to_string() + ", not 1");
    if (!removed.insert(normalized).second)
      return make_error("Squeeze axes " + ints_to_string(axes) + " repeat an axis");
  }
  Shape out;
  for (int64_t i = 0; i < rank; ++i)
    if (!removed.count(i)) out.push_back((*x.shape)[static_cast<size_t>(i)]);
  return set_output(ctx, TensorType{x.dtype, out}, known_dims_of_input(ctx));
}

Status infer_Unsqueeze(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  std::vector<int64_t> axes = ctx.attrs->get_ints("axes");
  if (axes.empty()) return make_error("Unsqueeze needs a non-empty axes attribute");
  const int64_t out_rank = static_cast<int64_t>(x.shape->size() + axes.size());
  std::set<int64_t> inserted;
  for (int64_t axis : axes) {
    KILN_SHAPE_ASSIGN(normalized, normalize_axis(axis, out_rank, "Unsqueeze axis"));
    if (!inserted.insert(normalized).second)
      return make_error("Unsqueeze axes " + ints_to_string(axes) + " repeat an axis");
  }
  Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i)
    out.push_back(inserted.count(i) ? Dim::known(1) : (*x.shape)[next++]);
  return set_output(ctx, TensorType{x.dtype, out}, known_dims_of_input(ctx));
}

Status infer_Pad(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const size_t rank = x.shape->size();
  const std::string mode = ctx.attrs->get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return make_error("Pad mode '" + mode + "' is unknown (constant, reflect, edge or wrap)");
  KILN_RETURN_IF_ERROR(check_scalar_operand(ctx, 1, x));
  std::vector<int64_t> pads = ctx.attrs->get_ints("pads", std::vector<int64_t>(2 * rank, 0));
  if (pads.size() != 2 * rank)
    return make_error("Pad pads " + ints_to_string(pads) + " should hold " +
                      std::to_string(2 * rank) + " values (begins then ends) for " + x.to_string());
  // Pads of 2^31 or more give no extent Kiln compiles, and below that the sums cannot overflow.
  for (int64_t pad : pads)
    if (pad <= -(int64_t{1} << 31) || pad >= (int64_t{1} << 31))
      return make_error("Pad pads " + ints_to_string(pads) + " must lie within +-(2^31 - 1)");
  Shape out = *x.shape;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t total = pads[i] + pads[i + rank];
    Dim& dim = out[i];
    if (dim.is_static()) {
      if (dim.value + total < 0)
        return make_error("Pad pads " + ints_to_string(pads) + " crop dim " + std::to_string(i) +
                          " of " + x.to_string() + " below zero");
      // The other modes copy input elements into the border: an empty axis has none.
      if (mode != "constant" && dim.value == 0 && total > 0)
        return make_error("Pad mode '" + mode + "' cannot pad the empty dim " + std::to_string(i) +
                          " of " + x.to_string());
      dim = Dim::known(dim.value + total);
    } else if (dim.is_symbolic()) {
      dim = total >= 0 ? add_dims(dim, Dim::known(total)) : subtract_dims(dim, Dim::known(-total));
    }
  }
  return set_output(ctx, TensorType{x.dtype, out});
}

namespace {

// The input of DepthToSpace/SpaceToDepth (4-D) and its blocksize (positive).
Result<std::pair<TensorType, int64_t>> block_input(const ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.shape->size() != 4)
    return make_error(ctx.op + " needs a 4-D input [N,C,H,W] but got " + x.to_string());
  const int64_t block = ctx.attrs->get_int("blocksize", 0);
  if (block < 1 || block >= (int64_t{1} << 16))
    return make_error(ctx.op + " blocksize must be in [1, 65535] but is " + std::to_string(block));
  return std::make_pair(x, block);
}

// An error unless a static `dim` is a multiple of `factor`.
Status check_multiple(const ShapeContext& ctx, const Dim& dim, int64_t factor,
                      const std::string& what) {
  if (dim.is_static() && dim.value % factor != 0)
    return make_error(ctx.op + ": " + what + " " + std::to_string(dim.value) +
                      " is not a multiple of " + std::to_string(factor));
  return Status::ok();
}

}  // namespace

Status infer_DepthToSpace(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(input, block_input(ctx));
  const auto& [x, block] = input;
  const std::string mode = ctx.attrs->get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return make_error("DepthToSpace mode '" + mode + "' is unknown (DCR or CRD)");
  const Shape& in = *x.shape;
  KILN_RETURN_IF_ERROR(check_multiple(ctx, in[1], block * block, "channel count"));
  const Dim b = Dim::known(block);
  Shape out = {in[0], divide_dims(in[1], Dim::known(block * block)), multiply_dims(in[2], b),
               multiply_dims(in[3], b)};
  return set_output(ctx, TensorType{x.dtype, out});
}

Status infer_SpaceToDepth(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(input, block_input(ctx));
  const auto& [x, block] = input;
  const Shape& in = *x.shape;
  KILN_RETURN_IF_ERROR(check_multiple(ctx, in[2], block, "height"));
  KILN_RETURN_IF_ERROR(check_multiple(ctx, in[3], block, "width"));
  const Dim b = Dim::known(block);
  Shape out = {in[0], multiply_dims(in[1], Dim::known(block * block)), divide_dims(in[2], b),
               divide_dims(in[3], b)};
  return set_output(ctx, TensorType{x.dtype, out});
}

}  // namespace kiln::shape_rules
