// HalideResamplingTest.cpp: the JIT against the reference for Elu and Resize: every mode and
// coordinate mode, integral factors (no tables), long antialiased filters (separable stages),
// a symbolic batch, and 4-D values stored channels-innermost inside a model.
#include "backends/halide/HalideLowering.h"
#include "backends/halide/HostTarget.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Doubles = std::vector<double>;
using Ints = std::vector<int64_t>;

Attributes resize_attrs(const std::string& mode, const std::string& coordinates, Doubles scales) {
  return attrs({{"mode", mode},
                {"coordinate_transformation_mode", coordinates},
                {"scales", std::move(scales)}});
}

TEST(HalideResampling, EluAndKerasUpsamplingMatchReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x =
      b.input("x", Shape{Dim::symbolic("batch"), Dim::known(3), Dim::known(4), Dim::known(5)});
  b.output(b.node("Elu", "elu", {x}, attrs({{"alpha", 0.7}})));
  Attributes nearest = resize_attrs("nearest", "asymmetric", {1, 1, 2, 3});
  nearest.set("nearest_mode", std::string("floor"));
  b.output(b.node("Resize", "up", {x}, nearest));
  b.output(b.node("Resize", "bilinear", {x}, resize_attrs("linear", "half_pixel", {1, 1, 2, 2})));
  expect_matches_reference(graph, {{random_tensor({1, 3, 4, 5}, 1, -3.0f, 3.0f)},
                                   {random_tensor({3, 3, 4, 5}, 2, -3.0f, 3.0f)}});
}

TEST(HalideResampling, EveryModeAndCoordinateModeMatchesReference) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({2, 3, 7, 9}));
  int index = 0;
  for (const char* mode : {"nearest", "linear", "cubic"})
    for (const char* coordinates : {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                                    "align_corners", "asymmetric", "tf_half_pixel_for_nn"})
      for (const Doubles& scales : {Doubles{1, 1, 1.7, 0.6}, Doubles{1, 1, 0.5, 2.5}})
        b.output(b.node("Resize", "resize" + std::to_string(index++), {x},
                        resize_attrs(mode, coordinates, scales)));
  for (const char* nearest : {"round_prefer_ceil", "floor", "ceil"}) {
    Attributes a = resize_attrs("nearest", "half_pixel", {1, 1, 1.5, 0.75});
    a.set("nearest_mode", std::string(nearest));
    b.output(b.node("Resize", std::string("nearest_") + nearest, {x}, a));
  }
  Attributes crop = resize_attrs("cubic", "tf_crop_and_resize", {});
  crop.erase("scales");
  crop.set("sizes", Ints{4, 5});
  crop.set("axes", Ints{3, 2});
  crop.set("roi", Doubles{-0.2, 0.1, 0.9, 1.3});
  crop.set("extrapolation_value", 7.5);
  crop.set("exclude_outside", int64_t{1});
  b.output(b.node("Resize", "crop", {x}, crop));
  expect_matches_reference(graph, {{random_tensor({2, 3, 7, 9}, 3)}});
}

TEST(HalideResampling, LongFiltersResizeOneDimAtATime) {
  // Antialiased cubic downsampling by 4 has 16 taps per dim: 256 per element inline, so the
  // lowering stores one stage per dim; trilinear 3-D needs 8 and stays one expression.
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 2, 16, 12}));
  Attributes antialias = resize_attrs("cubic", "half_pixel", {1, 1, 0.25, 0.25});
  antialias.set("antialias", int64_t{1});
  b.output(b.node("Resize", "antialias", {x}, antialias));
  Attributes linear = resize_attrs("linear", "align_corners", {1, 1, 0.3, 0.5});
  linear.set("antialias", int64_t{1});
  b.output(b.node("Resize", "antialias_linear", {x}, linear));
  Value* volume = b.input("volume", static_shape({1, 2, 3, 4, 5}));
  b.output(b.node("Resize", "trilinear", {volume},
                  resize_attrs("linear", "half_pixel", {1, 1, 2, 1.5, 0.8})));
  expect_matches_reference(graph,
                           {{random_tensor({1, 2, 16, 12}, 4), random_tensor({1, 2, 3, 4, 5}, 5)}});
}

TEST(HalideResampling, ChannelsLastValuesInsideAModelMatchReference) {
  // Between two convolutions the resized value is stored channels-innermost (choose-layout).
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 3, 6, 5}));
  Value* w1 = b.constant("w1", random_tensor({8, 3, 3, 3}, 6));
  Value* w2 = b.constant("w2", random_tensor({4, 8, 1, 1}, 7));
  Value* c1 = b.node("Conv", "c1", {x, w1}, attrs({{"pads", Ints{1, 1, 1, 1}}}));
  Value* up = b.node("Resize", "up", {c1}, resize_attrs("linear", "half_pixel", {1, 1, 2, 2}));
  Attributes nearest = resize_attrs("nearest", "asymmetric", {1, 1, 0.5, 0.5});
  Value* down = b.node("Resize", "down", {up}, nearest);
  b.output(b.node("Conv", "c2", {down, w2}));
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  EXPECT_EQ(graph.find_node("up_node")->attrs.get_string("layout", ""), "NHWC");
  expect_matches_reference(graph, {{random_tensor({1, 3, 6, 5}, 8)}});
}

TEST(HalideResampling, IntegralNearestFactorsNeedNoTables) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape({1, 2, 4, 6}));
  b.output(b.node("Resize", "up", {x}, resize_attrs("nearest", "half_pixel", {1, 1, 2, 3})));
  b.output(b.node("Resize", "down", {x}, resize_attrs("nearest", "asymmetric", {1, 1, 0.5, 0.5})));
  expect_matches_reference(graph, {{random_tensor({1, 2, 4, 6}, 9)}});
  Result<KernelProgram> lowered = lower_kernels(graph, kiln::host_target());
  ASSERT_TRUE(lowered.is_ok()) << lowered.error().to_string();
  EXPECT_TRUE(lowered->weights.empty()) << "a nearest resize by integral factors read a table";
}

}  // namespace
}  // namespace kiln::halide_test
