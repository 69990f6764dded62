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
// Types: dtype (f32 f64 f16 i8 i16 i32 i64 u8 u16 u32 u64 bool, `?` unknown) then a shape: `[*]`
// for unknown rank, else `[d0,d1,...]` where each dim is an integer, a symbol or `?`. Names
// (%values, @graph/@nodes, symbolic dims) are printed bare when they match [A-Za-z0-9_.:/-]+ not
// ending in ':' (symbols: [A-Za-z_][A-Za-z0-9_]*), else as double-quoted strings with \" and
// \\ escapes. Attributes are sorted by name: ints `3`, floats always with
// '.', 'e', "inf" or "nan" (`0.5`, `1.0`, `1e-05`), strings quoted, lists `[1, 2]`. Float elements
// and attributes print with enough digits to round-trip exactly (9 significant digits for f32, 17
// for f64). Constants are printed in creation order before the nodes.
//
// Details the example leaves open:
// - Order: graph inputs, constants, nodes, graph outputs; each in its stored order.
// - Constant elements are one flat row-major list (`[]` for zero elements, `[7]` for a scalar).
//   Integer dtypes print integers, bool prints 0/1, f16 prints the value's shortest f32 digits
//   (every f16 is an exact f32; the parser rounds back to the same f16 bits). Floats print the
//   shortest digits that read back to the same bits (at most 9 significant digits for f32, 17
//   for f64), `inf`, `-inf` or `nan`. A constant whose bytes do not match its type prints
//   `elided` (the verifier reports it).
// - Float attributes are doubles; one that is exactly an f32 (the usual case: model formats store
//   f32) prints with the f32 digits (`1e-05`), anything else with the double digits. Reading the
//   text back gives a double that converts to the same f32 and prints as the same text.
// - An empty list attribute prints `[]` and reads back as an empty int list.
// - Strings escape `"`, `\`, newline (\n), tab (\t) and other control bytes (\xHH).
// - Attribute names and op names are bare when they match [A-Za-z_][A-Za-z0-9_]*, else quoted.
// - A node with no outputs prints as `Op @n (%x)`; a null node output prints as `_` (both read
//   back, and the verifier rejects them). A null graph input/output prints `_` (not readable).
// - `known_dims` is not printed: shape inference derives it.
// - The parser also skips comments, `//` or `#` to the end of a line, so .kir files can hold
//   lit RUN/CHECK lines. It accepts ops not in ir/Ops.def (the verifier rejects them), so IR
//   text can test the verifier.
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
