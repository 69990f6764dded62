// WeightPacking.h: compile-time re-layouts of constant weights for the channel-vectorised
// schedules. A packed tensor puts a block of output channels innermost, so one vector load reads
// the weights of a whole register tile of output channels, and a block's weights are one
// contiguous stream.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// Transposes `weights` by `perm` (numpy semantics: result dim i is source dim perm[i]), then
/// splits the result's last dim L into ceil(L / block) blocks of `block`, moved outermost:
/// result dims [ceil(L / block), permuted dims except the last..., block]. Entries past L are
/// zero, so a schedule may compute whole blocks. Works for any dtype (bytes are moved as is).
/// Conv [Cout, Cin, KH, KW] with perm {2, 3, 1, 0} gives [Cout/B, KH, KW, Cin, B].
Tensor pack_blocked(const Tensor& weights, const std::vector<int>& perm, int64_t block);

}  // namespace kiln
