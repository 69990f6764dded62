// EinsumKernel.cpp: Einsum by its definition: every output element sums, over every value of the
// summed labels, the product of the operands at the labels' values. Integers multiply and add
// exactly in int64 (wrapping on store), floats in double.
#include <map>

#include "backends/reference/KernelContext.h"
#include "backends/reference/TensorUtil.h"
#include "ir/shape_rules/EinsumEquation.h"

namespace kiln::reference {

Status run_Einsum(KernelContext& ctx) {
  std::vector<int64_t> ranks;
  for (size_t i = 0; i < ctx.inputs.size(); ++i)
    ranks.push_back(static_cast<int64_t>(ctx.input(i).dims.size()));
  Result<EinsumEquation> equation =
      parse_einsum_equation(ctx.attrs().get_string("equation", ""), ranks);
  if (!equation) return equation.error();
  // Every label's size (broadcast ellipsis dims: the largest), and a slot per label.
  std::map<int, int64_t> sizes;
  for (size_t i = 0; i < ctx.inputs.size(); ++i)
    for (size_t d = 0; d < ctx.input(i).dims.size(); ++d) {
      int64_t& size = sizes[equation->operand_labels[i][d]];
      size = std::max(size, ctx.input(i).dims[d]);
    }
  std::map<int, size_t> slot;
  std::vector<int> labels = equation->output_labels;
  labels.insert(labels.end(), equation->summed_labels.begin(), equation->summed_labels.end());
  std::vector<int64_t> extents;
  for (int label : labels) {
    slot[label] = extents.size();
    extents.push_back(sizes[label]);
  }
  // Per operand and dim: the label slot it reads, or none where a size-1 dim broadcasts.
  std::vector<std::vector<int64_t>> strides(ctx.inputs.size());
  std::vector<std::vector<size_t>> slots(ctx.inputs.size());
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const std::vector<int64_t> own = row_major_strides(ctx.input(i).dims);
    for (size_t d = 0; d < own.size(); ++d) {
      const int label = equation->operand_labels[i][d];
      strides[i].push_back(ctx.input(i).dims[d] == 1 && sizes[label] != 1 ? 0 : own[d]);
      slots[i].push_back(slot[label]);
    }
  }
  const size_t out_rank = equation->output_labels.size();
  const int64_t out_count =
      product(std::vector<int64_t>(extents.begin(), extents.begin() + long(out_rank)));
  const int64_t summed_count =
      product(std::vector<int64_t>(extents.begin() + long(out_rank), extents.end()));
  const bool integral = is_integral(ctx.output_dtype(0));
  TensorWriter out(ctx.output_dtype(0), ctx.output_dims(0));
  std::vector<int64_t> at(extents.size());
  for (int64_t o = 0; o < out_count; ++o) {
    uint64_t int_sum = 0;
    double real_sum = 0.0;
    for (int64_t s = 0; s < summed_count; ++s) {
      int64_t rest = o * summed_count + s;  // row-major over (output labels, summed labels)
      for (size_t l = extents.size(); l-- > 0;) {
        at[l] = rest % extents[l];
        rest /= extents[l];
      }
      uint64_t int_product = 1;
      double real_product = 1.0;
      for (size_t i = 0; i < ctx.inputs.size(); ++i) {
        int64_t index = 0;
        for (size_t d = 0; d < slots[i].size(); ++d) index += at[slots[i][d]] * strides[i][d];
        if (integral)
          int_product *= uint64_t(ctx.input(i).element_as_int(index));
        else
          real_product *= ctx.input(i).element_as_double(index);
      }
      int_sum += int_product;
      real_sum += real_product;
    }
    if (integral)
      out.set_int(o, int64_t(int_sum));
    else
      out.set_double(o, real_sum);
  }
  ctx.outputs.push_back(out.finish());
  return Status::ok();
}

}  // namespace kiln::reference
