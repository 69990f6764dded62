// ReplicationKernels.cpp: Split (parts along an axis), Expand (numpy broadcasting to a given
// shape) and Tile (repeats along every dim). Output dims are computed here from the op's
// definition, independently of the shape rules, so the interpreter's cross-check means something.
#include <algorithm>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_Split(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  Result<int64_t> axis = normalize_axis(ctx.attrs().get_int("axis", 0), rank);
  if (!axis) return axis.error();
  const int64_t extent = x.dims[size_t(*axis)];
  const int64_t parts = static_cast<int64_t>(ctx.node->outputs.size());
  std::vector<int64_t> sizes = ctx.attrs().get_ints("split");
  if (sizes.empty()) {
    const int64_t chunk = (extent + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::clamp<int64_t>(extent - i * chunk, 0, chunk));
  }
  if (int64_t(sizes.size()) != parts) return make_error("Split sizes do not match its outputs");
  const int64_t inner = product(std::vector<int64_t>(x.dims.begin() + *axis + 1, x.dims.end()));
  const int64_t outer = product(std::vector<int64_t>(x.dims.begin(), x.dims.begin() + *axis));
  int64_t offset = 0;
  for (int64_t size : sizes) {
    if (offset + size > extent) return make_error("Split sizes exceed the split dim");
    std::vector<int64_t> dims = x.dims;
    dims[size_t(*axis)] = size;
    TensorWriter out(x.dtype, dims);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < size * inner; ++j)
        out.copy_element(x, (o * extent + offset) * inner + j, o * size * inner + j);
    ctx.outputs.push_back(out.finish());
    offset += size;
  }
  return Status::ok();
}

Status run_Expand(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& shape = ctx.input(1);
  std::vector<int64_t> dims(std::max<size_t>(x.dims.size(), size_t(shape.element_count())), 1);
  auto align = [&](const std::vector<int64_t>& from) -> Status {  // numpy broadcasting
    const size_t shift = dims.size() - from.size();
    for (size_t i = 0; i < from.size(); ++i) {
      int64_t& d = dims[shift + i];
      if (from[i] != 1 && d != 1 && from[i] != d)
        return make_error("Expand cannot broadcast dim " + std::to_string(from[i]) + " with " +
                          std::to_string(d));
      if (from[i] != 1) d = from[i];
    }
    return Status::ok();
  };
  std::vector<int64_t> target;
  for (int64_t i = 0; i < shape.element_count(); ++i) target.push_back(shape.element_as_int(i));
  KILN_RETURN_IF_ERROR(align(x.dims));
  KILN_RETURN_IF_ERROR(align(target));
  BroadcastIndexer source(x.dims, dims);
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) out.copy_element(x, source.input_index(i), i);
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_Tile(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& repeats = ctx.input(1);
  const size_t rank = x.dims.size();
  if (size_t(repeats.element_count()) != rank)
    return make_error("Tile needs one repeat count per dim");
  std::vector<int64_t> dims = x.dims;
  for (size_t d = 0; d < rank; ++d) dims[d] *= repeats.element_as_int(int64_t(d));
  const std::vector<int64_t> in_strides = row_major_strides(x.dims);
  TensorWriter out(x.dtype, dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    int64_t rest = i, source = 0;
    for (size_t d = rank; d-- > 0;) {
      source += (rest % dims[d]) % x.dims[d] * in_strides[d];
      rest /= dims[d];
    }
    out.copy_element(x, source, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
