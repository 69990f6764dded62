// ShapeOpsShapes.cpp: shape rules of the ops that compute with shapes and index tensors (Shape,
// Gather, Slice, Concat, Cast). Besides output types they propagate known dims, which is how
// PyTorch's dynamic-batch chains (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) fold.
#include <algorithm>
#include <limits>
#include <set>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// Values at or beyond this mean "to the end" in Slice (PyTorch exports INT64_MAX or INT32_MAX).
constexpr int64_t kSliceToEnd = std::numeric_limits<int32_t>::max();

struct SliceRange {
  int64_t start, end, step;
};

// ONNX Slice clamping for a static dim of size `size`; returns the number of elements.
int64_t slice_length(SliceRange& r, int64_t size) {
  if (size == 0) {
    r.start = r.end = 0;
    return 0;
  }
  if (r.start < 0) r.start += size;
  if (r.end < 0) r.end += size;
  // A step of `size` or more selects one element, as `size` itself does; clamping keeps the
  // arithmetic below from overflowing (a step of -2^63 cannot even be negated).
  r.step = std::clamp<int64_t>(r.step, -size, size);
  if (r.step > 0) {
    r.start = std::clamp<int64_t>(r.start, 0, size);
    r.end = std::clamp<int64_t>(r.end, 0, size);
    return r.end > r.start ? (r.end - r.start + r.step - 1) / r.step : 0;
  }
  r.start = std::clamp<int64_t>(r.start, 0, size - 1);
  r.end = std::clamp<int64_t>(r.end, -1, size - 1);
  return r.start > r.end ? (r.start - r.end + (-r.step) - 1) / (-r.step) : 0;
}

Dim symbolic_slice_length(const Dim& dim, const SliceRange& r) {
  if (r.step == 1 && r.start >= 0 && r.end >= kSliceToEnd)
    return subtract_dims(dim, Dim::known(r.start));
  return Dim::unknown();
}

// Reads Slice's starts/ends/axes/steps inputs; nullopt for an input whose values are unknown.
struct SliceParams {
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
};

Result<std::vector<int64_t>> slice_axes(const ShapeContext& ctx, const SliceParams& p, size_t count,
                                        int64_t rank) {
  std::vector<int64_t> axes;
  if (!p.axes) {
    for (size_t i = 0; i < count; ++i) axes.push_back(static_cast<int64_t>(i));
  } else {
    axes = *p.axes;
  }
  if (axes.size() != count)
    return make_error("Slice has " + std::to_string(count) + " starts but " +
                      std::to_string(axes.size()) + " axes");
  std::set<int64_t> seen;
  for (int64_t& axis : axes) {
    KILN_SHAPE_ASSIGN(normalized, normalize_axis(axis, rank, "Slice axis"));
    if (!seen.insert(normalized).second)
      return make_error("Slice axes " + ints_to_string(*p.axes) + " repeat axis " +
                        std::to_string(normalized));
    axis = normalized;
  }
  return axes;
}

}  // namespace

Status infer_Shape(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  auto clamp_bound = [rank](int64_t bound) {
    return std::clamp<int64_t>(bound < 0 ? bound + rank : bound, 0, rank);
  };
  const int64_t start = clamp_bound(ctx.attrs->get_int("start", 0));
  const int64_t end = clamp_bound(ctx.attrs->get_int("end", rank));
  std::vector<Dim> dims;
  bool all_known = true;
  for (int64_t i = start; i < end; ++i) {
    const Dim& dim = (*x.shape)[static_cast<size_t>(i)];
    all_known = all_known && !dim.is_unknown();
    dims.push_back(dim);
  }
  TensorType out{DType::Int64, Shape{Dim::known(static_cast<int64_t>(dims.size()))}};
  return set_output(ctx, out, all_known ? std::optional(dims) : std::nullopt);
}

