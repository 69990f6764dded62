// OpLowerings.cpp: the op -> lowering table, generated from ir/Ops.def.
#include "backends/halide/OpLowerings.h"

#include <map>
#include <optional>

namespace kiln::halide_lowering {

OpLoweringFn find_op_lowering(std::string_view op) {
  static const std::map<std::string_view, OpLoweringFn> kTable = {
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) {#NAME, &lower_##NAME},
#include "ir/Ops.def"
#undef KILN_OP
  };
  auto it = kTable.find(op);
  return it == kTable.end() ? nullptr : it->second;
}

Halide::Expr is_nan_bits(const Halide::Expr& e) {
  const int bits = e.type().bits();
  const Halide::Expr u = Halide::reinterpret(Halide::UInt(bits), e);
  const uint64_t magnitude = (uint64_t(1) << (bits - 1)) - 1;
  const uint64_t infinity = bits == 16 ? 0x7c00 : bits == 32 ? 0x7f800000 : 0x7ff0000000000000;
  return (u & Halide::cast(u.type(), Halide::Expr(magnitude))) >
         Halide::cast(u.type(), Halide::Expr(infinity));
}

NodeLowering single_output(Halide::Func f, std::vector<Halide::Expr> extents, DType dtype) {
  NodeLowering lowering;
  lowering.outputs.push_back(LoweredValue{f, std::move(extents), dtype});
  lowering.funcs.output = f;
  return lowering;
}

int64_t static_image_bytes(const Value& value, const Halide::Type& type) {
  if (!value.type.shape || value.type.shape->empty()) return 0;
  const Shape image(value.type.shape->begin() + 1, value.type.shape->end());
  const std::optional<int64_t> elements = static_element_count(image);
  return elements ? *elements * type.bytes() : 0;
}

}  // namespace kiln::halide_lowering
