// IndexingShapes.cpp: shape rules of the ops that read or write elements at indices held in a
// tensor (GatherElements, GatherND, ScatterElements, ScatterND, OneHot, ReverseSequence) and of
// the ones that reorder along one axis (CumSum, TopK).
#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

Status require_index_dtype(const ShapeContext& ctx, const TensorType& type, const char* role) {
  if (type.dtype != DType::Int64 && type.dtype != DType::Int32)
    return make_error(ctx.op + " " + role + " must be i32 or i64 but are " + type.to_string());
  return Status::ok();
}

// Two dims that must agree: equal when both are static (symbols are trusted).
bool dims_compatible(const Dim& a, const Dim& b) {
  return !(a.is_static() && b.is_static() && a.value != b.value);
}

// The last dim of GatherND/ScatterND indices: how many leading data dims one index tuple names.
Result<int64_t> index_tuple_length(const ShapeContext& ctx, const TensorType& indices,
                                   int64_t data_rank, int64_t batch_dims) {
  if (indices.shape->empty())
    return make_error(ctx.op + " indices must have rank >= 1 but are " + indices.to_string());
  const Dim& last = indices.shape->back();
  if (!last.is_static())
    return make_error(ctx.op + " indices need a static last dim (the index tuple length), not " +
                      indices.to_string());
  if (batch_dims + last.value > data_rank || last.value < 1)
    return make_error(ctx.op + " index tuples of " + std::to_string(last.value) +
                      " elements do not fit data of rank " + std::to_string(data_rank) + " after " +
                      std::to_string(batch_dims) + " batch dims");
  return last.value;
}

// The three operands of a scatter (data, integer indices, updates of data's dtype), checked
// with its reduction attribute.
struct ScatterOperands {
  TensorType data, indices, updates;
};

Result<ScatterOperands> scatter_operands(const ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(data, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  KILN_SHAPE_ASSIGN(updates, input_type(ctx, 2));
  KILN_RETURN_IF_ERROR(require_index_dtype(ctx, indices, "indices"));
  if (updates.dtype != data.dtype)
    return make_error(ctx.op + " updates " + updates.to_string() + " must have data's dtype (" +
                      data.to_string() + ")");
  const std::string reduction = ctx.attrs->get_string("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min")
    return make_error(ctx.op + " reduction must be none, add, mul, max or min, not '" +
                      reduction + "'");
  return ScatterOperands{data, indices, updates};
}

}  // namespace

