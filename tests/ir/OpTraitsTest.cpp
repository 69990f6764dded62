// OpTraitsTest.cpp: every row of ir/Ops.def has consistent traits (flags that fit the pattern,
// dtype rules that fit the arity, shape rules that agree with the pattern), and the trait
// queries of ir/OpSchema.h answer today's op sets.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/OpSchema.h"
#include "ir/ShapeRules.h"

namespace kiln {
namespace {

using OpSet = std::set<std::string>;

/// The ops of the table for which `pred` holds.
template <typename Pred>
OpSet ops_where(Pred pred) {
  OpSet ops;
  for (const OpSchema& schema : all_op_schemas())
    if (pred(schema)) ops.insert(schema.name);
  return ops;
}

std::string describe(const OpSchema& schema) {
  return std::string(schema.name) + " (" + op_pattern_name(schema.pattern) + ", " +
         dtype_rule_name(schema.dtype_rule) + ")";
}

/// Inputs for one shape-rule evaluation, owning what the context points to.
struct RuleInputs {
  std::vector<TensorType> types;
  Tensor index = Tensor{DType::Int64, {1}, TensorData::copy_of("\x18\0\0\0\0\0\0\0", 8)};  // [24]
  std::vector<Dim> index_dims = {Dim::known(24)};
  Attributes attrs;

