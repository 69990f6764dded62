// ShapeKernels.cpp: ops that only rearrange elements or report shapes: Flatten, Reshape,
// Squeeze, Unsqueeze, Transpose, Concat, Shape, DepthToSpace and SpaceToDepth. Output dims are
// computed here from the op's definition, independently of the shape rules, so the interpreter's
// cross-check means something.
#include <algorithm>
#include <cstring>
#include <set>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

namespace {

Status emit_reshaped(KernelContext& ctx, const std::vector<int64_t>& dims) {
  const Tensor& x = ctx.input(0);
  if (product(dims) != x.element_count())
    return make_error("cannot reshape " + dims_to_string(x.dims) + " to " + dims_to_string(dims));
  ctx.outputs.push_back(reshaped(x, dims));
  return Status::ok();
}

// Sorted, non-negative, duplicate-free axes for a tensor of `rank`.
Result<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank) {
  std::set<int64_t> unique;
  for (int64_t axis : axes) {
    Result<int64_t> resolved = normalize_axis(axis, rank);
    if (!resolved) return resolved.error();
    if (!unique.insert(*resolved).second)
      return make_error("axis " + std::to_string(axis) + " is repeated");
  }
  return std::vector<int64_t>(unique.begin(), unique.end());
}

// The elements of `x` viewed as `view` (same count), transposed by `perm`, as a tensor of
// `dims`: ONNX defines DepthToSpace and SpaceToDepth as such a reshape-transpose-reshape.
Tensor permuted_view(const Tensor& x, const std::vector<int64_t>& view,
                     const std::vector<int64_t>& perm, const std::vector<int64_t>& dims) {
  std::vector<int64_t> view_strides = row_major_strides(view);
  std::vector<int64_t> permuted;
  for (int64_t axis : perm) permuted.push_back(view[size_t(axis)]);
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    for (size_t d = permuted.size(); d-- > 0;) {
      source += (rest % permuted[d]) * view_strides[size_t(perm[d])];
      rest /= permuted[d];
    }
    out.copy_element(x, source, i);
  }
  return out.finish();
}

// Blocksize of DepthToSpace/SpaceToDepth over a 4-D input, checked.
Result<int64_t> read_blocksize(const KernelContext& ctx) {
  const int64_t block = ctx.attrs().get_int("blocksize", 0);
  if (ctx.input(0).dims.size() != 4) return make_error("needs a 4-D input [N,C,H,W]");
  if (block < 1) return make_error("blocksize must be positive");
  return block;
}

}  // namespace

Status run_Flatten(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  int64_t axis = ctx.attrs().get_int("axis", 1);
  if (axis < -rank || axis > rank)
    return make_error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  if (axis < 0) axis += rank;
  std::vector<int64_t> outer(x.dims.begin(), x.dims.begin() + axis);
  std::vector<int64_t> inner(x.dims.begin() + axis, x.dims.end());
  return emit_reshaped(ctx, {product(outer), product(inner)});
}

Status run_Reshape(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& shape = ctx.input(1);
  bool allow_zero = ctx.attrs().get_int("allowzero", 0) != 0;
  std::vector<int64_t> dims;
  int64_t inferred_axis = -1;
  for (int64_t i = 0; i < shape.element_count(); ++i) {
    int64_t d = shape.element_as_int(i);
    if (d == 0 && !allow_zero) {
      if (i >= static_cast<int64_t>(x.dims.size()))
        return make_error("shape entry 0 at position " + std::to_string(i) +
                          " has no input dim to copy");
      d = x.dims[i];
    } else if (d == -1) {
      if (inferred_axis >= 0) return make_error("shape has more than one -1");
      inferred_axis = i;
      d = 1;
    } else if (d < 0) {
      return make_error("shape entry " + std::to_string(d) + " is invalid");
    }
    dims.push_back(d);
  }
  if (inferred_axis >= 0) {
    int64_t known = product(dims);
    if (known == 0 || x.element_count() % known != 0)
      return make_error("cannot reshape " + dims_to_string(x.dims) + " with shape containing -1");
    dims[inferred_axis] = x.element_count() / known;
  }
  return emit_reshaped(ctx, dims);
}

Status run_Squeeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  std::vector<int64_t> axes;
  if (ctx.attrs().has("axes")) {
    Result<std::vector<int64_t>> resolved = normalize_axes(ctx.attrs().get_ints("axes"), rank);
    if (!resolved) return resolved.error();
    axes = *resolved;
    for (int64_t axis : axes)
      if (x.dims[axis] != 1)
        return make_error("cannot squeeze axis " + std::to_string(axis) + " of size " +
                          std::to_string(x.dims[axis]));
  } else {
    for (int64_t i = 0; i < rank; ++i)
      if (x.dims[i] == 1) axes.push_back(i);
  }
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) dims.push_back(x.dims[i]);
  return emit_reshaped(ctx, dims);
}

Status run_Unsqueeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> requested = ctx.attrs().get_ints("axes");
  int64_t out_rank = static_cast<int64_t>(x.dims.size() + requested.size());
  Result<std::vector<int64_t>> axes = normalize_axes(requested, out_rank);
  if (!axes) return axes.error();
  std::vector<int64_t> dims;
  size_t next_input_dim = 0;
  for (int64_t i = 0; i < out_rank; ++i) {
    if (std::binary_search(axes->begin(), axes->end(), i))
      dims.push_back(1);
    else
      dims.push_back(x.dims[next_input_dim++]);
  }
  return emit_reshaped(ctx, dims);
}

