// ReferenceOpTableTest.cpp: the reference interpreter has a kernel for every row of ir/Ops.def,
// and elementwise kernels keep the shape their Ops.def pattern promises.
#include <gtest/gtest.h>

#include "backends/reference/KernelContext.h"
#include "ir/OpSchema.h"
#include "tests/backends/ReferenceTestUtil.h"

namespace kiln::testing {
namespace {

TEST(ReferenceOpTable, EveryOpHasAKernel) {
  for (const OpSchema& schema : all_op_schemas())
    EXPECT_NE(reference::find_kernel(schema.name), nullptr) << schema.name;
  EXPECT_EQ(reference::find_kernel("NoSuchOp"), nullptr);
}

// Every one-input activation (Ops.def: Elementwise, FirstInput, not a no-op) maps a tensor to
// one of its shape.
TEST(ReferenceOpTable, UnaryActivationsKeepTheShape) {
  Tensor x = make_float_tensor({2, 3}, {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f});
  for (const OpSchema& schema : all_op_schemas()) {
    if (!is_activation_op(schema.name) || schema.min_inputs != 1) continue;
    ASSERT_OK_AND_ASSIGN(y, run_op(schema.name, {x}));
    EXPECT_EQ(y.dims, x.dims) << schema.name;
    EXPECT_EQ(y.dtype, x.dtype) << schema.name;
  }
}

}  // namespace
}  // namespace kiln::testing
