// InferShapesRobustnessTest.cpp: every shape rule fed random (mostly invalid) input types,
// constants and attributes must return a result or an error, never crash or hang.
#include <gtest/gtest.h>

#include <random>

#include "ir/OpSchema.h"
#include "ir/ShapeRules.h"
#include "tests/passes/InferShapesTestUtil.h"

namespace kiln::testing {
namespace {

class RandomShapeCases {
 public:
  explicit RandomShapeCases(uint32_t seed) : rng_(seed) {}

  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  Dim dim() {
    switch (pick(0, 5)) {
      case 0:
        return Dim::symbolic(pick(0, 1) ? "batch" : "n");
      case 1:
        return Dim::unknown();
      default:
        return Dim::known(pick(0, 6));
    }
  }

  TensorType type() {
    static const DType kTypes[] = {DType::Float32, DType::Int64, DType::Int32, DType::Bool};
    TensorType t{kTypes[pick(0, 3)], Shape{}};
    for (int64_t i = pick(0, 5); i > 0; --i) t.shape->push_back(dim());
    return t;
  }

  std::vector<int64_t> ints(int64_t max_count) {
    std::vector<int64_t> values;
    for (int64_t i = pick(0, max_count); i > 0; --i) values.push_back(pick(-6, 6));
    return values;
  }

  Attributes attributes() {
    Attributes a;
    for (const char* name : {"axis", "group", "ceil_mode", "allowzero", "keepdims", "transA",
                             "transB", "start", "end"})
      if (pick(0, 2) == 0) a.set(name, pick(-5, 5));
    for (const char* name : {"axes", "perm", "pads", "strides", "dilations", "kernel_shape"})
      if (pick(0, 2) == 0) a.set(name, ints(8));
    if (pick(0, 3) == 0) {
      static const char* const kPads[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "bad"};
      a.set("auto_pad", std::string(kPads[pick(0, 4)]));
    }
    if (pick(0, 3) == 0) a.set("to", std::string(pick(0, 1) ? "i64" : "nope"));
    return a;
  }

 private:
  std::mt19937 rng_;
};

TEST(InferShapesRobustnessTest, RandomInputsNeverCrash) {
  RandomShapeCases random(20240601);
  int ok = 0, errors = 0;
  for (int iteration = 0; iteration < 30000; ++iteration) {
    const std::vector<OpSchema>& schemas = all_op_schemas();
    const OpSchema& schema = schemas[static_cast<size_t>(random.pick(0, schemas.size() - 1))];
    const int max_inputs = schema.max_inputs < 0 ? 4 : schema.max_inputs;
    const int64_t count = random.pick(std::max(0, schema.min_inputs - 1), max_inputs + 1);

    Attributes attributes = random.attributes();
    std::vector<TensorType> types(static_cast<size_t>(count));
    std::vector<std::optional<Tensor>> constants(types.size());
    std::vector<std::optional<std::vector<Dim>>> known(types.size());
    ShapeContext ctx;
    ctx.op = schema.name;
    ctx.attrs = &attributes;
    for (size_t i = 0; i < types.size(); ++i) {
      types[i] = random.type();
      if (random.pick(0, 2) == 0) {
        std::vector<int64_t> values = random.ints(5);
        constants[i] = make_int64_tensor({static_cast<int64_t>(values.size())}, values);
        types[i] = TensorType{DType::Int64, static_shape({static_cast<int64_t>(values.size())})};
      } else if (random.pick(0, 3) == 0) {
        known[i].emplace();
        for (int64_t j = random.pick(0, 4); j > 0; --j) known[i]->push_back(random.dim());
      }
      bool omitted = i > 0 && random.pick(0, 9) == 0;
      ctx.input_types.push_back(omitted ? nullptr : &types[i]);
      ctx.input_constants.push_back(constants[i] ? &*constants[i] : nullptr);
      ctx.input_known_dims.push_back(known[i] ? &*known[i] : nullptr);
    }
    Status status = infer_output_types(ctx);
    (status.is_ok() ? ok : errors)++;
    if (status.is_ok()) {
      EXPECT_EQ(ctx.output_types.size(), ctx.output_known_dims.size()) << schema.name;
    } else {
      EXPECT_FALSE(status.error().message.empty()) << schema.name;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace kiln::testing
