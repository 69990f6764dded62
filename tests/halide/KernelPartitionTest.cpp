// KernelPartitionTest.cpp: kernels of a graph (groups, stored nodes, inline producers, copy
// kernels), task keys shared by identical blocks, channels-last boundaries, the arena plan, and
// records applied by task.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "backends/halide/HostTarget.h"
#include "backends/halide/MemoryPlan.h"
#include "frontend/onnx/OnnxImporter.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// Four identical residual blocks (conv + relu + conv + add + relu) on a [batch, 16, 8, 8]
// input. The first reads the graph input (NCHW) and the last writes the graph output (NCHW); the
// middle ones read and write channels-last intermediates, so they are the same kernels.
void build_three_blocks(Graph& graph) {
  GraphBuilder b(graph);
  Value* x = b.input("x", {Dim::symbolic("batch"), Dim::known(16), Dim::known(8), Dim::known(8)});
  for (int block = 0; block < 4; ++block) {
    const std::string p = "b" + std::to_string(block) + "_";
    Value* c1 =
        b.node("Conv", p + "conv1",
               {x, b.constant(p + "w1", random_tensor({16, 16, 3, 3}, 10 + block, -0.1f, 0.1f)),
                b.constant(p + "b1", random_tensor({16}, 20 + block))},
               attrs({{"pads", Ints{1, 1, 1, 1}}}));
    Value* r1 = b.node("Relu", p + "relu1", {c1});
    Value* c2 =
        b.node("Conv", p + "conv2",
               {r1, b.constant(p + "w2", random_tensor({16, 16, 3, 3}, 30 + block, -0.1f, 0.1f)),
                b.constant(p + "b2", random_tensor({16}, 40 + block))},
               attrs({{"pads", Ints{1, 1, 1, 1}}}));
    x = b.node("Relu", p + "relu2", {b.node("Add", p + "add", {c2, x})});
  }
  b.output(x);
}

