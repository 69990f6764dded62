// GatherScatterKernels.cpp: the ops that read or write elements at positions held in an index
// tensor: GatherElements, GatherND, ScatterElements, ScatterND, OneHot and ReverseSequence.
// Negative indices count from the end of their axis; an index outside it is an error naming it.
#include <cmath>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {
namespace {

// `index` resolved against an axis of `extent` (negative counts from the end).
Result<int64_t> resolve_index(int64_t index, int64_t extent, const char* what) {
  if (index < -extent || index >= extent)
    return make_error(std::string(what) + " index " + std::to_string(index) +
                      " is out of range for an axis of " + std::to_string(extent));
  return index < 0 ? index + extent : index;
}

// The row-major coordinates of element `flat` of a tensor of `dims`.
std::vector<int64_t> coordinates_of(int64_t flat, const std::vector<int64_t>& dims) {
  std::vector<int64_t> at(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    at[d] = flat % dims[d];
    flat /= dims[d];
  }
  return at;
}

int64_t flat_index(const std::vector<int64_t>& at, const std::vector<int64_t>& strides) {
  int64_t flat = 0;
  for (size_t d = 0; d < at.size(); ++d) flat += at[d] * strides[d];
  return flat;
}

enum class Combine { None, Add, Mul, Max, Min };

Result<Combine> read_reduction(const KernelContext& ctx) {
  const std::string reduction = ctx.attrs().get_string("reduction", "none");
  if (reduction == "none") return Combine::None;
  if (reduction == "add") return Combine::Add;
  if (reduction == "mul") return Combine::Mul;
  if (reduction == "max") return Combine::Max;
  if (reduction == "min") return Combine::Min;
  return make_error("reduction must be none, add, mul, max or min, not '" + reduction + "'");
}

// Writes `update` (element `from` of `updates`) into element `to` of `out`, combined with what
// is there. Integers combine exactly in int64 (wrapping on store), floats in double.
class ScatterWriter {
 public:
  ScatterWriter(const Tensor& data, Combine combine)
      : combine_(combine), integral_(is_integral(data.dtype)), out_(data.dtype, data.dims) {
    for (int64_t i = 0; i < data.element_count(); ++i) {
      out_.copy_element(data, i, i);
      if (integral_)
        ints_.push_back(data.element_as_int(i));
      else
        reals_.push_back(data.element_as_double(i));
    }
  }

  void write(const Tensor& updates, int64_t from, int64_t to) {
    if (combine_ == Combine::None) {
      out_.copy_element(updates, from, to);
      return;
    }
    if (integral_) {
      ints_[size_t(to)] = apply(ints_[size_t(to)], updates.element_as_int(from));
      out_.set_int(to, ints_[size_t(to)]);
    } else {
      reals_[size_t(to)] = apply(reals_[size_t(to)], updates.element_as_double(from));
      out_.set_double(to, reals_[size_t(to)]);
    }
  }

  Tensor finish() { return out_.finish(); }

 private:
  template <typename T>
  T apply(T current, T update) const {
    switch (combine_) {
      case Combine::Add:
        return T(current + update);
      case Combine::Mul:
        return T(current * update);
      case Combine::Max:
        return std::max(current, update);
      case Combine::Min:
        return std::min(current, update);
      case Combine::None:
        break;
    }
    return update;
  }

  Combine combine_;
  bool integral_;
  TensorWriter out_;
  std::vector<int64_t> ints_;
  std::vector<double> reals_;
};

}  // namespace

