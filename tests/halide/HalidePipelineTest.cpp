// HalidePipelineTest.cpp: whole-graph behaviour of the Halide backend: one pipeline serving
// several batch sizes, shape arithmetic folded at compile time, run-time Gather, parameters and
// AOT arguments, schedule choices, targets and errors.
#include <filesystem>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/HostTarget.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

Shape batch_shape(const Ints& rest) {
  Shape s{Dim::symbolic("batch")};
  for (int64_t d : rest) s.push_back(Dim::known(d));
  return s;
}

// x[batch,3,8,8] -> Conv -> Relu -> MaxPool -> Reshape(Concat(Gather(Shape(x), 0), [-1]))
// -> Gemm -> Softmax, plus a Flatten output whose size is the product symbol batch*...
void build_dynamic_batch_cnn(Graph& graph) {
  GraphBuilder b(graph);
  Value* x = b.input("x", batch_shape({3, 8, 8}));
  Value* conv = b.node("Conv", "conv",
                       {x, b.constant("w", random_tensor({4, 3, 3, 3}, 71)),
                        b.constant("bias", random_tensor({4}, 72))},
                       attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* pooled = b.node("MaxPool", "pool", {b.node("Relu", "relu", {conv})},
                         attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  Value* batch =
      b.node("Gather", "batch_dim",
             {b.node("Shape", "shape", {pooled}), b.constant("zero", make_int64_tensor({}, {0}))});
  Value* target_shape =
      b.node("Concat", "target_shape",
             {b.node("Unsqueeze", "batch_1d", {batch}, attrs({{"axes", Ints{0}}})),
              b.ints("minus_one", {-1})},
             attrs({{"axis", int64_t{0}}}));
  Value* flat = b.node("Reshape", "flat", {pooled, target_shape});
  Value* logits = b.node("Gemm", "fc",
                         {flat, b.constant("fc_w", random_tensor({10, 64}, 73)),
                          b.constant("fc_b", random_tensor({10}, 74))},
                         attrs({{"transB", int64_t{1}}}));
  b.output(b.node("Softmax", "probs", {logits}));
  b.output(b.node("Flatten", "features", {pooled}, attrs({{"axis", int64_t{0}}})));
}

TEST(HalidePipeline, OnePipelineServesBatchOneAndThree) {
  Graph graph;
  build_dynamic_batch_cnn(graph);
  expect_matches_reference(graph,
                           {{random_tensor({1, 3, 8, 8}, 70)}, {random_tensor({3, 3, 8, 8}, 75)}});
}

TEST(HalidePipeline, ParametersAndAotArguments) {
  Graph graph;
  build_dynamic_batch_cnn(graph);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Result<KernelProgram> program = lower_kernels(graph, kiln::host_target());
  ASSERT_TRUE(program.is_ok()) << program.error().to_string();
  // Weights are parameters, not baked in; constants read only at compile time are not.
  ASSERT_EQ(program->weights.size(), 4u);
  EXPECT_EQ(program->weights[0]->name, "w");
  // Every kernel takes the batch symbol first; the two graph outputs are written by kernels.
  int outputs = 0;
  for (const LoweredKernel& kernel : program->kernels) {
    ASSERT_FALSE(kernel.bindings.empty());
    EXPECT_EQ(kernel.bindings[0].kind, KernelArgument::Kind::Symbol);
    EXPECT_EQ(kernel.arguments.size(), kernel.bindings.size());
    for (int t : kernel.outputs)
      if (program->partition.tensors[size_t(t)].role == TensorRole::Output) ++outputs;
  }
  EXPECT_EQ(outputs, 2);
  // The arguments suffice for an ahead-of-time build of each kernel.
  const std::string dir = std::string(KILN_BINARY_DIR) + "/halide_test_aot";
  std::filesystem::create_directories(dir);
  Halide::Target target = kiln::host_target().with_feature(Halide::Target::NoRuntime);
  for (LoweredKernel& kernel : program->kernels) {
    if (kernel.representative != &kernel - program->kernels.data()) continue;
    const std::string object = dir + "/" + kernel.function + ".o";
    EXPECT_NO_THROW(
        kernel.pipeline.compile_to_object(object, kernel.arguments, kernel.function, target));
    EXPECT_TRUE(std::filesystem::exists(object));
  }
}

TEST(HalidePipeline, RuntimeGatherIndicesMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* table = b.input("table", static_shape({6, 4}));
  Value* indices = b.input("indices", static_shape({3}), DType::Int64);
  b.output(b.node("Gather", "rows", {table, indices}));
  expect_matches_reference(graph,
                           {{random_tensor({6, 4}, 80), make_int64_tensor({3}, {5, -6, 2})}});
}

TEST(HalidePipeline, SchedulesAreChosenPerNode) {
  Graph graph;
  build_dynamic_batch_cnn(graph);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Halide::Target arm("arm-64-linux");
  ScheduleOptions options;
  // The 10 features of the dense layer fill vectors of 4: B is packed in blocks of 2 vectors, a
  // register tile spans 4 rows of A (the batch is symbolic: fewer rows run one at a time).
  NodeSchedule fc = choose_schedule(graph, *graph.find_node("fc_node"), arm, options);
  EXPECT_EQ(fc.kind, ScheduleTemplate::GemmPacked);
  EXPECT_EQ(fc.channel_block(), 8);
  EXPECT_EQ(fc.tile_x, 4);
  // Relu feeds a pool (a re-reading consumer), so it is stored rather than inlined.
  EXPECT_EQ(choose_schedule(graph, *graph.find_node("relu_node"), arm, options).kind,
            ScheduleTemplate::Root);
  // 4 output channels fill one 128-bit NEON vector: the conv vectorises over channels, with a
  // register tile of one vector by the whole 8-column row.
  NodeSchedule conv = choose_schedule(graph, *graph.find_node("conv_node"), arm, options);
  EXPECT_EQ(conv.kind, ScheduleTemplate::ConvChannels);
  EXPECT_EQ(conv.vector_width, 4);
  EXPECT_EQ(conv.tile_channels, 1);
  EXPECT_EQ(conv.tile_x, 8);
  // With 16-lane AVX-512 vectors 4 channels are too few: it vectorises along the row instead,
  // 4 output channels per tile.
  Halide::Target avx512("x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41");
  NodeSchedule wide = choose_schedule(graph, *graph.find_node("conv_node"), avx512, options);
  EXPECT_EQ(wide.kind, ScheduleTemplate::ConvTiled);
  EXPECT_EQ(wide.vector_width, 8);  // the 8-column row caps the lanes
  EXPECT_EQ(wide.tile_channels, 4);
  EXPECT_EQ(choose_schedule(graph, *graph.find_node("fc_node"), avx512, options).kind,
            ScheduleTemplate::GemmTiled);  // 10 features: less than one 16-lane vector

  options.overrides["conv_node"] = NodeSchedule{ScheduleTemplate::Root, 1, 1, 1, false};
  EXPECT_EQ(choose_schedule(graph, *graph.find_node("conv_node"), arm, options).kind,
            ScheduleTemplate::Root);
  // Lowering for a cross target needs no JIT; the chosen schedules are reported.
  Result<KernelProgram> lowered = lower_kernels(graph, arm, options);
  ASSERT_TRUE(lowered.is_ok()) << lowered.error().to_string();
  EXPECT_FALSE(lowered->kernels.empty());
}

TEST(HalidePipeline, NaiveScheduleOptionsStillMatchReference) {
  Graph graph;
  build_dynamic_batch_cnn(graph);
  ScheduleOptions options;
  options.parallel = false;
  options.max_vector_width = 1;
  options.inline_elementwise = false;
  expect_matches_reference(graph, {{random_tensor({2, 3, 8, 8}, 76)}}, options);
}

TEST(HalidePipeline, BadTargetsAndInputsAreErrors) {
  EXPECT_FALSE(parse_halide_target("not-a-target").is_ok());
  EXPECT_TRUE(parse_halide_target("x86-64-linux-avx2").is_ok());

  Graph graph;
  build_dynamic_batch_cnn(graph);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Result<HalideJitProgram> program = HalideJitProgram::compile(graph);
  ASSERT_TRUE(program.is_ok()) << program.error().to_string();
  Result<std::vector<Tensor>> wrong_size = program->run({random_tensor({1, 3, 7, 8}, 1)});
  ASSERT_FALSE(wrong_size.is_ok());
  EXPECT_NE(wrong_size.error().message.find("input 'x'"), std::string::npos)
      << wrong_size.error().message;
  EXPECT_FALSE(program->run({}).is_ok());
  Result<std::vector<Tensor>> wrong_type =
      program->run({make_int64_tensor({1, 3, 8, 8}, std::vector<int64_t>(192, 0))});
  EXPECT_FALSE(wrong_type.is_ok());
}

TEST(HalidePipeline, UnlowerableNodeIsNamedInTheError) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({4, 5}));
  Value* starts = b.input("starts", static_shape({1}), DType::Int64);
  b.output(b.node("Slice", "dynamic_slice", {x, starts, b.ints("ends", {3})}));
  (void)infer_shapes(graph);  // the rule may leave the sliced dim unknown; lowering must still fail
  Result<KernelProgram> lowered = lower_kernels(graph, kiln::host_target());
  ASSERT_FALSE(lowered.is_ok());
  EXPECT_EQ(lowered.error().node, "dynamic_slice_node");
  EXPECT_NE(lowered.error().message.find("constant"), std::string::npos) << lowered.error().message;
}

}  // namespace
}  // namespace kiln::halide_test