Status infer_Gather(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(data, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  if (indices.dtype != DType::Int64 && indices.dtype != DType::Int32)
    return make_error("Gather indices must be i32 or i64 but are " + indices.to_string());
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  if (rank < 1) return make_error("Gather data must have rank >= 1 but is " + data.to_string());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", 0), rank, "Gather axis"));
  const Dim& extent = (*data.shape)[static_cast<size_t>(axis)];
  std::optional<std::vector<int64_t>> index_values = input_ints(ctx, 1);
  if (index_values && extent.is_static()) {
    for (int64_t& index : *index_values) {
      if (index < -extent.value || index >= extent.value)
        return make_error("Gather index " + std::to_string(index) + " is out of range for axis " +
                          std::to_string(axis) + " of size " + extent.to_string());
      if (index < 0) index += extent.value;
    }
  }
  Shape out(data.shape->begin(), data.shape->begin() + axis);
  out.insert(out.end(), indices.shape->begin(), indices.shape->end());
  out.insert(out.end(), data.shape->begin() + axis + 1, data.shape->end());

  std::optional<std::vector<Dim>> known;
  if (rank == 1 && ctx.input_known_dims[0] && index_values && indices.shape->size() <= 1 &&
      extent.is_static() && ctx.input_known_dims[0]->size() == static_cast<size_t>(extent.value)) {
    known.emplace();
    for (int64_t index : *index_values) known->push_back((*ctx.input_known_dims[0])[index]);
  }
  return set_output(ctx, TensorType{data.dtype, out}, known);
}

Status infer_Slice(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(data, input_type(ctx, 0));
  for (size_t i = 1; i < ctx.input_types.size(); ++i) {
    if (!has_input(ctx, i)) continue;
    KILN_SHAPE_ASSIGN(param, input_type(ctx, i));
    if ((param.dtype != DType::Int64 && param.dtype != DType::Int32) || param.shape->size() != 1)
      return make_error(input_label(ctx, i) + " must be a 1-D i32/i64 tensor but is " +
                        param.to_string());
  }
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  SliceParams p{input_ints(ctx, 1), input_ints(ctx, 2),
                has_input(ctx, 3) ? input_ints(ctx, 3) : std::optional<std::vector<int64_t>>(),
                has_input(ctx, 4) ? input_ints(ctx, 4) : std::optional<std::vector<int64_t>>()};
  Shape out = *data.shape;
  const bool axes_unknown = has_input(ctx, 3) && !p.axes;
  const bool steps_unknown = has_input(ctx, 4) && !p.steps;
  if (!p.starts || !p.ends || axes_unknown || steps_unknown) {
    // Which dims change is unknown; the rank is all that is certain.
    for (Dim& dim : out) dim = Dim::unknown();
    return set_output(ctx, TensorType{data.dtype, out});
  }
  const size_t count = p.starts->size();
  if (p.ends->size() != count || (p.steps && p.steps->size() != count))
    return make_error("Slice starts " + ints_to_string(*p.starts) + ", ends " +
                      ints_to_string(*p.ends) +
                      (p.steps ? ", steps " + ints_to_string(*p.steps) : "") + " differ in length");
  KILN_SHAPE_ASSIGN(axes, slice_axes(ctx, p, count, rank));
  std::vector<SliceRange> ranges;
  for (size_t i = 0; i < count; ++i) {
    SliceRange r{(*p.starts)[i], (*p.ends)[i], p.steps ? (*p.steps)[i] : 1};
    if (r.step == 0) return make_error("Slice step must not be 0");
    Dim& dim = out[static_cast<size_t>(axes[i])];
    dim = dim.is_static() ? Dim::known(slice_length(r, dim.value)) : symbolic_slice_length(dim, r);
    ranges.push_back(r);
  }
  std::optional<std::vector<Dim>> known;
  if (rank == 1 && ctx.input_known_dims[0] && (*data.shape)[0].is_static() && count == 1 &&
      ctx.input_known_dims[0]->size() == static_cast<size_t>((*data.shape)[0].value)) {
    const std::vector<Dim>& elements = *ctx.input_known_dims[0];
    known.emplace();
    const SliceRange& r = ranges[0];
    for (int64_t i = r.start; r.step > 0 ? i < r.end : i > r.end; i += r.step)
      known->push_back(elements[static_cast<size_t>(i)]);
  }
  return set_output(ctx, TensorType{data.dtype, out}, known);
}

Status infer_Concat(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(first, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(first.shape->size());
  if (!ctx.attrs->has("axis")) return make_error("Concat needs an axis attribute");
  if (rank == 0)
    return make_error("Concat inputs must have rank >= 1 but got " + first.to_string());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", 0), rank, "Concat axis"));
  Shape out = *first.shape;
  std::optional<std::vector<Dim>> known;
  if (rank == 1 && ctx.input_known_dims[0]) known = *ctx.input_known_dims[0];
  for (size_t i = 1; i < ctx.input_types.size(); ++i) {
    KILN_SHAPE_ASSIGN(next, input_type(ctx, i));
    if (next.dtype != first.dtype)
      return make_error("Concat input " + std::to_string(i) + " " + next.to_string() +
                        " has a different dtype than input 0 " + first.to_string());
    if (static_cast<int64_t>(next.shape->size()) != rank)
      return make_error("Concat input " + std::to_string(i) + " " + next.to_string() +
                        " has a different rank than input 0 " + first.to_string());
    for (int64_t d = 0; d < rank; ++d) {
      Dim& have = out[static_cast<size_t>(d)];
      const Dim& got = (*next.shape)[static_cast<size_t>(d)];
      if (d == axis) {
        have = have.is_unknown() || got.is_unknown() ? Dim::unknown() : add_dims(have, got);
      } else if (have.is_static() && got.is_static() && have != got) {
        return make_error("Concat input " + std::to_string(i) + " " + next.to_string() +
                          " differs from input 0 " + first.to_string() + " in dim " +
                          std::to_string(d) + " (" + got.to_string() + " vs " + have.to_string() +
                          ")");
      } else if (!have.is_static() && !got.is_unknown()) {
        have = got.is_static() ? got : have.is_unknown() ? got : have;
      }
    }
    if (known && ctx.input_known_dims[i])
      known->insert(known->end(), ctx.input_known_dims[i]->begin(), ctx.input_known_dims[i]->end());
    else
      known.reset();
  }
  return set_output(ctx, TensorType{first.dtype, out}, known);
}

Status infer_Cast(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  std::string to = ctx.attrs->get_string("to", "");
  std::optional<DType> dtype = parse_dtype_name(to);
  if (!dtype || *dtype == DType::Unknown)
    return make_error("Cast 'to' must be a dtype name such as \"f32\" or \"i64\" but is \"" + to +
                      "\"");
  std::optional<std::vector<Dim>> known;
  if (is_integer_dtype(*dtype) && ctx.input_known_dims[0]) known = *ctx.input_known_dims[0];
  return set_output(ctx, TensorType{*dtype, x.shape}, known);
}

}  // namespace kiln::shape_rules
