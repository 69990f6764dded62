// LinearKernels.cpp: Gemm and MatMul (numpy semantics: 1-D operands are promoted and batch
// dims broadcast). Accumulates in double.
#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"

namespace kiln::reference {

Status run_Gemm(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dims.size() != 2 || b.dims.size() != 2) return make_error("Gemm needs 2-D A and B");
  bool trans_a = ctx.attrs().get_int("transA", 0) != 0;
  bool trans_b = ctx.attrs().get_int("transB", 0) != 0;
  double alpha = ctx.attrs().get_float("alpha", 1.0);
  double beta = ctx.attrs().get_float("beta", 1.0);
  int64_t m = trans_a ? a.dims[1] : a.dims[0], k = trans_a ? a.dims[0] : a.dims[1];
  int64_t n = trans_b ? b.dims[0] : b.dims[1], k_b = trans_b ? b.dims[1] : b.dims[0];
  if (k != k_b)
    return make_error("Gemm inner dims differ: A " + dims_to_string(a.dims) + ", B " +
                      dims_to_string(b.dims));
  NumericView av(a), bv(b);
  std::optional<NumericView> cv;
  std::optional<BroadcastIndexer> c_index;
  if (ctx.has_input(2)) {
    const Tensor& c = ctx.input(2);
    bool broadcasts = c.dims.size() <= 2;
    for (size_t i = 0; broadcasts && i < c.dims.size(); ++i) {
      int64_t target = (c.dims.size() - i == 1) ? n : m;
      broadcasts = c.dims[i] == 1 || c.dims[i] == target;
    }
    if (!broadcasts) return make_error("Gemm C " + dims_to_string(c.dims) + " does not broadcast");
    cv.emplace(c);
    c_index.emplace(c.dims, std::vector<int64_t>{m, n});
  }
  TensorWriter out(a.dtype, {m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p)
        sum += av[trans_a ? p * m + i : i * k + p] * bv[trans_b ? j * k + p : p * n + j];
      double result = alpha * sum;
      if (cv) result += beta * (*cv)[c_index->input_index(i * n + j)];
      out.set_double(i * n + j, result);
    }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

Status run_MatMul(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dims.empty() || b.dims.empty()) return make_error("MatMul operands must not be scalars");
  // Promote 1-D operands to matrices; the promoted dims are dropped from the result again.
  std::vector<int64_t> a_dims = a.dims, b_dims = b.dims;
  if (a_dims.size() == 1) a_dims.insert(a_dims.begin(), 1);
  if (b_dims.size() == 1) b_dims.push_back(1);
  int64_t m = a_dims[a_dims.size() - 2], k = a_dims.back();
  int64_t n = b_dims.back();
  if (b_dims[b_dims.size() - 2] != k)
    return make_error("MatMul inner dims differ: " + dims_to_string(a.dims) + " x " +
                      dims_to_string(b.dims));
  std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
  std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
  std::vector<int64_t> batch(std::max(a_batch.size(), b_batch.size()), 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto dim_of = [&](const std::vector<int64_t>& dims) {
      size_t offset = batch.size() - dims.size();
      return i < offset ? int64_t{1} : dims[i - offset];
    };
    int64_t da = dim_of(a_batch), db = dim_of(b_batch);
    if (da != db && da != 1 && db != 1)
      return make_error("MatMul batch dims do not broadcast: " + dims_to_string(a.dims) + " x " +
                        dims_to_string(b.dims));
    batch[i] = da == 1 ? db : da;
  }
  BroadcastIndexer a_index(a_batch, batch), b_index(b_batch, batch);
  NumericView av(a), bv(b);
  int64_t batch_count = product(batch);
  TensorWriter out(a.dtype, {batch_count, m, n});
  for (int64_t t = 0; t < batch_count; ++t) {
    int64_t a_base = a_index.input_index(t) * m * k, b_base = b_index.input_index(t) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < k; ++p) sum += av[a_base + i * k + p] * bv[b_base + p * n + j];
        out.set_double((t * m + i) * n + j, sum);
      }
  }
  std::vector<int64_t> out_dims = batch;
  if (a.dims.size() > 1) out_dims.push_back(m);
  if (b.dims.size() > 1) out_dims.push_back(n);
  ctx.outputs.push_back(reshaped(out.finish(), out_dims));
  return Status::ok();
}

}  // namespace kiln::reference