Status run_Transpose(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  std::vector<int64_t> perm = ctx.attrs().get_ints("perm");
  if (perm.empty() && !ctx.attrs().has("perm"))
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  Result<std::vector<int64_t>> sorted = normalize_axes(perm, rank);
  if (!sorted || static_cast<int64_t>(perm.size()) != rank)
    return make_error("perm is not a permutation of the " + std::to_string(rank) + " axes");
  for (int64_t& axis : perm)
    if (axis < 0) axis += rank;
  std::vector<int64_t> dims;
  for (int64_t axis : perm) dims.push_back(x.dims[axis]);
  std::vector<int64_t> in_strides = row_major_strides(x.dims);
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      source += (rest % dims[d]) * in_strides[perm[d]];
      rest /= dims[d];
    }
    out.copy_element(x, source, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Concat(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  int64_t rank = static_cast<int64_t>(first.dims.size());
  Result<int64_t> axis = normalize_axis(ctx.attrs().get_int("axis", 0), rank);
  if (!axis) return axis.error();
  std::vector<int64_t> dims = first.dims;
  dims[*axis] = 0;
  for (size_t k = 0; k < ctx.inputs.size(); ++k) {
    if (!ctx.has_input(k)) return make_error("input " + std::to_string(k) + " is missing");
    const Tensor& part = ctx.input(k);
    bool compatible = part.dtype == first.dtype && part.dims.size() == first.dims.size();
    for (int64_t d = 0; compatible && d < rank; ++d)
      compatible = d == *axis || part.dims[d] == first.dims[d];
    if (!compatible)
      return make_error("input " + std::to_string(k) + " " + dims_to_string(part.dims) +
                        " does not match " + dims_to_string(first.dims) + " off the axis");
    dims[*axis] += part.dims[*axis];
  }
  // Each input contributes one contiguous block of (its axis size * inner) elements per outer row.
  int64_t outer = product(std::vector<int64_t>(dims.begin(), dims.begin() + *axis));
  int64_t inner = product(std::vector<int64_t>(dims.begin() + *axis + 1, dims.end()));
  size_t element_size = dtype_size(first.dtype);
  std::vector<uint8_t> bytes(static_cast<size_t>(product(dims)) * element_size);
  uint8_t* cursor = bytes.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor* part : ctx.inputs) {
      size_t block = static_cast<size_t>(part->dims[*axis] * inner) * element_size;
      if (block) std::memcpy(cursor, part->data.data() + o * block, block);
      cursor += block;
    }
  }
  ctx.outputs.push_back(Tensor{first.dtype, dims, TensorData::from_vector(std::move(bytes))});
  return Status::ok();
}

Status run_Shape(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t rank = static_cast<int64_t>(x.dims.size());
  // ONNX clamps start and end into [0, rank] after resolving negatives.
  auto clamp = [rank](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
  int64_t start = clamp(ctx.attrs().get_int("start", 0));
  int64_t end = clamp(ctx.attrs().get_int("end", rank));
  std::vector<int64_t> values;
  for (int64_t i = start; i < end; ++i) values.push_back(x.dims[i]);
  ctx.outputs.push_back(make_int64_tensor({static_cast<int64_t>(values.size())}, values));
  return Status::ok();
}

Status run_DepthToSpace(KernelContext& ctx) {
  Result<int64_t> block = read_blocksize(ctx);
  if (!block) return make_error("DepthToSpace " + block.error().message);
  const Tensor& x = ctx.input(0);
  const int64_t b = *block, n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  if (c % (b * b) != 0)
    return make_error("DepthToSpace: " + std::to_string(c) + " channels are not a multiple of " +
                      std::to_string(b * b));
  const int64_t depth = c / (b * b);
  const std::string mode = ctx.attrs().get_string("mode", "DCR");
  std::vector<int64_t> dims = {n, depth, h * b, w * b};
  if (mode == "DCR") {
    ctx.outputs.push_back(permuted_view(x, {n, b, b, depth, h, w}, {0, 3, 4, 1, 5, 2}, dims));
  } else if (mode == "CRD") {
    ctx.outputs.push_back(permuted_view(x, {n, depth, b, b, h, w}, {0, 1, 4, 2, 5, 3}, dims));
  } else {
    return make_error("DepthToSpace mode '" + mode + "' is unknown (DCR or CRD)");
  }
  return Status::ok();
}

Status run_SpaceToDepth(KernelContext& ctx) {
  Result<int64_t> block = read_blocksize(ctx);
  if (!block) return make_error("SpaceToDepth " + block.error().message);
  const Tensor& x = ctx.input(0);
  const int64_t b = *block, n = x.dims[0], c = x.dims[1], h = x.dims[2], w = x.dims[3];
  if (h % b != 0 || w % b != 0)
    return make_error("SpaceToDepth: height and width must be multiples of the blocksize");
  ctx.outputs.push_back(permuted_view(x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4},
                                      {n, c * b * b, h / b, w / b}));
  return Status::ok();
}

}  // namespace kiln::reference