// GatherElements(data, indices), axis: the output has the indices' shape; every other dim of the
// indices must fit inside data's.
Status infer_GatherElements(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(data, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  KILN_RETURN_IF_ERROR(require_index_dtype(ctx, indices, "indices"));
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  if (rank < 1 || indices.shape->size() != data.shape->size())
    return make_error("GatherElements data " + data.to_string() + " and indices " +
                      indices.to_string() + " must have the same rank >= 1");
  KILN_SHAPE_ASSIGN(axis,
                    normalize_axis(ctx.attrs->get_int("axis", 0), rank, "GatherElements axis"));
  for (int64_t d = 0; d < rank; ++d) {
    const Dim& in = (*data.shape)[size_t(d)];
    const Dim& at = (*indices.shape)[size_t(d)];
    if (d != axis && in.is_static() && at.is_static() && at.value > in.value)
      return make_error("GatherElements indices " + indices.to_string() + " exceed data " +
                        data.to_string() + " along axis " + std::to_string(d));
  }
  return set_output(ctx, TensorType{data.dtype, indices.shape});
}

// GatherND(data, indices), batch_dims b: indices [..., k] name k dims of data after the b shared
// batch dims; the output is indices.shape[:-1] + data.shape[b + k:].
Status infer_GatherND(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(data, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  KILN_RETURN_IF_ERROR(require_index_dtype(ctx, indices, "indices"));
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  const int64_t batch_dims = ctx.attrs->get_int("batch_dims", 0);
  const int64_t index_rank = static_cast<int64_t>(indices.shape->size());
  if (batch_dims < 0 || batch_dims >= std::min(rank, index_rank))
    return make_error("GatherND batch_dims " + std::to_string(batch_dims) +
                      " must be below the ranks of data " + data.to_string() + " and indices " +
                      indices.to_string());
  KILN_SHAPE_ASSIGN(k, index_tuple_length(ctx, indices, rank, batch_dims));
  for (int64_t d = 0; d < batch_dims; ++d)
    if (!dims_compatible((*data.shape)[size_t(d)], (*indices.shape)[size_t(d)]))
      return make_error("GatherND batch dim " + std::to_string(d) + " differs between data " +
                        data.to_string() + " and indices " + indices.to_string());
  Shape out(indices.shape->begin(), indices.shape->end() - 1);
  out.insert(out.end(), data.shape->begin() + batch_dims + k, data.shape->end());
  return set_output(ctx, TensorType{data.dtype, out});
}

// ScatterElements(data, indices, updates), axis, reduction: data's type; indices and updates
// share a shape of data's rank.
Status infer_ScatterElements(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(operands, scatter_operands(ctx));
  const auto& [data, indices, updates] = operands;
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  if (rank < 1 || indices.shape->size() != data.shape->size() ||
      updates.shape->size() != indices.shape->size())
    return make_error("ScatterElements data " + data.to_string() + ", indices " +
                      indices.to_string() + " and updates " + updates.to_string() +
                      " must have one rank >= 1");
  for (size_t d = 0; d < indices.shape->size(); ++d)
    if (!dims_compatible((*indices.shape)[d], (*updates.shape)[d]))
      return make_error("ScatterElements indices " + indices.to_string() + " and updates " +
                        updates.to_string() + " differ in shape");
  KILN_RETURN_IF_ERROR(
      normalize_axis(ctx.attrs->get_int("axis", 0), rank, "ScatterElements axis").status());
  return set_output(ctx, data);
}

// ScatterND(data, indices, updates), reduction: data's type; updates has the shape
// indices.shape[:-1] + data.shape[k:].
Status infer_ScatterND(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(operands, scatter_operands(ctx));
  const auto& [data, indices, updates] = operands;
  const int64_t rank = static_cast<int64_t>(data.shape->size());
  KILN_SHAPE_ASSIGN(k, index_tuple_length(ctx, indices, rank, 0));
  Shape expected(indices.shape->begin(), indices.shape->end() - 1);
  expected.insert(expected.end(), data.shape->begin() + k, data.shape->end());
  bool matches = expected.size() == updates.shape->size();
  for (size_t d = 0; matches && d < expected.size(); ++d)
    matches = dims_compatible(expected[d], (*updates.shape)[d]);
  if (!matches)
    return make_error("ScatterND updates " + updates.to_string() + " must have shape " +
                      shape_to_string(expected) + " (indices " + indices.to_string() + ", data " +
                      data.to_string() + ")");
  return set_output(ctx, data);
}

// OneHot(values, indices), depth, axis (-1): a new axis of `depth` at `axis` of the indices'
// shape; values is [off, on] and sets the dtype.
Status infer_OneHot(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(values, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(indices, input_type(ctx, 1));
  if (indices.dtype == DType::Bool)
    return make_error("OneHot indices must be numeric but are " + indices.to_string());
  std::optional<int64_t> count = static_element_count(*values.shape);
  if (values.shape->size() != 1 || !count || *count != 2)
    return make_error("OneHot values must be [off, on] (2 elements) but are " + values.to_string());
  if (!ctx.attrs->has("depth")) return make_error("OneHot needs attribute 'depth'");
  const int64_t depth = ctx.attrs->get_int("depth", 0);
  if (depth < 1) return make_error("OneHot depth must be positive, not " + std::to_string(depth));
  const int64_t rank = static_cast<int64_t>(indices.shape->size()) + 1;
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", -1), rank, "OneHot axis"));
  Shape out = *indices.shape;
  out.insert(out.begin() + axis, Dim::known(depth));
  return set_output(ctx, TensorType{values.dtype, out});
}

// ReverseSequence(x, sequence_lens), batch_axis (1), time_axis (0): x's type; one length per batch.
Status infer_ReverseSequence(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(lengths, input_type(ctx, 1));
  KILN_RETURN_IF_ERROR(require_index_dtype(ctx, lengths, "sequence_lens"));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  if (rank < 2)
    return make_error("ReverseSequence input must have rank >= 2 but is " + x.to_string());
  KILN_SHAPE_ASSIGN(batch_axis, normalize_axis(ctx.attrs->get_int("batch_axis", 1), rank,
                                               "ReverseSequence batch_axis"));
  KILN_SHAPE_ASSIGN(time_axis, normalize_axis(ctx.attrs->get_int("time_axis", 0), rank,
                                              "ReverseSequence time_axis"));
  if (batch_axis == time_axis || batch_axis > 1 || time_axis > 1)
    return make_error("ReverseSequence batch_axis and time_axis must be 0 and 1 in some order");
  if (lengths.shape->size() != 1 ||
      !dims_compatible((*lengths.shape)[0], (*x.shape)[size_t(batch_axis)]))
    return make_error("ReverseSequence sequence_lens " + lengths.to_string() +
                      " must hold one length per batch of " + x.to_string());
  return set_output(ctx, x);
}

// CumSum(x), axis (the frontend folds ONNX's axis input), exclusive, reverse: x's type.
Status infer_CumSum(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.dtype == DType::Bool)
    return make_error("CumSum needs a numeric input, not " + x.to_string());
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  if (rank < 1) return make_error("CumSum input must have rank >= 1 but is " + x.to_string());
  KILN_RETURN_IF_ERROR(normalize_axis(ctx.attrs->get_int("axis", 0), rank, "CumSum axis").status());
  return set_output(ctx, x);
}

// TopK(x), k (the frontend folds ONNX's K input), axis (-1): values of x's dtype and i64
// indices, both x's shape with `k` along axis.
Status infer_TopK(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  if (rank < 1) return make_error("TopK input must have rank >= 1 but is " + x.to_string());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", -1), rank, "TopK axis"));
  if (!ctx.attrs->has("k")) return make_error("TopK needs attribute 'k'");
  const int64_t k = ctx.attrs->get_int("k", 0);
  const Dim& extent = (*x.shape)[size_t(axis)];
  if (k < 0 || (extent.is_static() && k > extent.value))
    return make_error("TopK k " + std::to_string(k) + " does not fit axis " + std::to_string(axis) +
                      " of " + x.to_string());
  Shape out = *x.shape;
  out[size_t(axis)] = Dim::known(k);
  ctx.output_types = {TensorType{x.dtype, out}, TensorType{DType::Int64, out}};
  return Status::ok();
}

}  // namespace kiln::shape_rules