  /// Runs the rule of `schema` on `types`; inputs at `index_from` and later are the i64 [24].
  Result<std::vector<TensorType>> infer(const OpSchema& schema, size_t index_from = SIZE_MAX) {
    ShapeContext ctx;
    ctx.op = schema.name;
    ctx.attrs = &attrs;
    for (size_t i = 0; i < types.size(); ++i) {
      const bool is_index = i >= index_from;
      if (is_index) types[i] = TensorType{DType::Int64, static_shape({1})};
      ctx.input_types.push_back(&types[i]);
      ctx.input_constants.push_back(is_index ? &index : nullptr);
      ctx.input_known_dims.push_back(is_index ? &index_dims : nullptr);
    }
    KILN_RETURN_IF_ERROR(infer_output_types(ctx));
    return ctx.output_types;
  }
};

TEST(OpTraits, NamesAreUniqueAndAritiesSane) {
  std::set<std::string> names;
  for (const OpSchema& schema : all_op_schemas()) {
    EXPECT_TRUE(names.insert(schema.name).second) << schema.name << " has two rows";
    EXPECT_GE(schema.min_inputs, 1) << schema.name;
    EXPECT_TRUE(schema.max_inputs < 0 || schema.max_inputs >= schema.min_inputs) << schema.name;
    EXPECT_GE(schema.min_outputs, 1) << schema.name;
    EXPECT_TRUE(schema.max_outputs < 0 || schema.max_outputs >= schema.min_outputs) << schema.name;
    EXPECT_EQ(find_op_schema(schema.name), &schema);
  }
}

TEST(OpTraits, FlagsFitThePattern) {
  using namespace op_flags;
  for (const OpSchema& schema : all_op_schemas()) {
    const std::string what = describe(schema);
    const OpPattern p = schema.pattern;
    if (schema.has(kGlobalWindow)) EXPECT_EQ(p, OpPattern::Window) << what;
    if (schema.has(kConvolution)) EXPECT_EQ(p, OpPattern::Window) << what;
    if (schema.has(kIndexDivision))
      EXPECT_TRUE(p == OpPattern::View || p == OpPattern::Injective) << what;
    if (schema.has(kLayoutAgnostic)) EXPECT_EQ(p, OpPattern::Injective) << what;
    if (schema.has(kPiecewise)) {
      EXPECT_EQ(p, OpPattern::Injective) << what;
      EXPECT_LT(schema.max_inputs, 0) << what << ": pieces from a variadic list of inputs";
    }
    if (schema.has(kNoOp)) {
      EXPECT_EQ(p, OpPattern::Elementwise) << what;
      EXPECT_EQ(schema.dtype_rule, DTypeRule::FirstInput) << what;
      EXPECT_EQ(schema.max_inputs, 1) << what;
    }
  }
}

TEST(OpTraits, DTypeRulesFitThePatternAndArity) {
  for (const OpSchema& schema : all_op_schemas()) {
    const std::string what = describe(schema);
    const DTypeRule rule = schema.dtype_rule;
    switch (schema.pattern) {
      case OpPattern::Elementwise:
        EXPECT_TRUE(rule == DTypeRule::FirstInput || rule == DTypeRule::FromAttribute ||
                    rule == DTypeRule::Bool)
            << what;
        break;
      case OpPattern::Broadcast:  // FirstInput: Pow, whose exponent has its own dtype
        EXPECT_TRUE(rule == DTypeRule::AllSame || rule == DTypeRule::Bool ||
                    rule == DTypeRule::Select || rule == DTypeRule::FirstInput)
            << what;
        EXPECT_GE(schema.min_inputs, 2) << what;
        break;
      case OpPattern::View:
        EXPECT_TRUE(rule == DTypeRule::FirstInput || rule == DTypeRule::FirstInputIndexed) << what;
        break;
      default:
        break;
    }
    if (rule == DTypeRule::FirstInputIndexed) EXPECT_NE(schema.max_inputs, 1) << what;
    if (rule == DTypeRule::Select) EXPECT_GE(schema.min_inputs, 2) << what;
  }
}

// The input-0 dtype and `to` an Elementwise FromAttribute op converts between: Cast any pair, the
// quantized ops floats to integers (QuantizeLinear) and back (DequantizeLinear).
std::pair<DType, DType> from_attribute_conversion(const std::string& op) {
  if (op == "QuantizeLinear") return {DType::Float32, DType::Int8};
  if (op == "DequantizeLinear") return {DType::UInt8, DType::Float64};
  return {DType::Float32, DType::Float64};
}

// Elementwise ops keep input 0's shape (other inputs are per-channel parameters); their output
// dtype is the one the dtype rule names.
TEST(OpTraits, ElementwiseShapeRulesKeepTheShape) {
  for (const OpSchema& schema : all_op_schemas()) {
    if (schema.pattern != OpPattern::Elementwise) continue;
    RuleInputs in;
    DType input_dtype = schema.has(op_flags::kBoolInputs) ? DType::Bool : DType::Float32;
    const auto [converted_from, converted_to] = from_attribute_conversion(schema.name);
    if (schema.dtype_rule == DTypeRule::FromAttribute) input_dtype = converted_from;
    in.types.push_back(TensorType{input_dtype, static_shape({2, 3, 4, 5})});
    for (int i = 1; i < schema.min_inputs; ++i)
      in.types.push_back(TensorType{DType::Float32, static_shape({3})});
    DType expected = DType::Float32;
    if (schema.dtype_rule == DTypeRule::FromAttribute) {
      in.attrs.set("to", std::string(dtype_name(converted_to)));
      expected = converted_to;
    } else if (schema.dtype_rule == DTypeRule::Bool) {
      expected = DType::Bool;
    }
    auto outputs = in.infer(schema);
    ASSERT_TRUE(outputs.is_ok()) << describe(schema) << ": " << outputs.error().message;
    ASSERT_GE(outputs->size(), 1u) << describe(schema);
    EXPECT_EQ((*outputs)[0], (TensorType{expected, static_shape({2, 3, 4, 5})}))
        << describe(schema) << " gave " << (*outputs)[0].to_string();
  }
}

// Broadcast ops combine their inputs by numpy broadcasting.
TEST(OpTraits, BroadcastShapeRulesBroadcast) {
  for (const OpSchema& schema : all_op_schemas()) {
    if (schema.pattern != OpPattern::Broadcast) continue;
    RuleInputs in;
    in.attrs.set("fmod", int64_t(1));                // Mod of floats is C's fmod
    in.attrs.set("direction", std::string("LEFT"));  // BitShift
    const std::vector<std::vector<int64_t>> shapes = {{2, 1, 4}, {3, 1}, {4}};
    const DType operand = schema.has(op_flags::kUnsignedInputs) ? DType::UInt32 : DType::Float32;
    for (int i = 0; i < schema.min_inputs; ++i) {
      const bool condition =
          (schema.dtype_rule == DTypeRule::Select && i == 0) || schema.has(op_flags::kBoolInputs);
      in.types.push_back(TensorType{condition ? DType::Bool : operand,
                                    static_shape(shapes[size_t(i) % shapes.size()])});
    }
    const DType expected = schema.dtype_rule == DTypeRule::Bool ? DType::Bool : operand;
    auto outputs = in.infer(schema);
    ASSERT_TRUE(outputs.is_ok()) << describe(schema) << ": " << outputs.error().message;
    EXPECT_EQ((*outputs)[0], (TensorType{expected, static_shape({2, 3, 4})}))
        << describe(schema) << " gave " << (*outputs)[0].to_string();
  }
}

// Views keep the elements, so the element count, and the dtype.
TEST(OpTraits, ViewShapeRulesKeepTheElementCount) {
  for (const OpSchema& schema : all_op_schemas()) {
    if (schema.pattern != OpPattern::View) continue;
    RuleInputs in;
    in.attrs.set("axes", std::vector<int64_t>{0});
    in.types.push_back(TensorType{DType::Float32, static_shape({1, 2, 3, 4})});
    for (int i = 1; i < schema.min_inputs; ++i) in.types.emplace_back();
    auto outputs = in.infer(schema, /*index_from=*/1);
    ASSERT_TRUE(outputs.is_ok()) << describe(schema) << ": " << outputs.error().message;
    const TensorType& out = (*outputs)[0];
    ASSERT_TRUE(out.shape && is_static(*out.shape))
        << describe(schema) << " gave " << out.to_string();
    EXPECT_EQ(static_element_count(*out.shape), std::optional<int64_t>(24)) << describe(schema);
    EXPECT_EQ(out.dtype, DType::Float32) << describe(schema);
  }
}

TEST(OpTraits, QueriesAnswerTodaysOpSets) {
  EXPECT_EQ(ops_where([](const OpSchema& s) { return is_activation_op(s.name); }),
            (OpSet{"Relu",
                   "LeakyRelu",
                   "Elu",
                   "Sigmoid",
                   "Tanh",
                   "Clip",
                   "BatchNormalization",
                   "Abs",
                   "Neg",
                   "Sign",
                   "Exp",
                   "Log",
                   "Sqrt",
                   "Reciprocal",
                   "Floor",
                   "Ceil",
                   "Round",
                   "Erf",
                   "Sin",
                   "Cos",
                   "Tan",
                   "Asin",
                   "Acos",
                   "Atan",
                   "Sinh",
                   "Cosh",
                   "Asinh",
                   "Acosh",
                   "Atanh",
                   "Selu",
                   "Celu",
                   "HardSigmoid",
                   "HardSwish",
                   "Softplus",
                   "Softsign",
                   "ThresholdedRelu",
                   "Shrink",
                   "Mish",
                   "Gelu"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return is_binary_broadcast_op(s.name); }),
            (OpSet{"Add", "Sub", "Mul", "Div", "PRelu", "Pow", "Mod", "Min", "Max", "Equal", "Less",
                   "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "BitShift"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return is_view_op(s.name); }),
            (OpSet{"Flatten", "Reshape", "Squeeze", "Unsqueeze"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return is_window_op(s.name); }),
            (OpSet{"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool",
                   "MaxPoolIndices", "Resize", "ConvTranspose", "QLinearConv", "ConvInteger"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return is_convolution_op(s.name); }),
            (OpSet{"Conv", "ConvTranspose"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return s.has(op_flags::kNoOp); }),
            (OpSet{"Identity", "Dropout"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return s.has(op_flags::kFloatInputs); }),
            (OpSet{"Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization",
                   "InstanceNormalization", "LayerNormalization", "LpNormalization", "LRN",
                   "MeanVarianceNormalization", "DynamicQuantizeLinear"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return s.has(op_flags::kBoolInputs); }),
            (OpSet{"Not", "And", "Or", "Xor"}));
  EXPECT_EQ(ops_where([](const OpSchema& s) { return s.has(op_flags::kUnsignedInputs); }),
            (OpSet{"BitShift"}));
  EXPECT_TRUE(is_elementwise_op("Add"));
  EXPECT_TRUE(is_elementwise_op("Cast"));
  EXPECT_FALSE(is_elementwise_op("Transpose"));
}

// FromAttribute ops give output 0 the dtype attribute `to` names, and refuse one their operands
// cannot produce. Each has valid operands here, so a new FromAttribute op needs an entry.
TEST(OpTraits, FromAttributeShapeRulesFollowTo) {
  struct Case {
    std::vector<TensorType> inputs;
    DType to;
    std::vector<int64_t> expected_shape;
    DType refused;  ///< a `to` the rule must reject (Unknown: none)
  };
  auto t = [](DType dtype, std::vector<int64_t> dims) {
    return TensorType{dtype, static_shape(dims)};
  };
  const DType u8 = DType::UInt8, f32 = DType::Float32;
  const std::map<std::string, Case> cases = {
      {"Cast", {{t(f32, {2, 3})}, DType::Float64, {2, 3}, DType::Unknown}},
      {"EyeLike", {{t(f32, {2, 3})}, DType::Int32, {2, 3}, DType::Unknown}},
      {"QuantizeLinear",
       {{t(f32, {2, 3}), t(f32, {}), t(DType::Int8, {})}, DType::Int8, {2, 3}, f32}},
      {"DequantizeLinear", {{t(u8, {2, 3}), t(f32, {3}), t(u8, {3})}, f32, {2, 3}, DType::Int32}},
      {"DynamicQuantizeLinear", {{t(f32, {2, 3})}, u8, {2, 3}, DType::Int8}},
      {"QLinearConv",
       {{t(u8, {1, 2, 5, 5}), t(f32, {}), t(u8, {}), t(u8, {3, 2, 3, 3}), t(f32, {3}), t(u8, {3}),
         t(f32, {}), t(DType::Int8, {})},
        DType::Int8,
        {1, 3, 3, 3},
        f32}},
      {"QLinearMatMul",
       {{t(u8, {2, 3}), t(f32, {}), t(u8, {}), t(u8, {3, 4}), t(f32, {}), t(u8, {}), t(f32, {}),
         t(u8, {})},
        u8,
        {2, 4},
        f32}},
      {"ConvInteger", {{t(u8, {1, 2, 5, 5}), t(u8, {3, 2, 3, 3})}, DType::Int32, {1, 3, 3, 3}, u8}},
      {"MatMulInteger",
       {{t(DType::Int8, {2, 3}), t(DType::Int8, {3, 4})}, DType::Int32, {2, 4}, f32}},
  };
  for (const OpSchema& schema : all_op_schemas()) {
    if (schema.dtype_rule != DTypeRule::FromAttribute) continue;
    auto found = cases.find(schema.name);
    ASSERT_NE(found, cases.end()) << schema.name << " needs a case here";
    const Case& c = found->second;
    for (DType to : {c.to, c.refused}) {
      if (to == DType::Unknown) continue;
      RuleInputs in;
      in.types = c.inputs;
      in.attrs.set("to", std::string(dtype_name(to)));
      auto outputs = in.infer(schema);
      if (to == c.refused) {
        EXPECT_FALSE(outputs.is_ok()) << schema.name << " accepted to = " << dtype_name(to);
        continue;
      }
      ASSERT_TRUE(outputs.is_ok()) << schema.name << ": " << outputs.error().message;
      EXPECT_EQ((*outputs)[0], (TensorType{c.to, static_shape(c.expected_shape)}))
          << schema.name << " gave " << (*outputs)[0].to_string();
    }
  }
}

TEST(OpTraits, UnknownOpsAreOpaqueWithoutFlags) {
  EXPECT_EQ(op_pattern("NoSuchOp"), OpPattern::Opaque);
  EXPECT_FALSE(op_dtype_rule("NoSuchOp").has_value());
  EXPECT_FALSE(op_has_flag("NoSuchOp", op_flags::kNoOp));
  EXPECT_FALSE(is_activation_op("NoSuchOp"));
  EXPECT_EQ(op_dtype_rule("Shape"), DTypeRule::Int64);
  EXPECT_EQ(op_dtype_rule("Cast"), DTypeRule::FromAttribute);
}

}  // namespace
}  // namespace kiln
