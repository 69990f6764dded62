// WeightPacking.cpp: the blocked transposition of constant weights.
#include "backends/halide/WeightPacking.h"

#include <cstring>

namespace kiln {

Tensor pack_blocked(const Tensor& weights, const std::vector<int>& perm, int64_t block) {
  const size_t rank = weights.dims.size();
  const size_t element = dtype_size(weights.dtype);
  // Row-major strides of the source, then the source stride of each permuted dim.
  std::vector<int64_t> source_stride(rank, 1);
  for (size_t i = rank; i-- > 1;) source_stride[i - 1] = source_stride[i] * weights.dims[i];
  std::vector<int64_t> permuted_dims(rank), permuted_stride(rank);
  for (size_t i = 0; i < rank; ++i) {
    permuted_dims[i] = weights.dims[size_t(perm[i])];
    permuted_stride[i] = source_stride[size_t(perm[i])];
  }
  const int64_t last = rank ? permuted_dims.back() : 1;
  const int64_t blocks = (last + block - 1) / block;
  int64_t inner = 1;  // elements of one block's permuted middle dims
  for (size_t i = 0; i + 1 < rank; ++i) inner *= permuted_dims[i];

  Tensor packed;
  packed.dtype = weights.dtype;
  packed.dims.push_back(blocks);
  for (size_t i = 0; i + 1 < rank; ++i) packed.dims.push_back(permuted_dims[i]);
  packed.dims.push_back(block);
  std::vector<uint8_t> bytes(size_t(blocks * inner * block) * element, 0);
  const uint8_t* source = weights.data.data();
  std::vector<int64_t> index(rank > 0 ? rank - 1 : 0, 0);
  for (int64_t middle = 0; middle < inner; ++middle) {
    // Source offset of this middle position with the last permuted dim at 0.
    int64_t base = 0;
    for (size_t i = 0; i + 1 < rank; ++i) base += index[i] * permuted_stride[i];
    for (int64_t l = 0; l < last; ++l) {
      const int64_t from = base + l * (rank ? permuted_stride[rank - 1] : 0);
      const int64_t to = ((l / block) * inner + middle) * block + l % block;
      std::memcpy(&bytes[size_t(to) * element], source + size_t(from) * element, element);
    }
    for (size_t i = index.size(); i-- > 0;) {  // odometer over the middle dims, row-major
      if (++index[i] < permuted_dims[i]) break;
      index[i] = 0;
    }
  }
  packed.data = TensorData::from_vector(std::move(bytes));
  return packed;
}

}  // namespace kiln
