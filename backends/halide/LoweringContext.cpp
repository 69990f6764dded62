// LoweringContext.cpp: value bookkeeping, symbol binding and parameters for the Halide lowering.
#include "backends/halide/LoweringContext.h"

#include <algorithm>
#include <cctype>

#include "backends/halide/HalideLowering.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace kiln {

Halide::Expr LoweredValue::at(const std::vector<Halide::Expr>& index) const {
  return func(to_halide_order(index));
}

std::vector<Halide::Expr> to_halide_order(const std::vector<Halide::Expr>& ir_index) {
  return std::vector<Halide::Expr>(ir_index.rbegin(), ir_index.rend());
}

std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var>& vars) {
  return std::vector<Halide::Expr>(vars.begin(), vars.end());
}

void define_pure(Halide::Func& f, const std::vector<Halide::Var>& ir_vars, const Halide::Expr& v) {
  f(std::vector<Halide::Var>(ir_vars.rbegin(), ir_vars.rend())) = v;
}

Halide::Expr element_count(const std::vector<Halide::Expr>& extents) {
  Halide::Expr n = 1;
  for (const Halide::Expr& e : extents) n = n * e;
  return Halide::Internal::simplify(n);
}

bool is_const_int(const Halide::Expr& e, int64_t value) {
  const int64_t* c = Halide::Internal::as_const_int(e);
  return c && *c == value;
}

std::vector<Halide::Expr> broadcast_extents(const std::vector<Halide::Expr>& a,
                                            const std::vector<Halide::Expr>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<Halide::Expr> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const bool has_a = i + a.size() >= rank, has_b = i + b.size() >= rank;
    Halide::Expr ea = has_a ? a[i + a.size() - rank] : Halide::Expr();
    Halide::Expr eb = has_b ? b[i + b.size() - rank] : Halide::Expr();
    if (!has_a || is_const_int(ea, 1)) {
      out[i] = has_b ? eb : ea;
    } else {
      out[i] = ea;
    }
  }
  return out;
}

std::vector<Halide::Expr> broadcast_index(const LoweredValue& v,
                                          const std::vector<Halide::Expr>& out_index) {
  const size_t offset = out_index.size() - v.rank();
  std::vector<Halide::Expr> index;
  for (size_t i = 0; i < v.rank(); ++i)
    index.push_back(is_const_int(v.extents[i], 1) ? Halide::Expr(0) : out_index[i + offset]);
  return index;
}

Result<int> normalize_axis(int64_t axis, size_t rank) {
  const int64_t r = int64_t(rank);
  if (axis < -r || axis >= r)
    return make_error("axis " + std::to_string(axis) + " is out of range for rank " +
                      std::to_string(rank));
  return int(axis < 0 ? axis + r : axis);
}

std::string halide_safe_name(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "v_" + out;
  return out;
}

Result<Halide::Type> to_halide_type(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return Halide::Float(32);
    case DType::Float64:
      return Halide::Float(64);
    case DType::Float16:
      return Halide::Float(16);
    case DType::Int8:
      return Halide::Int(8);
    case DType::Int16:
      return Halide::Int(16);
    case DType::Int32:
      return Halide::Int(32);
    case DType::Int64:
      return Halide::Int(64);
    case DType::UInt8:
      return Halide::UInt(8);
    case DType::UInt16:
      return Halide::UInt(16);
    case DType::UInt32:
      return Halide::UInt(32);
    case DType::UInt64:
      return Halide::UInt(64);
    case DType::Bool:
      return Halide::Bool();
    case DType::Unknown:
      break;
  }
  return make_error("value has no known element type (run shape inference first)");
}

LoweringContext::LoweringContext(const Graph& graph, const Halide::Target& target,
                                 const ScheduleOptions& options)
    : graph_(graph), target_(target), options_(options) {}

NodeSchedule LoweringContext::schedule_of(const Node& node) const {
  auto fixed = fixed_.find(&node);
  if (fixed != fixed_.end()) return fixed->second;
  return choose_schedule(graph_, node, target_, options_);
}

std::string LoweringContext::unique_name(const std::string& base) {
  std::string safe = halide_safe_name(base);
  int& count = name_counts_[safe];
  std::string name = count == 0 ? safe : safe + "_" + std::to_string(count);
  ++count;
  return name;
}

void LoweringContext::bind_symbols(const std::vector<std::string>& symbols) {
  for (const std::string& symbol : symbols) {
    Halide::Param<int32_t> param(unique_name("sym_" + symbol));
    symbol_params_.push_back(param);
    symbol_extents_[symbol] = param;
  }
}

Result<Halide::ImageParam> LoweringContext::bind_tensor(const Value* v, bool channels_last,
                                                        const std::string& name) {
  if (!v->type.shape) return Error{"", "", "value '" + v->name + "' has unknown rank"};
  auto type = to_halide_type(v->type.dtype);
  if (!type) return Error{"", "", "value '" + v->name + "': " + type.error().message};
  KILN_HALIDE_ASSIGN(extents, extents_of(v));
  const int rank = int(extents.size());
  Halide::ImageParam param(*type, rank, unique_name(name));
  std::vector<Halide::Internal::Dimension> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(param.dim(i));
  constrain_dense(dims, extents, channels_last && rank == 4);
  values_[v] = LoweredValue{Halide::Func(param), extents, v->type.dtype};
  return param;
}

