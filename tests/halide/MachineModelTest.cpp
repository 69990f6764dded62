// MachineModelTest.cpp: the machine model (backends/halide/MachineModel.h): the table of named
// targets, the schedule parameters derived from it, the host's own readings, and that a named
// target's default schedules follow the table, not the machine running the test.
#include <gtest/gtest.h>

#include "backends/halide/HalideSchedule.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/MachineModel.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

TEST(MachineModel, TableEntriesFollowTheIsaLevel) {
  const MachineModel avx2 = table_machine_model(Halide::Target("x86-64-linux-avx2"));
  EXPECT_EQ(avx2.f32_lanes, 8);
  EXPECT_EQ(avx2.vector_registers, 16);
  EXPECT_FALSE(avx2.from_host);
  const MachineModel spr =
      table_machine_model(Halide::Target("x86-64-linux-avx512-avx512_sapphirerapids"));
  EXPECT_EQ(spr.f32_lanes, 16);
  EXPECT_EQ(spr.vector_registers, 32);
  EXPECT_EQ(spr.l2_bytes, 2 << 20);
  // Without the `avx512` flag Halide emits 4-lane vectors, but LLVM still compiles for a Sapphire
  // Rapids core, with its 32 registers.
  const MachineModel spr_only =
      table_machine_model(Halide::Target("x86-64-linux-avx512_sapphirerapids"));
  EXPECT_EQ(spr_only.f32_lanes, 4);
  EXPECT_EQ(spr_only.vector_registers, 32);
  const MachineModel arm32 = table_machine_model(Halide::Target("arm-32-linux"));
  EXPECT_EQ(arm32.vector_registers, 16);
  const MachineModel arm64 = table_machine_model(Halide::Target("arm-64-linux"));
  EXPECT_EQ(arm64.vector_registers, 32);
}

TEST(MachineModel, ScheduleFactsFollowRegistersPipesAndClock) {
  MachineModel m;
  m.f32_lanes = 16, m.vector_registers = 32, m.fma_pipes = 2, m.fma_latency = 4, m.ghz = 3.3;
  m.l2_bytes = 1 << 20;
  ScheduleFacts f = schedule_facts(m);
  EXPECT_EQ(f.accumulator_budget, 28);
  EXPECT_EQ(f.accumulators_in_flight, 8);
  EXPECT_EQ(f.min_task_macs, 1056000);  // 10 us x 16 lanes x 2 pipes x 3.3 GHz: about 2^20
  EXPECT_EQ(f.weight_block_bytes, 512 << 10);
  // A core that issues one 512-bit FMA per cycle (AMD Zen 4) needs half the accumulators in
  // flight, and a task of the same duration holds half the work.
  m.fma_pipes = 1;
  f = schedule_facts(m);
  EXPECT_EQ(f.accumulators_in_flight, 4);
  EXPECT_EQ(f.min_task_macs, 528000);
  m.vector_registers = 16;
  EXPECT_EQ(schedule_facts(m).accumulator_budget, 12);
}

TEST(MachineModel, TheHostTargetReadsThisMachine) {
  const MachineModel& host = machine_model(kiln::host_target());
  EXPECT_TRUE(host.from_host);
  EXPECT_FALSE(host.name.empty());
  EXPECT_GT(host.l1d_bytes, 0);
  EXPECT_GT(host.l2_bytes, 0);
  EXPECT_LE(host.l3_share_bytes, 4 << 20);  // VMs report the whole host's L3; a core gets a share
  EXPECT_GT(host.ghz, 0.9);
  EXPECT_EQ(host.f32_lanes, kiln::host_target().natural_vector_size(Halide::Float(32)));
  // The same ISA features spelled out (what the tuner's workers receive) are the host too.
  EXPECT_TRUE(machine_model(Halide::Target(kiln::host_target().to_string())).from_host);
  // A named target with other features reads the table, whatever machine runs this.
  EXPECT_FALSE(machine_model(Halide::Target("x86-64-linux-avx2")).from_host);
  const std::string text = describe_machine(host);
  EXPECT_NE(text.find("source: this machine"), std::string::npos) << text;
}

// A 7-column conv with 32 output channels on the AVX2 table (8 lanes, 12 accumulators): a tile of
// 1 channel block x 7 columns has no shifted columns but only 7 accumulators, under the 8 an FMA
// latency of 4 x 2 pipes needs; 2 blocks x 4 columns (8 accumulators) wins.
TEST(MachineModel, ConvTilesKeepEveryFmaPipeBusy) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 16, 7, 7}));
  b.output(b.node("Conv", "conv", {x, b.constant("w", random_tensor({32, 16, 3, 3}, 1))},
                  attrs({{"pads", Ints{1, 1, 1, 1}}})));
  ASSERT_TRUE(run_passes(graph, default_passes(false)).is_ok());
  const Node* conv = nullptr;
  for (const auto& node : graph.nodes())
    if (node->op == "Conv") conv = node.get();
  ASSERT_NE(conv, nullptr);
  const Halide::Target avx2("x86-64-linux-avx2");
  const std::optional<NodeSchedule> s = conv_channels_schedule(*conv, avx2, ScheduleOptions{});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->vector_width, 8);
  EXPECT_EQ(s->tile_channels, 2);
  EXPECT_EQ(s->tile_x, 4);
  EXPECT_GE(s->tile_channels * s->tile_x,
            schedule_facts(machine_model(avx2)).accumulators_in_flight);
}

}  // namespace
}  // namespace kiln::halide_test
