// DimArithmetic.cpp: exact arithmetic on static dims and readable expressions on symbolic ones.
#include "ir/shape_rules/DimArithmetic.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace kiln {
namespace {

bool is_integer_text(const std::string& text) {
  if (text.empty() || text.size() > 18) return false;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size()) return false;
  return std::all_of(text.begin() + static_cast<long>(start), text.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// True when `text` has one of `ops` outside parentheses.
bool has_top_level_operator(const std::string& text, const std::string& ops) {
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && ops.find(c) != std::string::npos) return true;
  }
  return false;
}

// Removes parentheses that enclose the whole text: "(h+2)" -> "h+2".
std::string strip_enclosing_parens(const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return text;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (depth == 0 && i + 1 < text.size()) return text;  // the first '(' closes early
  }
  return text.substr(1, text.size() - 2);
}

std::string parenthesize_if(const std::string& text, const std::string& ops) {
  return has_top_level_operator(text, ops) ? "(" + text + ")" : text;
}

// In arithmetic on known dims, every non-symbolic dim is a plain integer (possibly negative).
DimProduct operand_product(const Dim& dim) {
  if (is_integer_dim(dim)) return DimProduct{dim.value, {}};
  return *DimProduct::of(dim);
}

std::string operand_text(const Dim& dim) {
  return is_integer_dim(dim) ? std::to_string(dim.value) : dim.symbol;
}

// Two's-complement int64 arithmetic, defined on overflow (as ONNX integer ops compute).
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapping_subtract(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapping_multiply(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// A sum or difference of like products (x*3 + x*4 = x*7); unknown when it overflows.
Dim combined_product(const DimProduct& x, const DimProduct& y, bool subtract) {
  int64_t coefficient = 0;
  bool overflowed = subtract ? __builtin_sub_overflow(x.coefficient, y.coefficient, &coefficient)
                             : __builtin_add_overflow(x.coefficient, y.coefficient, &coefficient);
  if (overflowed || x.overflowed || y.overflowed) return Dim::unknown();
  return DimProduct{coefficient, x.symbols}.to_dim();
}

bool same_symbols(const DimProduct& a, const DimProduct& b) {
  std::vector<std::string> x = a.symbols, y = b.symbols;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

}  // namespace

std::optional<int64_t> evaluate_dim(
    const Dim& dim, const std::function<std::optional<int64_t>(const std::string&)>& size_of) {
  if (dim.is_static()) return dim.value;
  std::optional<DimProduct> product = DimProduct::of(dim);
  if (!product) return std::nullopt;
  if (product->overflowed) return std::nullopt;
  int64_t size = product->coefficient;
  for (const std::string& symbol : product->symbols) {
    std::optional<int64_t> factor = size_of(symbol);
    if (!factor || __builtin_mul_overflow(size, *factor, &size)) return std::nullopt;
  }
  return size;
}

std::optional<DimProduct> DimProduct::of(const Dim& dim) {
  if (dim.is_static()) return DimProduct{dim.value, {}};
  if (!dim.is_symbolic()) return std::nullopt;
  DimProduct product;
  std::string token;
  int depth = 0;
  auto flush = [&] {
    std::string atom = strip_enclosing_parens(token);
    if (is_integer_text(atom))
      product.multiply(DimProduct{std::stoll(atom), {}});
    else
      product.symbols.push_back(atom);
    token.clear();
  };
  for (char c : dim.symbol) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '*' && depth == 0) {
      flush();
      continue;
    }
    token += c;
  }
  flush();
  return product;
}

void DimProduct::multiply(const DimProduct& other) {
  overflowed = overflowed || other.overflowed ||
               __builtin_mul_overflow(coefficient, other.coefficient, &coefficient);
  symbols.insert(symbols.end(), other.symbols.begin(), other.symbols.end());
}

std::optional<DimProduct> DimProduct::divide_exactly(const DimProduct& other) const {
  if (overflowed || other.overflowed || other.coefficient == 0) return std::nullopt;
  if (coefficient == INT64_MIN && other.coefficient == -1) return std::nullopt;
  if (coefficient % other.coefficient != 0) return std::nullopt;
  DimProduct result{coefficient / other.coefficient, symbols};
  for (const std::string& symbol : other.symbols) {
    auto it = std::find(result.symbols.begin(), result.symbols.end(), symbol);
    if (it == result.symbols.end()) return std::nullopt;
    result.symbols.erase(it);
  }
  return result;
}