std::vector<int> boundary_storage_order(size_t rank, bool channels_last) {
  if (channels_last && rank == 4) return {2, 0, 1, 3};  // c, w, h, n
  std::vector<int> order;
  for (size_t k = 0; k < rank; ++k) order.push_back(int(k));
  return order;
}

void constrain_dense(const std::vector<Halide::Internal::Dimension>& dims,
                     const std::vector<Halide::Expr>& extents, bool channels_last) {
  const size_t rank = extents.size();
  // Halide dim k is IR dim rank-1-k.
  Halide::Expr stride = 1;
  for (int k : boundary_storage_order(rank, channels_last)) {
    Halide::Internal::Dimension dim = dims[size_t(k)];
    const Halide::Expr& extent = extents[rank - 1 - size_t(k)];
    dim.set_bounds(0, extent);
    dim.set_stride(stride);
    stride = Halide::Internal::simplify(stride * extent);
  }
}

LoweredValue LoweringContext::derived_weight(const Value* source, const std::string& role,
                                             Tensor data) {
  auto value = std::make_shared<Value>();
  value->name = source->name + "_" + role;
  value->type.dtype = data.dtype;
  value->type.shape = static_shape(data.dims);
  value->constant = std::move(data);
  derived_.push_back(value);
  auto lowered = weight_value(value.get());
  return std::move(lowered.value());  // a constant of a known dtype always lowers
}

Result<LoweredValue> LoweringContext::weight_value(const Value* v) {
  const Tensor& tensor = *v->constant;
  auto type = to_halide_type(tensor.dtype);
  if (!type) return type.error();
  const int rank = int(tensor.dims.size());
  Halide::ImageParam param(*type, rank, unique_name("w_" + v->name));
  std::vector<Halide::Expr> extents;
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    Halide::Internal::Dimension hdim = param.dim(rank - 1 - i);
    hdim.set_bounds(0, int(tensor.dims[size_t(i)]));
    hdim.set_stride(int(stride));
    stride *= tensor.dims[size_t(i)];
  }
  for (int64_t d : tensor.dims) extents.push_back(int(d));
  weight_params_.push_back(param);
  weight_values_.push_back(v);
  LoweredValue lowered{Halide::Func(param), extents, tensor.dtype};
  values_[v] = lowered;
  return lowered;
}

Result<LoweredValue> LoweringContext::value(const Value* v) {
  if (!v) return make_error("a required input is missing");
  auto it = values_.find(v);
  if (it != values_.end()) return it->second;
  if (v->is_constant()) return weight_value(v);
  return make_error("value '" + v->name + "' is used before it is defined");
}

void LoweringContext::set_value(const Value* v, LoweredValue lowered) {
  values_[v] = std::move(lowered);
}

Result<Halide::Expr> LoweringContext::extent_of(const Dim& dim) const {
  if (dim.is_static()) return Halide::Expr(int(dim.value));
  if (dim.is_symbolic()) {
    auto it = symbol_extents_.find(dim.symbol);
    if (it != symbol_extents_.end()) return it->second;
    // Products such as "batch*512" (Flatten, Reshape) multiply bound extents.
    std::optional<DimProduct> product = DimProduct::of(dim);
    if (product && !(product->symbols.size() == 1 && product->symbols[0] == dim.symbol)) {
      Halide::Expr e = int(product->coefficient);
      for (const std::string& symbol : product->symbols) {
        auto factor = extent_of(Dim::symbolic(symbol));
        if (!factor) return factor.error();
        e = e * *factor;
      }
      return Halide::Internal::simplify(e);
    }
    return make_error("symbolic dim '" + dim.symbol + "' is not the extent of any graph input dim");
  }
  return make_error("a dim is unknown after shape inference");
}

Result<std::vector<Halide::Expr>> LoweringContext::extents_of(const Value* v) const {
  if (!v || !v->type.shape)
    return make_error("value '" + (v ? v->name : "") + "' has unknown rank");
  std::vector<Halide::Expr> extents;
  for (const Dim& dim : *v->type.shape) {
    auto e = extent_of(dim);
    if (!e) return make_error("value '" + v->name + "': " + e.error().message);
    extents.push_back(*e);
  }
  return extents;
}

std::vector<Halide::Var> LoweringContext::make_vars(size_t rank) const {
  std::vector<Halide::Var> vars;
  for (size_t i = 0; i < rank; ++i) vars.emplace_back("d" + std::to_string(rank - 1 - i));
  return vars;
}

Halide::Func LoweringContext::make_func(const Node& node, const std::string& role) {
  return Halide::Func(unique_name(role.empty() ? node.name : node.name + "_" + role));
}

std::optional<std::vector<int64_t>> LoweringContext::constant_ints(const Value* v) const {
  if (!v) return std::nullopt;
  std::vector<int64_t> out;
  if (v->is_constant()) {
    const Tensor& t = *v->constant;
    for (int64_t i = 0; i < t.element_count(); ++i) out.push_back(t.element_as_int(i));
    return out;
  }
  if (v->known_dims) {
    for (const Dim& d : *v->known_dims) {
      if (!is_integer_dim(d)) return std::nullopt;
      out.push_back(d.value);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace kiln
