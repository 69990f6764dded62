// Printer.h: deterministic IR text output (the format ir/Parser.h reads back).
//
// Format (one item per line, two-space indent inside the graph):
//   graph @NAME {
//     input %x: f32[batch,3,224,224]
//     const %w: f32[2,2] = [1, 2, 3, 4]          (small constants: every element)
//     const %big: f32[96,3,11,11] = elided        (large constants when elision is on)
//     %y: f32[batch,96,55,55] = Conv @conv1 (%x, %w, _) {group = 1, pads = [2, 2, 2, 2]}
//     %a: f32[*], %b: ?[*] = Op @n (%y)           (several outputs; `_` = omitted input)
//     output %y
//   }
// Types: dtype (f32 f64 f16 i8 i16 i32 i64 u8 bool, `?` unknown) then a shape: `[*]` for unknown
// rank, else `[d0,d1,...]` where each dim is an integer, a symbol or `?`.
// Names (%values, @graph/@nodes, symbolic dims) are printed bare when they match
// [A-Za-z0-9_.:/-]+ (symbols: [A-Za-z_][A-Za-z0-9_]*), else as double-quoted strings with \" and
// \\ escapes. Attributes are sorted by name: ints `3`, floats always with '.', 'e', "inf" or
// "nan" (`0.5`, `1.0`, `1e-05`), strings quoted, lists `[1, 2]`. Float elements and attributes
// print with enough digits to round-trip exactly (9 significant digits for f32, 17 for f64).
// Constants are printed in creation order before the nodes.
#pragma once

#include <ostream>
#include <string>

#include "ir/IR.h"

namespace kiln {

/// How much of the constants to print.
struct PrintOptions {
  /// Constants with more elements than this print as `elided` (0 = never elide).
  int64_t elide_constants_above = 16;
};

/// Prints `graph` as IR text.
void print_graph(std::ostream& out, const Graph& graph, const PrintOptions& options = {});
/// Convenience: the IR text as a string.
std::string graph_to_string(const Graph& graph, const PrintOptions& options = {});

}  // namespace kiln
