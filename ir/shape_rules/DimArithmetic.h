// DimArithmetic.h: arithmetic on dimensions that may be symbolic, for shape rules that compute
// sizes (Flatten, Reshape's -1, Concat along an axis) and for shape-computing chains (Shape ->
// Gather -> Mul -> Concat -> Reshape) whose elements are dims.
//
// Static values compute exactly. With symbols the result stays exact where an identity applies
// (x*1 = x, x+0 = x, x-x = 0, (batch*8)/2 = batch*4, (batch*4)/batch = 4) and otherwise becomes a
// symbolic Dim whose symbol is the readable expression ("batch*4", "h+2", "(h-3)/2"). Products are
// kept canonical (symbol factors in first-seen order, then the static factor) so the same
// computation always yields the same symbol and equal products compare equal.
//
// Known-dims convention: the elements of Value::known_dims are integers that may be negative
// (Reshape's -1, Slice's negative starts). A negative literal v is stored as Dim{v, ""}; such a
// vector never holds genuinely unknown dims (a value with an unknown element has no known_dims).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ir/IR.h"

namespace kiln {

/// A product of a static coefficient and symbolic factors (a multiset, kept in first-seen order).
struct DimProduct {
  int64_t coefficient = 1;
  std::vector<std::string> symbols;
  /// Set once the coefficient has overflowed int64: the product is then unknown (to_dim gives
  /// Dim::unknown(), divide_exactly nullopt), never a wrapped value.
  bool overflowed = false;

  /// Splits a dim into factors: "batch*4" -> 4 * {batch}. Returns nullopt for unknown dims.
  static std::optional<DimProduct> of(const Dim& dim);
  /// Multiplies in another product.
  void multiply(const DimProduct& other);
  /// This / other when it divides exactly (coefficient divisible, every symbol of `other`
  /// present here); nullopt otherwise.
  std::optional<DimProduct> divide_exactly(const DimProduct& other) const;
  /// Back to a Dim: static when there are no symbols, else the canonical symbol.
  Dim to_dim() const;
};

/// True for an element of a known-dims vector that holds a plain integer (possibly negative).
/// The size of `dim` once its symbols have sizes (`size_of` gives each one, nullopt when it has
/// none): static dims as they are, products multiplied out; nullopt for unknown dims or a
/// symbol without a size.
std::optional<int64_t> evaluate_dim(
    const Dim& dim, const std::function<std::optional<int64_t>(const std::string&)>& size_of);

inline bool is_integer_dim(const Dim& dim) {
  return dim.symbol.empty();
}

/// The arithmetic of known dims, as ONNX integer Add/Sub/Mul/Div would compute them (int64
/// wrapping around on overflow; division by zero and INT64_MIN / -1 give unknown dims). Symbolic
/// results whose static factor would overflow are unknown.
Dim add_dims(const Dim& a, const Dim& b);
Dim subtract_dims(const Dim& a, const Dim& b);
Dim multiply_dims(const Dim& a, const Dim& b);
Dim divide_dims(const Dim& a, const Dim& b);

/// The product of all dims (Flatten, element counts): unknown when any dim is unknown or the
/// product overflows int64.
Dim product_of_dims(const std::vector<Dim>& dims);

/// The numpy-broadcast of two dims. Equal dims give themselves; a static 1 yields the other.
/// Two different static sizes (neither 1) are an error (nullopt). A symbol against a static size
/// n > 1 gives n (the symbol must be n at run time). Two different symbols are accepted, as ONNX
/// shape inference does, since either may be 1 at run time; the result is the symbol "max(a,b)".
/// An unknown dim against d gives d unless d is 1.
std::optional<Dim> broadcast_dims(const Dim& a, const Dim& b);

/// Numpy multidirectional broadcasting of two shapes; nullopt (with the offending dims in
/// `conflict` as text) when they do not broadcast.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b, std::string* conflict);

}  // namespace kiln
