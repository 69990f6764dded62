// GpuScheduleTest.cpp: GPU targets without a GPU. Target strings get an explicit CUDA
// capability; every kernel of a small CNN (conv epilogue with a residual add, conv + max pool,
// global average pool + Gemm head, softmax) is scheduled with gpu_tile, keeps NCHW boundaries,
// and compiles to CUDA (PTX) and OpenCL modules; the gpu_tile knobs are a legal, printable space;
// long reductions (a conv of 32 input channels, a Gemm of K = 128) stage their inputs through
// shared memory.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "backends/halide/GpuSchedule.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/KernelSchedule.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// conv + relu + conv + add + relu, conv + relu + max pool, global average pool, Gemm, softmax.
void build_residual_cnn(Graph& graph) {
  GraphBuilder b(graph);
  Value* x = b.input("x", {Dim::symbolic("batch"), Dim::known(8), Dim::known(12), Dim::known(12)});
  Value* c1 = b.node("Conv", "conv1",
                     {x, b.constant("w1", random_tensor({8, 8, 3, 3}, 1, -0.1f, 0.1f)),
                      b.constant("b1", random_tensor({8}, 2))},
                     attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* c2 = b.node(
      "Conv", "conv2",
      {b.node("Relu", "relu1", {c1}), b.constant("w2", random_tensor({8, 8, 3, 3}, 3, -0.1f, 0.1f)),
       b.constant("b2", random_tensor({8}, 4))},
      attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* r2 = b.node("Relu", "relu2", {b.node("Add", "add", {c2, x})});
  Value* c3 = b.node("Conv", "conv3",
                     {r2, b.constant("w3", random_tensor({16, 8, 3, 3}, 5, -0.1f, 0.1f)),
                      b.constant("b3", random_tensor({16}, 6))},
                     attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* pooled = b.node("MaxPool", "pool", {b.node("Relu", "relu3", {c3})},
                         attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}}));
  Value* gap = b.node("GlobalAveragePool", "gap", {pooled});
  Value* flat = b.node("Flatten", "flatten", {gap});
  Value* fc = b.node("Gemm", "fc",
                     {flat, b.constant("wf", random_tensor({10, 16}, 7, -0.3f, 0.3f)),
                      b.constant("bf", random_tensor({10}, 8))},
                     attrs({{"transB", int64_t{1}}}));
  b.output(b.node("Softmax", "softmax", {fc}));
}

TEST(GpuSchedule, CudaTargetsNameACapability) {
  Result<Halide::Target> cuda = parse_halide_target("host-cuda");
  ASSERT_TRUE(cuda.is_ok());
  EXPECT_TRUE(cuda->has_feature(Halide::Target::CUDACapability80));
  Result<Halide::Target> named = parse_halide_target("host-cuda-cuda_capability_86");
  ASSERT_TRUE(named.is_ok());
  EXPECT_EQ(named->get_cuda_capability_lower_bound(), 86);
  EXPECT_FALSE(named->has_feature(Halide::Target::CUDACapability80));
  Result<Halide::Target> opencl = parse_halide_target("host-opencl");
  ASSERT_TRUE(opencl.is_ok());
  EXPECT_TRUE(is_gpu_target(*opencl));
  EXPECT_FALSE(is_gpu_target(kiln::host_target()));
}

TEST(GpuSchedule, DefaultBlocksCoverSmallExtents) {
  Graph graph;
  GraphBuilder b(graph);
  Value* image = b.input("a", {Dim::known(1), Dim::known(64), Dim::known(7), Dim::known(7)});
  NodeSchedule s = gpu_tile_schedule(image);
  EXPECT_EQ(s.to_string(), "gpu_tile(bx=8,by=8,tc=1,rc=0)");
  Value* row = b.input("r", {Dim::symbolic("batch"), Dim::known(1000)});
  EXPECT_EQ(gpu_tile_schedule(row).to_string(), "gpu_tile(bx=32,by=4,tc=1,rc=0)");
  Value* vector = b.input("v", {Dim::known(3)});
  EXPECT_EQ(gpu_tile_schedule(vector).to_string(), "gpu_tile(bx=4,by=1,tc=1,rc=0)");
}

