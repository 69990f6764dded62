// HalideAutoschedulerTest.cpp: kernels scheduled by each of Halide's autoschedulers (every
// kernel, or one task by a record) match the reference, quietly; the space lists them for every
// kernel; a missing plugin is an error naming the kernel and the plugin, and a failing one shows
// its log in the error; a compile runs a plugin only for kernels its cache lacks; Adams2019 gives
// the same schedules on several threads at once as one at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "backends/halide/HalideAutoscheduler.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/KernelCompiler.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// conv + relu + maxpool + flatten + gemm on a [batch, 3, 8, 8] input: a conv_pool group, a
// reshape and a gemm kernel.
void build_conv_pool_fc(Graph& graph) {
  GraphBuilder b(graph);
  Value* x = b.input("x", {Dim::symbolic("batch"), Dim::known(3), Dim::known(8), Dim::known(8)});
  Value* c = b.node("Conv", "conv",
                    {x, b.constant("w", random_tensor({8, 3, 3, 3}, 1, -0.3f, 0.3f)),
                     b.constant("b", random_tensor({8}, 2))},
                    attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* r = b.node("Relu", "relu", {c});
  Value* p = b.node("MaxPool", "pool", {r},
                    attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  Value* f = b.node("Flatten", "flatten", {p});
  Value* g = b.node("Gemm", "fc",
                    {f, b.constant("fw", random_tensor({10, 128}, 3, -0.1f, 0.1f)),
                     b.constant("fb", random_tensor({10}, 4))},
                    attrs({{"transB", int64_t(1)}}));
  b.output(g);
}

TEST(HalideAutoscheduler, MachineParamsComeFromTheMachineUnlessOverridden) {
  const Halide::MachineParams measured = autoscheduler_machine_params();
  EXPECT_GE(measured.parallelism, 1);
  EXPECT_GT(measured.last_level_cache_size, 0);
  ::setenv("KILN_AUTOSCHEDULER_CORES", "7", 1);
  ::setenv("KILN_AUTOSCHEDULER_CACHE_BYTES", "2097152", 1);
  const Halide::MachineParams overridden = autoscheduler_machine_params();
  ::unsetenv("KILN_AUTOSCHEDULER_CORES");
  ::unsetenv("KILN_AUTOSCHEDULER_CACHE_BYTES");
  EXPECT_EQ(overridden.parallelism, 7);
  EXPECT_EQ(overridden.last_level_cache_size, 2097152);
  EXPECT_FLOAT_EQ(overridden.balance, 40.0f);
}

// Captured stderr less AddressSanitizer's own warnings (`==PID==WARNING: ASan ...`, printed under
// `scripts/test.sh --sanitize` when a plugin switches contexts): the sanitizer speaking, not Kiln.
std::string without_sanitizer_warnings(const std::string& text) {
  std::string kept, line;
  std::istringstream lines(text);
  while (std::getline(lines, line))
    if (!(line.rfind("==", 0) == 0 && line.find("==WARNING: ASan") != std::string::npos))
      kept += line + "\n";
  return kept;
}

TEST(HalideAutoscheduler, EveryPluginSchedulesEveryKernelAndMatchesQuietly) {
  for (const std::string& name : halide_autoscheduler_names()) {
    testing::internal::CaptureStderr();
    SCOPED_TRACE(name);
    Graph graph;
    build_conv_pool_fc(graph);
    ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
    ScheduleOptions options;
    options.autoscheduler = name;
    options.estimate_batch = 2;
    Result<KernelPartition> p = partition_kernels(graph, kiln::host_target(), options);
    ASSERT_TRUE(p.is_ok()) << p.error().to_string();
    for (const KernelPlan& k : p->kernels)
      EXPECT_EQ(k.schedule.to_string(), "autoscheduler(" + name + ")") << k.name;
    expect_matches_reference(graph, {{random_tensor({2, 3, 8, 8}, 5)}}, options);
    // Adams2019 logs its beam search to std::cerr: none of it reaches stderr.
    EXPECT_EQ(without_sanitizer_warnings(testing::internal::GetCapturedStderr()), "");
  }
}

TEST(HalideAutoscheduler, EverySpaceListsThePluginsAndRecordsApply) {
  Graph graph;
  build_conv_pool_fc(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  const Halide::Target target = kiln::host_target();
  Result<KernelPartition> p = partition_kernels(graph, target, {});
  ASSERT_TRUE(p.is_ok()) << p.error().to_string();
  for (const KernelPlan& k : p->kernels) {
    std::vector<TemplateSpace> space = kernel_schedule_space(graph, k, target, {});
    ASSERT_GE(space.size(), 4u) << k.name;
    EXPECT_EQ(space[space.size() - 3].name, "mullapudi2016");
    EXPECT_EQ(space[space.size() - 2].name, "li2018");
    EXPECT_EQ(space[space.size() - 1].name, "adams2019");
    EXPECT_TRUE(space.back().knobs.empty());
  }
  // A record makes the first kernel (a group) autoscheduled; the others keep their templates.
  ASSERT_TRUE(p->kernels.front().schedule.is_group);
  std::map<std::string, ScheduleRecord> records = {
      {p->kernels.front().task, {KernelSchedule::autoscheduled("li2018"), "r.jsonl:1"}}};
  Result<KernelPartition> tuned = partition_kernels(graph, target, {}, records);
  ASSERT_TRUE(tuned.is_ok()) << tuned.error().to_string();
  EXPECT_EQ(tuned->kernels.front().schedule.to_string(), "autoscheduler(li2018)");
  EXPECT_EQ(tuned->kernels.back().schedule.to_string(), p->kernels.back().schedule.to_string());
  Result<KernelProgram> program = lower_kernels(graph, target, {}, records);
  ASSERT_TRUE(program.is_ok()) << program.error().to_string();
  EXPECT_EQ(program->kernels.front().autoscheduler, "li2018");
  EXPECT_TRUE(program->kernels.back().autoscheduler.empty());
}

TEST(HalideAutoscheduler, FailuresAreErrorsNamingKernelAndPlugin) {
  Halide::Func f("f");
  Halide::Var x("x");
  f(x) = x * 2;
  Halide::Pipeline pipeline(f);
  const Halide::Target target = kiln::host_target();
  Status missing = run_halide_autoscheduler(pipeline, "nosuch2000", target, "kernel7");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.error().message.find("kernel 'kernel7'"), std::string::npos);
  EXPECT_NE(missing.error().message.find("nosuch2000"), std::string::npos);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos)
      << missing.error().message;
  // No estimates on the output: each plugin reports a Halide::Error, which becomes an error.
  for (const std::string& name : halide_autoscheduler_names()) {
    Halide::Func g("g_" + name);
    g(x) = x + 1;
    Halide::Pipeline no_estimates(g);
    testing::internal::CaptureStderr();
    Status failed = run_halide_autoscheduler(no_estimates, name, target, "kernel8");
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
    ASSERT_FALSE(failed.is_ok()) << name;
    EXPECT_NE(failed.error().message.find("kernel 'kernel8': Halide autoscheduler " + name),
              std::string::npos)
        << failed.error().message;
    // What Adams2019 logged before it failed is in the error instead.
    if (name == "adams2019")
      EXPECT_NE(failed.error().message.find("log (last lines):\n    generate_schedule"),
                std::string::npos)
          << failed.error().message;
  }
}

TEST(HalideAutoscheduler, ACompileRunsThePluginOnlyForKernelsTheCacheLacks) {
  Graph graph;
  build_conv_pool_fc(graph);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  ScheduleOptions options;
  options.autoscheduler = "li2018";
  const Halide::Target target = kiln::host_target();
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "kiln_as_cache";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "scratch");
  const CompileCache cache((dir / "cache").string());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    Result<KernelProgram> program = lower_kernels(graph, target, options, {}, "test", true);
    ASSERT_TRUE(program.is_ok()) << program.error().to_string();
    for (const LoweredKernel& k : program->kernels) EXPECT_TRUE(k.autoschedule_pending);
    Result<KernelObjects> objects =
        compile_kernel_objects(*program, cache, (dir / "scratch").string(), 2);
    ASSERT_TRUE(objects.is_ok()) << objects.error().to_string();
    EXPECT_EQ(objects->compiled, round == 0 ? program->distinct_kernels() : 0);
    // The first round scheduled and compiled every kernel; the second took them all from the
    // cache and never ran the plugin.
    for (size_t k = 0; k < program->kernels.size(); ++k)
      if (program->kernels[k].representative == int(k))
        EXPECT_EQ(program->kernels[k].autoschedule_pending, round == 1);
  }
  // Without deferring, lower_kernels schedules every kernel itself.
  Result<KernelProgram> scheduled = lower_kernels(graph, target, options);
  ASSERT_TRUE(scheduled.is_ok()) << scheduled.error().to_string();
  for (const LoweredKernel& k : scheduled->kernels) EXPECT_FALSE(k.autoschedule_pending);
  std::filesystem::remove_all(dir);
}