Status run_GatherElements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.dims.size()));
  if (!axis) return axis.error();
  const std::vector<int64_t> strides = row_major_strides(data.dims);
  TensorWriter out(data.dtype, indices.dims);
  for (int64_t i = 0; i < indices.element_count(); ++i) {
    std::vector<int64_t> at = coordinates_of(i, indices.dims);
    Result<int64_t> index =
        resolve_index(indices.element_as_int(i), data.dims[size_t(*axis)], "GatherElements");
    if (!index) return index.error();
    at[size_t(*axis)] = *index;
    out.copy_element(data, flat_index(at, strides), i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_GatherND(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const size_t batch_dims = size_t(ctx.attrs().get_int("batch_dims", 0));
  const size_t k = size_t(indices.dims.back());
  const std::vector<int64_t> strides = row_major_strides(data.dims);
  // Each output element: its leading coordinates pick an index tuple, its trailing ones the
  // element within the addressed slice.
  const std::vector<int64_t> out_dims = ctx.output_dims(0);
  const size_t tuple_dims = indices.dims.size() - 1;
  const std::vector<int64_t> index_strides = row_major_strides(indices.dims);
  TensorWriter out(data.dtype, out_dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    const std::vector<int64_t> at = coordinates_of(i, out_dims);
    std::vector<int64_t> source(data.dims.size());
    for (size_t d = 0; d < batch_dims; ++d) source[d] = at[d];
    std::vector<int64_t> tuple_at(at.begin(), at.begin() + long(tuple_dims));
    tuple_at.push_back(0);
    const int64_t tuple = flat_index(tuple_at, index_strides);
    for (size_t j = 0; j < k; ++j) {
      Result<int64_t> index = resolve_index(indices.element_as_int(tuple + int64_t(j)),
                                            data.dims[batch_dims + j], "GatherND");
      if (!index) return index.error();
      source[batch_dims + j] = *index;
    }
    for (size_t d = batch_dims + k; d < data.dims.size(); ++d)
      source[d] = at[tuple_dims + d - batch_dims - k];
    out.copy_element(data, flat_index(source, strides), i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_ScatterElements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& updates = ctx.input(2);
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.dims.size()));
  if (!axis) return axis.error();
  Result<Combine> combine = read_reduction(ctx);
  if (!combine) return combine.error();
  if (updates.dims != indices.dims) return make_error("updates and indices differ in shape");
  const std::vector<int64_t> strides = row_major_strides(data.dims);
  ScatterWriter writer(data, *combine);
  for (int64_t i = 0; i < indices.element_count(); ++i) {
    std::vector<int64_t> at = coordinates_of(i, indices.dims);
    Result<int64_t> index =
        resolve_index(indices.element_as_int(i), data.dims[size_t(*axis)], "ScatterElements");
    if (!index) return index.error();
    at[size_t(*axis)] = *index;
    for (size_t d = 0; d < at.size(); ++d)
      if (at[d] >= data.dims[d]) return make_error("ScatterElements indices exceed the data");
    writer.write(updates, i, flat_index(at, strides));
  }
  ctx.outputs.push_back(writer.finish());
  return Status::ok();
}

Status run_ScatterND(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const Tensor& updates = ctx.input(2);
  Result<Combine> combine = read_reduction(ctx);
  if (!combine) return combine.error();
  const size_t k = size_t(indices.dims.back());
  const int64_t tuples = indices.element_count() / int64_t(k);
  const int64_t slice = product(std::vector<int64_t>(data.dims.begin() + long(k), data.dims.end()));
  if (updates.element_count() != tuples * slice)
    return make_error("ScatterND updates do not match indices and data");
  const std::vector<int64_t> strides = row_major_strides(data.dims);
  ScatterWriter writer(data, *combine);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t base = 0;
    for (size_t j = 0; j < k; ++j) {
      Result<int64_t> index = resolve_index(indices.element_as_int(t * int64_t(k) + int64_t(j)),
                                            data.dims[j], "ScatterND");
      if (!index) return index.error();
      base += *index * strides[j];
    }
    for (int64_t e = 0; e < slice; ++e) writer.write(updates, t * slice + e, base + e);
  }
  ctx.outputs.push_back(writer.finish());
  return Status::ok();
}

Status run_OneHot(KernelContext& ctx) {
  const Tensor& values = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t depth = ctx.attrs().get_int("depth", 0);
  const std::vector<int64_t> out_dims = ctx.output_dims(0);
  Result<int64_t> axis =
      normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(out_dims.size()));
  if (!axis) return axis.error();
  const std::vector<int64_t> index_strides = row_major_strides(indices.dims);
  TensorWriter out(values.dtype, out_dims);
  for (int64_t i = 0; i < out.element_count(); ++i) {
    std::vector<int64_t> at = coordinates_of(i, out_dims);
    const int64_t position = at[size_t(*axis)];
    at.erase(at.begin() + *axis);
    // Float indices truncate toward zero, as ONNX's reference casts them.
    double raw = indices.element_as_double(flat_index(at, index_strides));
    int64_t index = std::isfinite(raw) ? static_cast<int64_t>(raw) : depth;
    if (index < 0) index += depth;
    out.copy_element(values, index == position ? 1 : 0, i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_ReverseSequence(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& lengths = ctx.input(1);
  const size_t batch_axis = size_t(ctx.attrs().get_int("batch_axis", 1));
  const size_t time_axis = size_t(ctx.attrs().get_int("time_axis", 0));
  const std::vector<int64_t> strides = row_major_strides(x.dims);
  TensorWriter out(x.dtype, x.dims);
  for (int64_t i = 0; i < x.element_count(); ++i) {
    std::vector<int64_t> at = coordinates_of(i, x.dims);
    const int64_t length = lengths.element_as_int(at[batch_axis]);
    if (length < 0 || length > x.dims[time_axis])
      return make_error("ReverseSequence length " + std::to_string(length) + " is outside [0, " +
                        std::to_string(x.dims[time_axis]) + "]");
    if (at[time_axis] < length) at[time_axis] = length - 1 - at[time_axis];
    out.copy_element(x, flat_index(at, strides), i);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
