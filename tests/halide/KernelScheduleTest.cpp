// KernelScheduleTest.cpp: schedule records print and parse back for every template and group
// pattern; malformed records and illegal knobs are errors that name the knob.
#include <gtest/gtest.h>

#include "backends/halide/KernelSchedule.h"

namespace kiln {
namespace {

NodeSchedule node(ScheduleTemplate kind) {
  NodeSchedule s;
  s.kind = kind;
  s.vector_width = 16;
  s.tile_channels = 2;
  s.tile_vectors = 2;
  s.tile_x = 7;
  s.parallel = true;
  s.shift_tails = true;
  s.unroll_epilogue = true;
  s.reduction_chunk = 8;
  return s;
}

void expect_round_trip(const KernelSchedule& schedule) {
  const std::string text = schedule.to_string();
  Result<KernelSchedule> parsed = parse_kernel_schedule(text);
  ASSERT_TRUE(parsed.is_ok()) << text << ": " << parsed.error().message;
  EXPECT_EQ(parsed->to_string(), text);
  EXPECT_EQ(parsed->template_name(), schedule.template_name());
  EXPECT_EQ(schedule_knob_values(*parsed), schedule_knob_values(schedule)) << text;
}

TEST(KernelSchedule, EveryNodeTemplateRoundTrips) {
  for (ScheduleTemplate t :
       {ScheduleTemplate::Inline, ScheduleTemplate::Root, ScheduleTemplate::ConvTiled,
        ScheduleTemplate::ConvChannels, ScheduleTemplate::GemmTiled, ScheduleTemplate::GemmPacked,
        ScheduleTemplate::GpuTile}) {
    KernelSchedule s;
    s.node = node(t);
    SCOPED_TRACE(schedule_template_name(t));
    expect_round_trip(s);
  }
}

TEST(KernelSchedule, PrintsOnlyTheTemplatesKnobs) {
  KernelSchedule s;
  s.node = node(ScheduleTemplate::ConvChannels);
  EXPECT_EQ(s.to_string(), "conv_channels(vw=16,tc=2,tx=7,par=1,ue=1)");
  s.node = node(ScheduleTemplate::Root);
  EXPECT_EQ(s.to_string(), "root(vw=16,par=1,shift=1)");
  s.node = node(ScheduleTemplate::GpuTile);
  EXPECT_EQ(s.to_string(), "gpu_tile(bx=16,by=8,tc=2,rc=8)");
}

TEST(KernelSchedule, EveryGroupPatternRoundTrips) {
  for (FusionPattern p :
       {FusionPattern::ConvEpilogue, FusionPattern::ConvPool, FusionPattern::GemmEpilogue,
        FusionPattern::Head, FusionPattern::Elementwise}) {
    for (ScheduleTemplate anchor :
         {ScheduleTemplate::ConvChannels, ScheduleTemplate::ConvTiled, ScheduleTemplate::GemmPacked,
          ScheduleTemplate::GemmTiled, ScheduleTemplate::GpuTile}) {
      KernelSchedule s;
      s.is_group = true;
      s.group.kind = p;
      s.group.anchor = node(anchor);
      s.group.stage = node(ScheduleTemplate::Root);
      s.group.pool_rows = 8;
      SCOPED_TRACE(s.to_string());
      expect_round_trip(s);
    }
  }
  KernelSchedule pool;
  pool.is_group = true;
  pool.group.kind = FusionPattern::ConvPool;
  pool.group.anchor = node(ScheduleTemplate::ConvChannels);
  pool.group.stage = node(ScheduleTemplate::Root);
  pool.group.pool_rows = 8;
  EXPECT_EQ(pool.to_string(),
            "conv_pool{anchor=conv_channels(vw=16,tc=2,tx=7,par=1,ue=1),stage=root(vw=16,par=1,"
            "shift=1),rows=8}");
  EXPECT_EQ(pool.template_name(), "conv_pool/conv_channels");
}

void expect_error(const std::string& text, const std::string& fragment) {
  Result<KernelSchedule> parsed = parse_kernel_schedule(text);
  ASSERT_FALSE(parsed.is_ok()) << text;
  EXPECT_NE(parsed.error().message.find(fragment), std::string::npos) << parsed.error().message;
}

TEST(KernelSchedule, MalformedRecordsNameTheKnob) {
  expect_error("conv_channels(vw=16,tc=2,tx=7,par=1)", "knob 'ue' is missing");
  expect_error("conv_channels(vw=16,tc=2,tx=7,par=1,ue=1,zz=3)", "knob 'zz'");
  expect_error("root(vw=x,par=1,shift=1)", "knob 'vw'");
  expect_error("root(vw=8,par=2,shift=1)", "knob 'par'");
  expect_error("root(vw=8,vw=8,par=1,shift=1)", "knob 'vw' is given twice");
  expect_error("blocked(vw=8)", "unknown template 'blocked'");
  expect_error("conv_pool{anchor=conv_tiled(vw=8,tc=2,tv=1,par=1,shift=0)}", "knob 'stage'");
  expect_error("elementwise{stage=root(vw=8,par=1,shift=1),rows=2}", "knob 'rows'");
  expect_error("root(vw=8,par=1,shift=1) extra", "unexpected text");
}

TEST(KernelSchedule, LegalityNamesTheKnobAndItsLegalValues) {
  std::vector<TemplateSpace> space = {
      {"conv_channels",
       {{"vw", {4, 8, 16}}, {"tc", {1, 2}}, {"tx", {1, 2, 3}}, {"par", {0, 1}}, {"ue", {0, 1}}}},
      {"conv_tiled",
       {{"vw", {1, 2, 4, 8}}, {"tc", {1, 2}}, {"tv", {1}}, {"par", {0, 1}}, {"shift", {0}}}}};
  KernelSchedule s;
  s.node = node(ScheduleTemplate::ConvChannels);
  s.node.tile_x = 3;
  EXPECT_TRUE(check_schedule_legal(s, space).is_ok());
  s.node.tile_x = 7;
  Status bad = check_schedule_legal(s, space);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.error().message.find("knob 'tx' = 7"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("legal: 1,2,3"), std::string::npos) << bad.error().message;
  s.node = node(ScheduleTemplate::GemmTiled);
  Status wrong_template = check_schedule_legal(s, space);
  ASSERT_FALSE(wrong_template.is_ok());
  EXPECT_NE(wrong_template.error().message.find("knob 'template'"), std::string::npos);
}

TEST(KernelSchedule, AutoschedulerRecordsRoundTrip) {
  ASSERT_EQ(halide_autoscheduler_names(),
            (std::vector<std::string>{"mullapudi2016", "li2018", "adams2019"}));
  for (const std::string& name : halide_autoscheduler_names()) {
    KernelSchedule s = KernelSchedule::autoscheduled(name);
    SCOPED_TRACE(name);
    EXPECT_EQ(s.to_string(), "autoscheduler(" + name + ")");
    EXPECT_EQ(s.template_name(), name);
    EXPECT_TRUE(schedule_knob_values(s).empty());
    expect_round_trip(s);
    Result<KernelSchedule> parsed = parse_kernel_schedule(s.to_string());
    ASSERT_TRUE(parsed.is_ok());
    EXPECT_TRUE(parsed->is_autoscheduled());
    EXPECT_EQ(parsed->autoscheduler, name);
    // Legal wherever the space lists the autoscheduler, like any template without knobs.
    EXPECT_TRUE(check_schedule_legal(s, {{"root", {}}, {name, {}}}).is_ok());
    Status missing = check_schedule_legal(s, {{"root", {}}});
    ASSERT_FALSE(missing.is_ok());
    EXPECT_NE(missing.error().message.find("knob 'template': " + name), std::string::npos);
  }
  expect_error("autoscheduler(halide2099)", "knob 'autoscheduler': unknown Halide autoscheduler");
  expect_error("autoscheduler(li2018", "expected ')'");
  expect_error("autoscheduler", "expected '('");
  expect_error("autoscheduler(li2018)x", "unexpected text");
}

}  // namespace
}  // namespace kiln