// A padded 3x3 conv of `channels` inputs to 16 outputs, then relu and a 2x2 max pool, over a
// `width` x `width` image: a few stages for the beam search to decide on.
Halide::Pipeline small_conv_pool(int channels, int width) {
  Halide::ImageParam in(Halide::Float(32), 3, "in"), w(Halide::Float(32), 3, "w");
  Halide::Var x("x"), y("y"), c("c");
  Halide::Func padded = Halide::BoundaryConditions::constant_exterior(
      in, 0.0f, {{0, width}, {0, width}, {0, channels}});
  Halide::RDom r(0, 3, 0, 3, 0, channels);
  Halide::Func conv("conv"), relu("relu"), pool("pool");
  conv(x, y, c) = 0.0f;
  conv(x, y, c) += padded(x + r.x - 1, y + r.y - 1, r.z) * w(r.x + 3 * r.y, r.z, c);
  relu(x, y, c) = Halide::max(conv(x, y, c), 0.0f);
  Halide::RDom p(0, 2, 0, 2);
  pool(x, y, c) = Halide::maximum(relu(2 * x + p.x, 2 * y + p.y, c));
  in.set_estimates({{0, width}, {0, width}, {0, channels}});
  w.set_estimates({{0, 9}, {0, channels}, {0, 16}});
  pool.set_estimates({{0, width / 2}, {0, width / 2}, {0, 16}});
  return Halide::Pipeline(pool);
}

