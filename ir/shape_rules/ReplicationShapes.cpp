// ReplicationShapes.cpp: shape rules of the ops that cut a tensor into parts (Split) or repeat it
// (Expand, Tile). The sizes they need (Expand's shape, Tile's repeats) must be known at compile
// time, from a constant or from shape arithmetic; Kiln compiles static shapes.
#include <cstdint>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// The error for a size operand whose values shape inference could not work out.
Error unknown_operand(const ShapeContext& ctx, size_t index, const std::string& role) {
  return make_error(ctx.op + "'s " + role + " (input " + std::to_string(index) +
                    ") is not known at compile time: it must be a constant, or computed from "
                    "constants and static shapes");
}

Result<TensorType> index_vector(const ShapeContext& ctx, size_t index) {
  KILN_SHAPE_ASSIGN(type, input_type(ctx, index));
  if ((type.dtype != DType::Int64 && type.dtype != DType::Int32) || type.shape->size() != 1)
    return make_error(input_label(ctx, index) + " must be a 1-D i32/i64 tensor but is " +
                      type.to_string());
  return type;
}

// The sizes of Split's parts along a dim of `extent`: attribute `split`, or `num_outputs`
// parts of ceil(extent / num_outputs) with the last one taking what is left.
Result<std::vector<Dim>> split_sizes(const ShapeContext& ctx, const Dim& extent) {
  std::vector<Dim> sizes;
  if (ctx.attrs->has("split")) {
    int64_t total = 0;
    for (int64_t size : ctx.attrs->get_ints("split")) {
      if (size < 0)
        return make_error("Split sizes must not be negative, got " + std::to_string(size));
      total += size;
      sizes.push_back(Dim::known(size));
    }
    if (sizes.empty()) return make_error("Split needs at least one part");
    if (extent.is_static() && total != extent.value)
      return make_error("Split sizes " + ints_to_string(ctx.attrs->get_ints("split")) +
                        " add up to " + std::to_string(total) + ", not the split dim's " +
                        extent.to_string());
    return sizes;
  }
  const int64_t parts = ctx.attrs->get_int("num_outputs", 0);
  if (parts < 1) return make_error("Split needs 'split' sizes or a positive 'num_outputs'");
  if (!extent.is_static()) {
    // Equal parts of a symbolic dim are exact only when there is one part or it divides evenly.
    const Dim part = divide_dims(extent, Dim::known(parts));
    const Dim back = multiply_dims(part, Dim::known(parts));
    sizes.assign(size_t(parts), back == extent ? part : Dim::unknown());
    return sizes;
  }
  const int64_t chunk = (extent.value + parts - 1) / parts;
  const int64_t last = extent.value - chunk * (parts - 1);
  if (last < 0)
    return make_error("Split cannot cut a dim of " + extent.to_string() + " into " +
                      std::to_string(parts) + " parts of " + std::to_string(chunk));
  sizes.assign(size_t(parts - 1), Dim::known(chunk));
  sizes.push_back(Dim::known(last));
  return sizes;
}

}  // namespace

Status infer_Split(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  if (rank < 1) return make_error("Split needs an input of rank >= 1, got " + x.to_string());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", 0), rank, "Split axis"));
  const Dim& extent = (*x.shape)[static_cast<size_t>(axis)];
  KILN_SHAPE_ASSIGN(sizes, split_sizes(ctx, extent));
  const std::vector<Dim>* known = rank == 1 ? ctx.input_known_dims[0] : nullptr;
  int64_t offset = 0;
  ctx.output_types.clear();
  ctx.output_known_dims.clear();
  for (const Dim& size : sizes) {
    Shape shape = *x.shape;
    shape[static_cast<size_t>(axis)] = size;
    ctx.output_types.push_back(TensorType{x.dtype, shape});
    std::optional<std::vector<Dim>> part;
    if (known && size.is_static() && offset >= 0 &&
        offset + size.value <= static_cast<int64_t>(known->size()))
      part.emplace(known->begin() + offset, known->begin() + offset + size.value);
    ctx.output_known_dims.push_back(std::move(part));
    offset = size.is_static() && offset >= 0 ? offset + size.value : -1;
  }
  return Status::ok();
}

Status infer_Expand(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(shape_type, index_vector(ctx, 1));
  (void)shape_type;
  std::optional<std::vector<Dim>> target = input_dims_values(ctx, 1);
  if (!target) return unknown_operand(ctx, 1, "shape");
  for (const Dim& dim : *target)
    if (dim.is_unknown() || (is_integer_dim(dim) && dim.value < 0))
      return make_error("Expand's shape " + shape_to_string(*target) +
                        " has a negative or unknown entry");
  std::string conflict;
  std::optional<Shape> out = broadcast_shapes(*x.shape, *target, &conflict);
  if (!out)
    return make_error("Expand cannot broadcast " + x.to_string() + " to shape " +
                      shape_to_string(*target) + " (" + conflict + ")");
  return set_output(ctx, TensorType{x.dtype, *out});
}

Status infer_Tile(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(repeats_type, index_vector(ctx, 1));
  (void)repeats_type;
  std::optional<std::vector<int64_t>> repeats = input_ints(ctx, 1);
  if (!repeats) return unknown_operand(ctx, 1, "repeats");
  if (repeats->size() != x.shape->size())
    return make_error("Tile has " + std::to_string(repeats->size()) + " repeats for " +
                      x.to_string() + " (one per dim)");
  Shape out = *x.shape;
  for (size_t d = 0; d < out.size(); ++d) {
    const int64_t repeat = (*repeats)[d];
    if (repeat < 0)
      return make_error("Tile repeats " + ints_to_string(*repeats) + " must not be negative");
    if (out[d].is_static() && repeat > 0 && out[d].value > INT64_MAX / repeat)
      return make_error("Tile repeats " + ints_to_string(*repeats) + " make dim " +
                        std::to_string(d) + " of " + x.to_string() + " overflow");
    out[d] = multiply_dims(out[d], Dim::known(repeat));
  }
  return set_output(ctx, TensorType{x.dtype, out});
}

}  // namespace kiln::shape_rules