TEST(KernelPartition, IdenticalBlocksShareTasksAndFunctions) {
  Graph graph;
  build_three_blocks(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  Result<KernelProgram> program = lower_kernels(graph, kiln::host_target());
  ASSERT_TRUE(program.is_ok()) << program.error().to_string();
  const KernelPartition& p = program->partition;
  ASSERT_EQ(p.kernels.size(), 8u);  // conv1+relu1 and conv2+add+relu2, four times
  EXPECT_EQ(p.kernels[2].task, p.kernels[4].task);
  EXPECT_EQ(p.kernels[2].task, p.kernels[6].task);
  EXPECT_EQ(p.kernels[3].task, p.kernels[5].task);
  EXPECT_NE(p.kernels[2].task, p.kernels[3].task);
  EXPECT_LE(program->distinct_kernels(), 5);
  EXPECT_EQ(program->kernels[4].representative, 2);
  EXPECT_EQ(program->kernels[4].function, program->kernels[2].function);
  // Each block's weights are its own arguments.
  EXPECT_GE(program->weights.size(), 16u);
  // The output is written by the last kernel straight into the caller's buffer.
  const BoundaryTensor& out = p.tensors[size_t(p.kernels.back().outputs.at(0))];
  EXPECT_EQ(out.role, TensorRole::Output);
  expect_matches_reference(graph, {{random_tensor({2, 16, 8, 8}, 5)}});
}

TEST(KernelPartition, InlineProducersAreRecomputedInsideTheirConsumer) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 4, 6, 6}));
  Value* scaled = b.node("Mul", "scaled", {x, b.constant("k", random_tensor({1}, 1))});
  Value* pooled = b.node("MaxPool", "pool", {scaled},
                         attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  b.output(pooled);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Result<KernelPartition> p = partition_kernels(graph, kiln::host_target(), {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  // The Mul feeds a pool, which rereads it, so it is stored: two kernels.
  ASSERT_EQ(p->kernels.size(), 2u);
  EXPECT_EQ(p->kernels[1].inputs.size(), 1u);
  EXPECT_EQ(p->intermediate_count, 1);

  Graph chain;
  GraphBuilder c(chain);
  Value* y = c.input("y", static_shape({8, 8}));
  Value* t = c.node("Transpose", "t", {y});
  c.output(c.node("Relu", "r", {t}));
  ASSERT_TRUE(infer_shapes(chain).is_ok());
  Result<KernelPartition> q = partition_kernels(chain, kiln::host_target(), {});
  ASSERT_TRUE(q.is_ok()) << q.error().to_string();
  ASSERT_EQ(q->kernels.size(), 1u);  // the transpose is an index remap inlined into the relu
  EXPECT_EQ(q->kernels[0].inlined.size(), 1u);
  EXPECT_EQ(q->kernels[0].node_names(), (std::vector<std::string>{"t_node", "r_node"}));
  expect_matches_reference(chain, {{random_tensor({8, 8}, 2)}});
}

TEST(KernelPartition, OutputsThatAreInputsOrRepeatedGetCopyKernels) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3}));
  Value* r = b.node("Relu", "r", {x});
  b.output(r);
  b.output(r);
  b.output(x);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Result<KernelPartition> p = partition_kernels(graph, kiln::host_target(), {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  ASSERT_EQ(p->kernels.size(), 3u);
  EXPECT_TRUE(p->kernels[1].copy_of && p->kernels[2].copy_of);
  expect_matches_reference(graph, {{random_tensor({2, 3}, 3)}});
}

TEST(KernelPartition, ChannelsLastIntermediatesCrossKernelsInThatLayout) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 8, 10, 10}));
  Value* c = b.node("Conv", "conv",
                    {x, b.constant("w", random_tensor({32, 8, 3, 3}, 1)),
                     b.constant("bias", random_tensor({32}, 2))},
                    attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* d = b.node("Conv", "dw", {c, b.constant("wd", random_tensor({32, 1, 3, 3}, 3))},
                    attrs({{"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{32}}}));
  b.output(b.node("GlobalAveragePool", "gap", {d}));
  ASSERT_TRUE(run_passes(graph, default_passes(false)).is_ok());
  Result<KernelPartition> p = partition_kernels(graph, kiln::host_target(), {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  if (kiln::host_target().natural_vector_size(Halide::Float(32)) >= 4) {
    int channels_last = 0;
    for (const BoundaryTensor& t : p->tensors) channels_last += t.channels_last ? 1 : 0;
    EXPECT_GE(channels_last, 1);
  }
  expect_matches_reference(graph, {{random_tensor({1, 8, 10, 10}, 4)}});
}

TEST(KernelPartition, ArenaSharesBytesBetweenTensorsThatAreNotAliveTogether) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", {Dim::symbolic("batch"), Dim::known(256)});
  for (int i = 0; i < 6; ++i)
    x = b.node("Softmax", "s" + std::to_string(i), {x});  // a chain: two alive at once
  b.output(x);
  ASSERT_TRUE(infer_shapes(graph).is_ok());
  Result<KernelPartition> p = partition_kernels(graph, kiln::host_target(), {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  ASSERT_EQ(p->intermediate_count, 5);
  const ArenaPlan one = plan_arena(*p, 1);
  EXPECT_EQ(one.total_bytes, 5u * 256 * 4);
  EXPECT_EQ(one.arena_bytes, 2u * 1024);  // 1 KiB tensors, 64-byte aligned: two slots
  const ArenaPlan four = plan_arena(*p, 4);
  EXPECT_EQ(four.arena_bytes, 2u * 4096);
  // No two tensors alive at the same kernel overlap.
  for (const BoundaryTensor& a : p->tensors)
    for (const BoundaryTensor& c : p->tensors) {
      if (&a == &c || a.role != TensorRole::Intermediate || c.role != TensorRole::Intermediate)
        continue;
      const bool alive_together = !(a.last_use < c.producer || c.last_use < a.producer);
      const uint64_t a0 = one.offsets[size_t(a.index)], c0 = one.offsets[size_t(c.index)];
      const bool overlap =
          a0 < c0 + one.bytes[size_t(c.index)] && c0 < a0 + one.bytes[size_t(a.index)];
      EXPECT_FALSE(alive_together && overlap) << a.value->name << " / " << c.value->name;
    }
}

TEST(KernelPartition, RecordsApplyByTaskAndIllegalOnesNameTheKnob) {
  Graph graph;
  build_three_blocks(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  const Halide::Target target = kiln::host_target();
  Result<KernelPartition> p = partition_kernels(graph, target, {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  KernelSchedule chosen = p->kernels[2].schedule;
  ASSERT_TRUE(chosen.is_group);
  chosen.group.anchor.parallel = !chosen.group.anchor.parallel;
  std::map<std::string, ScheduleRecord> records = {
      {p->kernels[2].task, {chosen, "records.jsonl:3"}}};
  Result<KernelPartition> tuned = partition_kernels(graph, target, {}, records);
  ASSERT_TRUE(tuned.is_ok()) << tuned.error().to_string();
  EXPECT_EQ(tuned->kernels[2].schedule.to_string(), chosen.to_string());
  EXPECT_EQ(tuned->kernels[4].schedule.to_string(), chosen.to_string());  // the same task
  EXPECT_EQ(tuned->kernels[3].schedule.to_string(), p->kernels[3].schedule.to_string());
  expect_matches_reference(graph, {{random_tensor({1, 16, 8, 8}, 6)}});

  chosen.group.anchor.vector_width = 3;
  records[p->kernels[2].task].schedule = chosen;
  Result<KernelPartition> illegal = partition_kernels(graph, target, {}, records);
  ASSERT_FALSE(illegal.is_ok());
  EXPECT_EQ(illegal.error().file, "records.jsonl:3");
  EXPECT_NE(illegal.error().message.find("knob 'anchor.vw' = 3"), std::string::npos)
      << illegal.error().message;
}

// conv_tiled without shifted tails (shift=0) trims the last output tile; its accumulator must not
// round that tile up, or it reads past the conv's input (found by the tuner on MobileNetV2's 1x1
// convolutions at 7x7: "Input buffer in0 is accessed at 7, which is beyond the max (6)").
TEST(KernelPartition, ConvTiledWithoutShiftedTailsStaysInsideItsInput) {
  for (bool with_relu : {false, true}) {
    Graph graph;
    GraphBuilder b(graph);
    Value* x = b.input("x", static_shape({1, 16, 7, 7}));
    Value* conv = b.node("Conv", "conv1x1", {x, b.constant("w", random_tensor({8, 16, 1, 1}, 71))});
    b.output(with_relu ? b.node("Relu", "relu", {conv}) : conv);
    ASSERT_TRUE(infer_shapes(graph).is_ok());
    ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
    const Halide::Target target = kiln::host_target();
    Result<KernelPartition> p = partition_kernels(graph, target, {});
    ASSERT_TRUE(p.is_ok()) << p.error().to_string();
    ASSERT_EQ(p->kernels.size(), 1u);
    for (const char* anchor :
         {"conv_tiled(vw=2,tc=8,tv=1,par=0,shift=0)", "conv_tiled(vw=4,tc=2,tv=2,par=1,shift=0)"}) {
      const std::string text =
          with_relu ? "conv_epilogue{anchor=" + std::string(anchor) + "}" : std::string(anchor);
      Result<KernelSchedule> schedule = parse_kernel_schedule(text);
      ASSERT_TRUE(schedule.is_ok()) << schedule.error().to_string();
      ASSERT_TRUE(check_kernel_schedule(graph, p->kernels[0], *schedule, target, {}).is_ok())
          << text;
      std::map<std::string, ScheduleRecord> records = {{p->kernels[0].task, {*schedule, "r:1"}}};
      Result<HalideJitProgram> program = HalideJitProgram::compile(graph, "host", {}, records);
      ASSERT_TRUE(program.is_ok()) << text << ": " << program.error().to_string();
      const std::vector<Tensor> inputs = {random_tensor({1, 16, 7, 7}, 72)};
      Result<std::vector<Tensor>> expected = run_reference(graph, inputs);
      ASSERT_TRUE(expected.is_ok()) << expected.error().to_string();
      Result<std::vector<Tensor>> actual = program->run(inputs);
      ASSERT_TRUE(actual.is_ok()) << text << ": " << actual.error().to_string();
      expect_tensors_close(*expected, *actual, graph);
    }
  }
}

}  // namespace
}  // namespace kiln::halide_test

namespace kiln::halide_test {
namespace {

// Every default schedule is a point of its own kernel's schedule space, for every test model and
// for the named x86 targets: a record holding the default must be accepted.
class DefaultSchedulesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DefaultSchedulesTest, DefaultsAreLegalInTheirSpace) {
  std::string path = std::string(KILN_TEST_MODELS_DIR) + "/" + GetParam() + ".onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "not exported: " << path;
  auto graph = import_onnx_file(path);
  ASSERT_TRUE(graph.is_ok()) << graph.error().message;
  ASSERT_TRUE(run_passes(*graph, default_passes(true)).is_ok());
  for (const char* spec : {"host", "x86-64-linux-avx2", "x86-64-linux-avx512"}) {
    Result<Halide::Target> target = parse_halide_target(spec);
    ASSERT_TRUE(target.is_ok());
    Result<KernelPartition> p = partition_kernels(*graph, *target, {});
    ASSERT_TRUE(p.is_ok()) << p.error().to_string();
    for (const KernelPlan& kernel : p->kernels) {
      Status legal = check_kernel_schedule(*graph, kernel, kernel.schedule, *target, {});
      EXPECT_TRUE(legal.is_ok()) << spec << " " << kernel.name << " " << kernel.schedule.to_string()
                                 << ": " << legal.error().message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, DefaultSchedulesTest,
                         ::testing::Values("mnist_cnn", "resnet18", "mobilenet_v2", "squeezenet1_0",
                                           "shufflenet_v2"));

}  // namespace
}  // namespace kiln::halide_test