TEST(GpuSchedule, EveryKernelIsScheduledForTheDeviceAndCompiles) {
  for (const char* spec : {"host-cuda", "host-opencl"}) {
    SCOPED_TRACE(spec);
    Graph graph;
    build_residual_cnn(graph);
    ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
    Result<Halide::Target> target = parse_halide_target(spec);
    ASSERT_TRUE(target.is_ok());
    Halide::Target with_context = target->with_feature(Halide::Target::UserContext);
    Result<KernelProgram> program = lower_kernels(graph, with_context);
    ASSERT_TRUE(program.is_ok()) << program.error().to_string();
    const std::string summary = schedule_summary(*program);
    EXPECT_NE(summary.find("conv_epilogue{anchor=gpu_tile("), std::string::npos) << summary;
    EXPECT_NE(summary.find("conv_pool{anchor=gpu_tile("), std::string::npos) << summary;
    // 8 and 16 output channels: each thread computes 4 of them (a register block); 8 input
    // channels are too few to stage through shared memory.
    EXPECT_NE(summary.find("conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=4,rc=0)"),
              std::string::npos)
        << summary;
    for (const char* cpu : {"conv_channels", "conv_tiled", "gemm_", "root("})
      EXPECT_EQ(summary.find(cpu), std::string::npos) << cpu << " in " << summary;
    for (const BoundaryTensor& t : program->partition.tensors) EXPECT_FALSE(t.channels_last);
    for (const KernelPlan& plan : program->partition.kernels) {
      std::vector<TemplateSpace> space =
          kernel_schedule_space(graph, plan, with_context, ScheduleOptions{});
      EXPECT_TRUE(check_schedule_legal(plan.schedule, space).is_ok()) << plan.schedule.to_string();
    }
    for (LoweredKernel& kernel : program->kernels) {
      if (kernel.representative != int(&kernel - &program->kernels[0])) continue;
      EXPECT_NO_THROW(
          kernel.pipeline.compile_to_module(kernel.arguments, kernel.function, with_context))
          << kernel.function;
    }
  }
}

TEST(GpuSchedule, BlocksOfMoreThan1024ThreadsAreRejected) {
  Graph graph;
  build_residual_cnn(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  Result<Halide::Target> target = parse_halide_target("host-opencl");
  ASSERT_TRUE(target.is_ok());
  Result<KernelPartition> partition = partition_kernels(graph, *target, ScheduleOptions{});
  ASSERT_TRUE(partition.is_ok());
  const KernelPlan& last = partition->kernels.back();  // softmax, an unfused node
  Result<KernelSchedule> big = parse_kernel_schedule("gpu_tile(bx=256,by=8,tc=1,rc=0)");
  ASSERT_TRUE(big.is_ok());
  Status status = check_kernel_schedule(graph, last, *big, *target, ScheduleOptions{});
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.error().message.find("at most 1024"), std::string::npos)
      << status.error().message;
  Result<KernelSchedule> fine = parse_kernel_schedule("gpu_tile(bx=64,by=16,tc=1,rc=0)");
  ASSERT_TRUE(fine.is_ok());
  EXPECT_TRUE(check_kernel_schedule(graph, last, *fine, *target, ScheduleOptions{}).is_ok());
  // A conv's channels per thread must divide its 8 output channels.
  const KernelPlan& conv = partition->kernels.front();
  ASSERT_EQ(conv.schedule.template_name(), "conv_epilogue/gpu_tile");
  Result<KernelSchedule> three =
      parse_kernel_schedule("conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=3,rc=0)}");
  ASSERT_TRUE(three.is_ok());
  Status odd = check_kernel_schedule(graph, conv, *three, *target, ScheduleOptions{});
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.error().message.find("anchor.tc"), std::string::npos) << odd.error().message;
  Result<KernelSchedule> eight =
      parse_kernel_schedule("conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=8,rc=0)}");
  ASSERT_TRUE(eight.is_ok());
  EXPECT_TRUE(check_kernel_schedule(graph, conv, *eight, *target, ScheduleOptions{}).is_ok());
}