// `source` without the numbers Halide appends to unique names (pool_1, r2608_x).
std::string without_unique_numbers(const std::string& source) {
  std::string out;
  for (size_t i = 0; i < source.size();) {
    const auto at = [&](size_t k) { return static_cast<unsigned char>(source[k]); };
    if (std::isdigit(at(i)) && i > 0 && (std::isalpha(at(i - 1)) || source[i - 1] == '_')) {
      while (i < source.size() && std::isdigit(at(i))) ++i;
      if (!out.empty() && out.back() == '_') out.pop_back();
      continue;
    }
    out += source[i++];
  }
  return out;
}

// `source` without unique numbers, its `Var`/`RVar` declarations sorted. Halide declares the
// variables in the order of their unique names (r2608_x before r2700_x), which depends on how many
// names other threads took first; the declarations are the same set and the directives after
// them keep their order.
std::string canonical_schedule(const std::string& source) {
  std::vector<std::string> declarations;
  std::string directives, line;
  std::istringstream lines(without_unique_numbers(source));
  while (std::getline(lines, line)) {
    if (line.rfind("Var ", 0) == 0 || line.rfind("RVar ", 0) == 0)
      declarations.push_back(line);
    else
      directives += line + "\n";
  }
  std::sort(declarations.begin(), declarations.end());
  std::string out;
  for (const std::string& d : declarations) out += d + "\n";
  return out + directives;
}

TEST(HalideAutoscheduler, Adams2019IsDeterministicOnSeveralThreads) {
  // A narrower beam (Adams2019 reads $HL_BEAM_SIZE on every run) keeps the test short; the
  // plugin runs the same code either way: featurization, cost model, search.
  struct BeamSize {
    BeamSize() { ::setenv("HL_BEAM_SIZE", "4", 1); }
    ~BeamSize() { ::unsetenv("HL_BEAM_SIZE"); }
  } narrow_beam;
  const Halide::Target target = kiln::host_target();
  const std::vector<std::pair<int, int>> shapes = {{4, 8}, {3, 12}, {2, 16}, {5, 10}};
  std::vector<std::string> alone(shapes.size()), together(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    Halide::Pipeline p = small_conv_pool(shapes[i].first, shapes[i].second);
    Status s = run_halide_autoscheduler(p, "adams2019", target, "conv", &alone[i]);
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    ASSERT_FALSE(alone[i].empty());
  }
  std::vector<Status> results(shapes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < shapes.size(); ++i)
    threads.emplace_back([&, i] {
      Halide::Pipeline p = small_conv_pool(shapes[i].first, shapes[i].second);
      results[i] = run_halide_autoscheduler(p, "adams2019", target, "conv", &together[i]);
    });
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < shapes.size(); ++i) {
    ASSERT_TRUE(results[i].is_ok()) << results[i].error().message;
    EXPECT_EQ(canonical_schedule(together[i]), canonical_schedule(alone[i])) << "shape " << i;
  }
}

}  // namespace
}  // namespace kiln::halide_test