Dim DimProduct::to_dim() const {
  if (overflowed) return Dim::unknown();
  if (symbols.empty() || coefficient == 0) return Dim{coefficient, {}};
  std::string text;
  for (const std::string& symbol : symbols)
    text += (text.empty() ? "" : "*") + parenthesize_if(symbol, "+-*/");
  if (coefficient != 1) text += "*" + std::to_string(coefficient);
  if (symbols.size() == 1 && coefficient == 1) text = symbols[0];
  return Dim::symbolic(text);
}

Dim add_dims(const Dim& a, const Dim& b) {
  if (is_integer_dim(a) && is_integer_dim(b)) return Dim{wrapping_add(a.value, b.value), {}};
  if (is_integer_dim(b) && b.value == 0) return a;
  if (is_integer_dim(a) && a.value == 0) return b;
  DimProduct x = operand_product(a), y = operand_product(b);
  if (!x.symbols.empty() && same_symbols(x, y)) return combined_product(x, y, /*subtract=*/false);
  return Dim::symbolic(operand_text(a) + "+" + operand_text(b));
}

Dim subtract_dims(const Dim& a, const Dim& b) {
  if (is_integer_dim(a) && is_integer_dim(b)) return Dim{wrapping_subtract(a.value, b.value), {}};
  if (is_integer_dim(b) && b.value == 0) return a;
  DimProduct x = operand_product(a), y = operand_product(b);
  if (!x.symbols.empty() && same_symbols(x, y)) return combined_product(x, y, /*subtract=*/true);
  return Dim::symbolic(operand_text(a) + "-" + parenthesize_if(operand_text(b), "+-"));
}

Dim multiply_dims(const Dim& a, const Dim& b) {
  if (is_integer_dim(a) && is_integer_dim(b)) return Dim{wrapping_multiply(a.value, b.value), {}};
  DimProduct product = operand_product(a);
  product.multiply(operand_product(b));
  return product.to_dim();
}

Dim divide_dims(const Dim& a, const Dim& b) {
  if (is_integer_dim(a) && is_integer_dim(b))
    return b.value == 0 || (a.value == INT64_MIN && b.value == -1) ? Dim::unknown()
                                                                   : Dim{a.value / b.value, {}};
  if (std::optional<DimProduct> exact = operand_product(a).divide_exactly(operand_product(b)))
    return exact->to_dim();
  return Dim::symbolic(parenthesize_if(operand_text(a), "+-") + "/" +
                       parenthesize_if(operand_text(b), "+-*/"));
}

Dim product_of_dims(const std::vector<Dim>& dims) {
  DimProduct product;
  for (const Dim& dim : dims) {
    std::optional<DimProduct> factor = DimProduct::of(dim);
    if (!factor) return Dim::unknown();
    product.multiply(*factor);
  }
  return product.to_dim();
}

std::optional<Dim> broadcast_dims(const Dim& a, const Dim& b) {
  if (a == b) return a;
  if (a.is_static() && a.value == 1) return b;
  if (b.is_static() && b.value == 1) return a;
  if (a.is_static() && b.is_static()) return std::nullopt;
  if (a.is_static()) return a;
  if (b.is_static()) return b;
  if (a.is_unknown()) return b;
  if (b.is_unknown()) return a;
  return Dim::symbolic("max(" + a.symbol + "," + b.symbol + ")");
}

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b, std::string* conflict) {
  const size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dims; missing leading dims act as 1.
    Dim x = i + a.size() >= rank ? a[i + a.size() - rank] : Dim::known(1);
    Dim y = i + b.size() >= rank ? b[i + b.size() - rank] : Dim::known(1);
    std::optional<Dim> dim = broadcast_dims(x, y);
    if (!dim) {
      if (conflict) *conflict = x.to_string() + " vs " + y.to_string();
      return std::nullopt;
    }
    result[i] = *dim;
  }
  return result;
}

}  // namespace kiln