// A conv of 32 input channels (+ bias + relu) and a Gemm head of K = 128: both reduce long enough
// to stage chunks of 16 channels through shared memory by default.
void build_wide_cnn(Graph& graph) {
  GraphBuilder b(graph);
  Value* x = b.input("x", {Dim::known(1), Dim::known(32), Dim::known(10), Dim::known(10)});
  Value* conv = b.node("Conv", "conv",
                       {x, b.constant("w", random_tensor({64, 32, 3, 3}, 11, -0.1f, 0.1f)),
                        b.constant("b", random_tensor({64}, 12))},
                       attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* flat = b.node("Flatten", "flatten",
                       {b.node("GlobalAveragePool", "gap", {b.node("Relu", "relu", {conv})})});
  Value* wide =
      b.node("Gemm", "fc1", {flat, b.constant("w1", random_tensor({128, 64}, 13, -0.1f, 0.1f))},
             attrs({{"transB", int64_t{1}}}));
  b.output(b.node("Gemm", "fc2",
                  {b.node("Relu", "relu2", {wide}),
                   b.constant("w2", random_tensor({10, 128}, 14, -0.1f, 0.1f))},
                  attrs({{"transB", int64_t{1}}})));
}

TEST(GpuSchedule, LongReductionsAreStagedThroughSharedMemory) {
  Graph graph;
  build_wide_cnn(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  for (const char* spec : {"host-cuda", "host-opencl"}) {
    SCOPED_TRACE(spec);
    Result<Halide::Target> target = parse_halide_target(spec);
    ASSERT_TRUE(target.is_ok());
    Halide::Target with_context = target->with_feature(Halide::Target::UserContext);
    Result<KernelProgram> program = lower_kernels(graph, with_context);
    ASSERT_TRUE(program.is_ok()) << program.error().to_string();
    const std::string summary = schedule_summary(*program);
    EXPECT_NE(summary.find("conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=4,rc=16)"),
              std::string::npos)
        << summary;
    EXPECT_NE(summary.find("tc=1,rc=16)"), std::string::npos) << summary;  // fc2: K = 128
    for (LoweredKernel& kernel : program->kernels) {
      const KernelPlan& plan = program->partition.kernels[size_t(kernel.plan)];
      if (plan.schedule.to_string().find("rc=16") == std::string::npos) continue;
      // The staged tiles live in the block's shared memory: `__local` in the OpenCL C source,
      // `.shared` in the PTX the lowered module embeds.
      const std::string stmt = ::testing::TempDir() + "kiln_staged.stmt";
      ASSERT_NO_THROW(kernel.pipeline.compile_to_lowered_stmt(
          stmt, kernel.arguments, Halide::StmtOutputFormat::Text, with_context));
      std::ifstream in(stmt);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      const bool opencl = target->has_feature(Halide::Target::OpenCL);
      EXPECT_NE(text.find(opencl ? "__local float" : ".shared"), std::string::npos) << plan.name;
      EXPECT_NO_THROW(
          kernel.pipeline.compile_to_module(kernel.arguments, kernel.function, with_context))
          << plan.name;
    }
  }
}

TEST(GpuSchedule, ReductionChunksFitTheReduction) {
  Graph graph;
  build_wide_cnn(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  Result<Halide::Target> target = parse_halide_target("host-opencl");
  ASSERT_TRUE(target.is_ok());
  Result<KernelPartition> partition = partition_kernels(graph, *target, ScheduleOptions{});
  ASSERT_TRUE(partition.is_ok());
  const KernelPlan& conv = partition->kernels.front();
  ASSERT_EQ(conv.schedule.template_name(), "conv_epilogue/gpu_tile");
  // 32 input channels: chunks of 4, 8 and 16 fit at least twice, 32 does not; 0 turns it off.
  EXPECT_EQ(gpu_reduction_chunks(group_anchor(conv.stored)), (std::vector<int>{0, 4, 8, 16}));
  for (const char* text : {"conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=4,rc=0)}",
                           "conv_epilogue{anchor=gpu_tile(bx=8,by=8,tc=2,rc=4)}"}) {
    Result<KernelSchedule> ok = parse_kernel_schedule(text);
    ASSERT_TRUE(ok.is_ok());
    EXPECT_TRUE(check_kernel_schedule(graph, conv, *ok, *target, ScheduleOptions{}).is_ok())
        << text;
  }
  Result<KernelSchedule> too_long =
      parse_kernel_schedule("conv_epilogue{anchor=gpu_tile(bx=16,by=8,tc=4,rc=32)}");
  ASSERT_TRUE(too_long.is_ok());
  Status status = check_kernel_schedule(graph, conv, *too_long, *target, ScheduleOptions{});
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.error().message.find("anchor.rc"), std::string::npos) << status.error().message;
}

}  // namespace
}  // namespace kiln::halide_test
