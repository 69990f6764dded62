// CandidateSpaceTest.cpp: schedule spaces as candidates: texts round-trip through find, and
// pin_parallel_knobs keeps the default's parallelism (for tuning on one thread).
#include <gtest/gtest.h>

#include "tuner/CandidateSpace.h"

namespace kiln::tuner {
namespace {

TemplateSpace conv_space() {
  return {"conv_channels",
          {{"vw", {8, 16}}, {"tc", {1, 2}}, {"tx", {4, 8}}, {"par", {0, 1}}, {"ue", {0, 1}}}};
}

TEST(CandidateSpace, TextsRoundTripThroughFind) {
  CandidateSpace space({conv_space()}, "conv_channels(vw=16,tc=2,tx=8,par=1,ue=0)");
  for (const Candidate& c : space.enumerate(100)) {
    auto text = space.text(c);
    ASSERT_TRUE(text);
    auto back = space.find(*text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->knobs, c.knobs);
  }
  EXPECT_EQ(space.size(), 32);
}

TEST(CandidateSpace, PinParallelKnobsKeepsTheDefaultsChoice) {
  TemplateSpace root{"root", {{"vw", {8, 16}}, {"par", {0, 1}}, {"shift", {0, 1}}}};
  auto pinned = pin_parallel_knobs({conv_space(), root, {"adams2019", {}}},
                                   "conv_channels(vw=16,tc=2,tx=8,par=0,ue=0)");
  ASSERT_EQ(pinned.size(), 3u);
  EXPECT_EQ(pinned[0].knobs[3].name, "par");
  EXPECT_EQ(pinned[0].knobs[3].values, std::vector<int>{0});
  EXPECT_EQ(pinned[1].knobs[1].values, std::vector<int>{0});        // another template: the same
  EXPECT_EQ(pinned[0].knobs[0].values, (std::vector<int>{8, 16}));  // other knobs untouched
  EXPECT_TRUE(pinned[2].knobs.empty());
}

TEST(CandidateSpace, PinParallelKnobsInAGroupFollowsEachPart) {
  TemplateSpace group{"conv_pool/conv_channels",
                      {{"anchor.vw", {8, 16}},
                       {"anchor.tc", {2}},
                       {"anchor.tx", {4}},
                       {"anchor.par", {0, 1}},
                       {"anchor.ue", {0}},
                       {"stage.vw", {8}},
                       {"stage.par", {0, 1}},
                       {"stage.shift", {1}},
                       {"rows", {1, 2}}}};
  auto pinned = pin_parallel_knobs(
      {group},
      "conv_pool{anchor=conv_channels(vw=16,tc=2,tx=4,par=1,ue=0),stage=root(vw=8,par=0,"
      "shift=1),rows=1}");
  EXPECT_EQ(pinned[0].knobs[3].values, std::vector<int>{1});
  EXPECT_EQ(pinned[0].knobs[6].values, std::vector<int>{0});
  EXPECT_EQ(pinned[0].knobs[8].values, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace kiln::tuner
