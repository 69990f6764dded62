// EinsumEquation.h: an Einsum equation ("bij,bjk->bik", "...ii->...i", "i,i") resolved against
// its operands' ranks into one label per operand dim, shared by the shape rule, the reference
// kernel and the Halide lowering so the three read the equation the same way.
//
// Labels are small integers: a letter is its character code; the dims an ellipsis stands for
// are kEllipsisLabel + k, k counted from the right (numpy aligns broadcast dims from the right).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Error.h"

namespace kiln {

/// An Einsum equation resolved against operand ranks.
struct EinsumEquation {
  static constexpr int kEllipsisLabel = 1000;
  /// Per operand, the label of each of its dims.
  std::vector<std::vector<int>> operand_labels;
  /// The label of each output dim (explicit after "->", else the ellipsis dims then the letters
  /// seen once, in alphabetical order).
  std::vector<int> output_labels;
  /// Labels summed over (those not in the output), in first-seen order.
  std::vector<int> summed_labels;
};

/// Parses `equation` for operands of `ranks`. Spaces are ignored. Errors name what is wrong
/// (a term count that differs from the operand count, a rank the term does not match, an output
/// label no operand has, a repeated output label, a second ellipsis).
Result<EinsumEquation> parse_einsum_equation(const std::string& equation,
                                             const std::vector<int64_t>& ranks);

}  // namespace kiln
