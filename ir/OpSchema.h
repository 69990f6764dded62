// OpSchema.h: the facts ir/Ops.def records about each op (arity, pattern kind, dtype rule, trait
// flags) and the trait questions passes and backends ask of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kiln {

/// How each output element of an op depends on its inputs (see ir/Ops.def for each kind).
enum class OpPattern : uint8_t {
  Elementwise,  ///< out[i] from in[i]; extra inputs are per-channel parameters
  Broadcast,    ///< elementwise over inputs combined by numpy broadcasting
  View,         ///< the input's elements in the same row-major order, under a new shape
  Injective,    ///< each output element is one input element at a remapped index
  Window,       ///< each output reads a spatial window of its input
  Reduction,    ///< each output reads whole axes of its input
  Opaque,       ///< anything else
};

/// How an op's output dtype follows from its inputs (see ir/Ops.def for each rule).
enum class DTypeRule : uint8_t {
  AllSame,            ///< every input and the output share one dtype
  FirstInput,         ///< the output has input 0's dtype; other inputs are free
  FirstInputIndexed,  ///< FirstInput, and inputs 1.. are i32/i64
  FromAttribute,      ///< the output's dtype is attribute `to`
  Int64,              ///< the output is i64
  Bool,               ///< the inputs share a dtype; the output is bool
  Select,             ///< input 0 is bool; the others share the output's dtype
};

/// Trait flags of an op, or-ed together in the last column of ir/Ops.def.
namespace op_flags {
constexpr uint32_t kNone = 0;
constexpr uint32_t kFloatInputs = 1u << 0;     ///< every input must be floating-point
constexpr uint32_t kNoOp = 1u << 1;            ///< the identity at inference
constexpr uint32_t kIndexDivision = 1u << 2;   ///< its index remap divides output indices
constexpr uint32_t kPiecewise = 1u << 3;       ///< each output element comes from one of the inputs
constexpr uint32_t kLayoutAgnostic = 1u << 4;  ///< an Injective image op that serves any layout
constexpr uint32_t kGlobalWindow = 1u << 5;    ///< a Window op over the whole spatial extent
constexpr uint32_t kBoolInputs = 1u << 6;      ///< every input must be bool (logical ops)
constexpr uint32_t kConvolution = 1u << 7;     ///< a convolution: anchors conv fusion and templates
constexpr uint32_t kUnsignedInputs = 1u << 8;  ///< every input must be an unsigned integer
}  // namespace op_flags

/// One row of ir/Ops.def: an op's name, arity and traits.
struct OpSchema {
  const char* name;
  int min_inputs;
  int max_inputs;  ///< -1 = variadic
  int min_outputs;
  int max_outputs;  ///< -1 = variadic
  OpPattern pattern;
  DTypeRule dtype_rule;
  uint32_t flags;  ///< op_flags, or-ed

  /// True when every bit of `flag` is set.
  bool has(uint32_t flag) const { return (flags & flag) == flag; }
};

/// The schema of `op`, or null for an op Kiln does not know.
const OpSchema* find_op_schema(std::string_view op);
/// Every op, in Ops.def order.
const std::vector<OpSchema>& all_op_schemas();

/// The pattern kind of `op`; Opaque for an op Kiln does not know.
OpPattern op_pattern(std::string_view op);
/// The dtype rule of `op`; nullopt for an op Kiln does not know.
std::optional<DTypeRule> op_dtype_rule(std::string_view op);
/// True when `op` is known and has every bit of `flag` (an op_flags constant).
bool op_has_flag(std::string_view op, uint32_t flag);

/// Elementwise or Broadcast: each output element is computed from the input elements at its own
/// (broadcast) position.
bool is_elementwise_op(std::string_view op);
/// A per-element map of one activation that keeps its dtype (Relu, Elu, ..., and
/// BatchNormalization, whose other inputs are per-channel parameters): an Elementwise op with
/// the FirstInput dtype rule that is not an inference no-op. Fusion takes these as epilogues.
bool is_activation_op(std::string_view op);
/// A Broadcast op of exactly two inputs (Add, Sub, Mul, Div).
bool is_binary_broadcast_op(std::string_view op);
/// A View op: its output may alias its input's buffer.
bool is_view_op(std::string_view op);
/// A Window op (Conv and the pools, global ones included).
bool is_window_op(std::string_view op);
/// A convolution (Conv, ConvTranspose): a Window op whose output channels are dot products of an
/// input window with a weight. Fusion anchors a conv epilogue on it, and the conv schedule
/// templates (conv_tiled, conv_channels) tile its accumulator.
bool is_convolution_op(std::string_view op);

/// The name of a pattern kind as written in ir/Ops.def ("Elementwise", ...).
const char* op_pattern_name(OpPattern pattern);
/// The name of a dtype rule as written in ir/Ops.def ("AllSame", ...).
const char* dtype_rule_name(DTypeRule rule);

}  // namespace kiln
