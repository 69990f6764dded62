// TensorUtil.h: small helpers the reference kernels share: reading any numeric tensor as
// doubles, building output tensors of any IR dtype, row-major strides and numpy broadcasting.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::reference {

/// Read-only view of a numeric tensor as doubles. f32 data is read in place (weights are not
/// copied); other dtypes are converted once.
class NumericView {
 public:
  explicit NumericView(const Tensor& tensor);
  double operator[](int64_t i) const { return f32_ ? f32_[i] : converted_[i]; }

 private:
  const float* f32_ = nullptr;
  std::vector<double> converted_;
};

/// A tensor under construction: a zeroed, writable buffer of `dtype` elements.
class TensorWriter {
 public:
  TensorWriter(DType dtype, std::vector<int64_t> dims);
  int64_t element_count() const { return count_; }
  /// Stores `value` converted to the dtype (float -> int truncates toward zero; -> bool is != 0).
  void set_double(int64_t i, double value);
  /// Stores `value` converted to the dtype (integers wrap to the dtype's width, as in numpy).
  void set_int(int64_t i, int64_t value);
  /// Copies element `src_index` of `src` (same dtype) into element `dst_index`.
  void copy_element(const Tensor& src, int64_t src_index, int64_t dst_index);
  Tensor finish();

 private:
  DType dtype_;
  std::vector<int64_t> dims_;
  int64_t count_;
  size_t element_size_;
  std::vector<uint8_t> bytes_;
};

/// Builds a tensor of `dtype` from doubles (converted as TensorWriter::set_double does).
Tensor tensor_from_doubles(DType dtype, const std::vector<int64_t>& dims,
                           const std::vector<double>& values);

/// Returns `source` with new dims and the same bytes (no copy); the element counts must agree.
Tensor reshaped(const Tensor& source, const std::vector<int64_t>& dims);

/// Row-major strides (in elements) of `dims`.
std::vector<int64_t> row_major_strides(const std::vector<int64_t>& dims);
/// Product of `dims`.
int64_t product(const std::vector<int64_t>& dims);

/// For each element of a tensor of `dims`, its index in the result of reducing `axes` (sorted,
/// non-negative) with the reduced dims kept as 1s.
std::vector<int64_t> reduced_targets(const std::vector<int64_t>& dims,
                                     const std::set<int64_t>& axes);

/// Resolves a possibly negative axis against `rank`; an error when outside [-rank, rank).
Result<int64_t> normalize_axis(int64_t axis, int64_t rank);

/// Maps each element of a broadcast output to the element of one input it reads (numpy rules:
/// dims aligned from the right, size-1 dims repeat).
class BroadcastIndexer {
 public:
  BroadcastIndexer(const std::vector<int64_t>& input_dims, const std::vector<int64_t>& output_dims);
  /// The input element read by output element `output_index`.
  int64_t input_index(int64_t output_index) const;

 private:
  std::vector<int64_t> output_dims_;
  std::vector<int64_t> input_strides_;  // per output dim; 0 where the input repeats
};

/// True when `dtype` is an integer or bool type (exact arithmetic, no tolerance).
bool is_integral(DType dtype);

}  // namespace kiln::reference
