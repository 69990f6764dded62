// HalideConvChannelsTest.cpp: the channel-vectorised convolution (ConvChannels, pre-packed
// weights, NHWC storage from choose-layout) against the reference: dense and depthwise convs with
// partial channel blocks, strides, dilations and pads, depthwise convs of several channel blocks
// over several images, conv+pool and residual groups, transposed convolutions, each with and
// without fusion.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "backends/halide/HalideSchedule.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/WeightPacking.h"
#include "passes/PassManager.h"
#include "tests/halide/HalideTestUtil.h"

namespace kiln::halide_test {
namespace {

using Ints = std::vector<int64_t>;

// Builds the graph twice (without and with fusion), checks both against the reference, and
// expects the conv_channels template among the schedules the lowering reports.
void check_channels_graph(const std::function<void(GraphBuilder&)>& build, const Shape& input,
                          const std::string& name) {
  for (bool fuse : {false, true}) {
    SCOPED_TRACE(name + (fuse ? " fused" : " unfused"));
    Graph graph;
    GraphBuilder b(graph);
    build(b);
    ASSERT_TRUE(run_passes(graph, default_passes(fuse)).is_ok());
    Result<KernelProgram> lowered = lower_kernels(graph, kiln::host_target());
    ASSERT_TRUE(lowered.is_ok()) << lowered.error().to_string();
    const std::string schedules = schedule_summary(*lowered);
    if (kiln::host_target().natural_vector_size(Halide::Float(32)) <= 16)
      EXPECT_NE(schedules.find("conv_channels"), std::string::npos) << schedules;
    std::vector<int64_t> dims;
    for (const Dim& d : input) dims.push_back(d.value);
    expect_matches_reference(graph, {{random_tensor(dims, 5)}});
  }
}

TEST(WeightPacking, BlocksTheTransposedLastDimWithZeroPadding) {
  // [Cout=3, Cin=2, 1, 1] with perm {2, 3, 1, 0} -> [1, 1, Cin, Cout] -> blocks of 2 channels:
  // [2 blocks, 1, 1, 2 (Cin), 2], the last block's second channel zero.
  Tensor w = make_float_tensor({3, 2, 1, 1}, {1, 2, 3, 4, 5, 6});
  Tensor packed = pack_blocked(w, {2, 3, 1, 0}, 2);
  EXPECT_EQ(packed.dims, (std::vector<int64_t>{2, 1, 1, 2, 2}));
  const float* p = packed.data.as<float>();
  // block 0: (ci 0: co 0, co 1), (ci 1: co 0, co 1); block 1: (ci 0: co 2, pad), (ci 1: co 2, pad)
  EXPECT_EQ(std::vector<float>(p, p + 8), (std::vector<float>{1, 3, 2, 4, 5, 0, 6, 0}));
}

TEST(HalideConvChannels, DenseConvsWithPartialBlocksMatchReference) {
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({2, 5, 15, 13}));
        // 24 channels: a block of 16 lanes x 2 is partly padding.
        Value* y = b.node("Conv", "conv_pad",
                          {x, b.constant("w1", random_tensor({24, 5, 3, 3}, 1)),
                           b.constant("b1", random_tensor({24}, 2))},
                          attrs({{"pads", Ints{1, 1, 1, 1}}}));
        y = b.node("Relu", "relu", {y});
        y = b.node("Conv", "conv_strided", {y, b.constant("w2", random_tensor({40, 24, 3, 3}, 3))},
                   attrs({{"strides", Ints{2, 2}}, {"pads", Ints{0, 1, 2, 1}}}));
        y = b.node("Conv", "conv_dilated", {y, b.constant("w3", random_tensor({32, 40, 3, 3}, 4))},
                   attrs({{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}));
        y = b.node("Conv", "conv_1x1",
                   {y, b.constant("w4", random_tensor({17, 32, 1, 1}, 6)),
                    b.constant("b4", random_tensor({17}, 7))});
        b.output(b.node("GlobalAveragePool", "gap", {b.node("Sigmoid", "sig", {y})}));
      },
      static_shape({2, 5, 15, 13}), "dense");
}

TEST(HalideConvChannels, DepthwiseConvsMatchReference) {
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({1, 24, 12, 11}));
        Value* y = b.node("Conv", "dw_pad",
                          {x, b.constant("w1", random_tensor({24, 1, 3, 3}, 11)),
                           b.constant("b1", random_tensor({24}, 12))},
                          attrs({{"group", int64_t{24}}, {"pads", Ints{1, 1, 1, 1}}}));
        y = b.node("Clip", "relu6", {y}, attrs({{"min", 0.0}, {"max", 6.0}}));
        y = b.node(
            "Conv", "dw_strided", {y, b.constant("w2", random_tensor({24, 1, 5, 5}, 13))},
            attrs({{"group", int64_t{24}}, {"strides", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}));
        y = b.node("Conv", "expand", {y, b.constant("w3", random_tensor({32, 24, 1, 1}, 14))});
        y = b.node("Conv", "dw_32", {y, b.constant("w4", random_tensor({32, 1, 3, 3}, 15))},
                   attrs({{"group", int64_t{32}}, {"pads", Ints{1, 1, 1, 1}}}));
        b.output(b.node("GlobalAveragePool", "gap", {y}));
      },
      static_shape({1, 24, 12, 11}), "depthwise");
}

TEST(HalideConvChannels, DepthwiseConvsWithSeveralBlocksAndImagesMatchReference) {
  // 96 channels are several channel blocks, looped innermost by a depthwise conv, over two
  // images and tasks of rows; padded borders are read through the boundary select.
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({2, 96, 14, 13}));
        Value* y = b.node(
            "Conv", "dw_s2", {x, b.constant("w1", random_tensor({96, 1, 3, 3}, 31))},
            attrs({{"group", int64_t{96}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
        y = b.node("Conv", "dw_s1",
                   {y, b.constant("w2", random_tensor({96, 1, 3, 3}, 32)),
                    b.constant("b2", random_tensor({96}, 33))},
                   attrs({{"group", int64_t{96}}, {"pads", Ints{1, 0, 1, 2}}}));
        y = b.node("Clip", "relu6", {y}, attrs({{"min", 0.0}, {"max", 6.0}}));
        b.output(
            b.node("Conv", "project", {y, b.constant("w3", random_tensor({8, 96, 1, 1}, 34))}));
      },
      static_shape({2, 96, 14, 13}), "depthwise blocks");
}

TEST(HalideConvChannels, DepthwiseConvsInTasksOfUnevenRowsMatchReference) {
  // 29 rows of 64 channels x 30 columns: on most machines more than one parallel task of rows,
  // spread evenly, so the last task is a row shorter (a guarded tail).
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({1, 64, 29, 30}));
        b.output(b.node("Conv", "dw",
                        {x, b.constant("w", random_tensor({64, 1, 3, 3}, 41)),
                         b.constant("b", random_tensor({64}, 42))},
                        attrs({{"group", int64_t{64}}, {"pads", Ints{1, 1, 1, 1}}})));
      },
      static_shape({1, 64, 29, 30}), "depthwise uneven tasks");
}

TEST(HalideConvChannels, SmallDenseConvsRunAnImagePerTaskAndMatchReference) {
  // Dense convs of under four least tasks per image run each image as one task (parallel over
  // the batch only); a larger one keeps its tasks of rows. Three images of a 58-channel 1x1 conv
  // (ShuffleNetV2's width: a partial last channel block) into a 3x3 conv.
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({3, 58, 14, 14}));
        Value* y = b.node("Conv", "pointwise",
                          {x, b.constant("w1", random_tensor({58, 58, 1, 1}, 61)),
                           b.constant("b1", random_tensor({58}, 62))});
        y = b.node("Relu", "relu", {y});
        b.output(b.node("Conv", "spatial", {y, b.constant("w2", random_tensor({64, 58, 3, 3}, 63))},
                        attrs({{"pads", Ints{1, 1, 1, 1}}})));
      },
      static_shape({3, 58, 14, 14}), "image per task");
}

TEST(HalideConvChannels, ImagesLoopOutsideBlocksWhenTheirInputCostsMoreToReRead) {
  // ResNet-50 at batch 8: a 56x56 1x1 conv 256 -> 64 reads 3.2 MB of input per image in 2
  // blocks of 32 channels and 64 KB of weights: images outermost. Layer4's 3x3 conv 512 -> 512
  // reads 100 KB per image in 16 blocks and 9.4 MB of weights: blocks outermost.
  NodeFuncs pointwise;
  pointwise.image_input_bytes = 256 * 56 * 56 * 4;
  pointwise.weight_bytes = 64 * 256 * 4;
  pointwise.channel_blocks = 2;
  EXPECT_TRUE(conv_images_outermost(pointwise));
  NodeFuncs late;
  late.image_input_bytes = 512 * 7 * 7 * 4;
  late.weight_bytes = 512 * 512 * 9 * 4;
  late.channel_blocks = 16;
  EXPECT_FALSE(conv_images_outermost(late));
  // Unknown sizes (a dynamic spatial dim) and channel-local convs keep blocks outermost.
  NodeFuncs unknown = pointwise;
  unknown.image_input_bytes = 0;
  EXPECT_FALSE(conv_images_outermost(unknown));
  NodeFuncs depthwise = pointwise;
  depthwise.channel_local = true;
  EXPECT_FALSE(conv_images_outermost(depthwise));
}

TEST(HalideConvChannels, DenseConvsOverSeveralImagesMatchReferenceInEitherLoopOrder) {
  // Three images, blocks of 32 channels (16 lanes x 2), each conv large enough to run in tasks of
  // rows and reading the input directly (chained, their sums would cancel below float's
  // tolerance). A 1x1 conv 64 -> 96 at 32x32 re-reads 3 blocks x 256 KB of input per image
  // against 24 KB of weights (images outermost), a 3x3 stride-2 conv 64 -> 64 2 x 256 KB against
  // 144 KB (images outermost), a 3x3 stride-2 conv 64 -> 128 of the input pooled to 16x16
  // 4 x 64 KB against 288 KB (blocks outermost). Weights of +-0.05 keep the sums of 576
  // products near 1, as trained weights scaled by their fan-in do.
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({3, 64, 32, 32}));
        Value* y = b.node("Conv", "pointwise",
                          {x, b.constant("w1", random_tensor({96, 64, 1, 1}, 71, -0.1f, 0.1f)),
                           b.constant("b1", random_tensor({96}, 72))});
        b.output(b.node("Relu", "relu", {y}));
        b.output(b.node("Conv", "strided",
                        {x, b.constant("w2", random_tensor({64, 64, 3, 3}, 73, -0.05f, 0.05f))},
                        attrs({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})));
        Value* pooled = b.node("MaxPool", "pool", {x},
                               attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
        b.output(
            b.node("Conv", "late",
                   {pooled, b.constant("w3", random_tensor({128, 64, 3, 3}, 74, -0.05f, 0.05f))},
                   attrs({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})));
      },
      static_shape({3, 64, 32, 32}), "images and blocks");
}

TEST(HalideConvChannels, StoredConcatsMatchReference) {
  // Stored Concats are copies of each part into its slice (update stages): along the channels of
  // channels-last intermediates (a DenseNet block: the input, then each conv's output), with a
  // part of 8 channels (half a 16-lane vector) and parts reused, and along the width.
  const auto build = [](GraphBuilder& b) {
    Value* x = b.input("x", static_shape({2, 8, 10, 9}));
    Value* a = b.node("Conv", "conv_a",
                      {x, b.constant("wa", random_tensor({16, 8, 3, 3}, 51)),
                       b.constant("ba", random_tensor({16}, 52))},
                      attrs({{"pads", Ints{1, 1, 1, 1}}}));
    a = b.node("Relu", "relu_a", {a});
    Value* cat1 = b.node("Concat", "cat1", {x, a}, attrs({{"axis", int64_t{1}}}));
    Value* c =
        b.node("Conv", "conv_c", {cat1, b.constant("wc", random_tensor({24, 24, 1, 1}, 53))});
    Value* cat2 = b.node("Concat", "cat2", {x, a, c, a}, attrs({{"axis", int64_t{1}}}));
    Value* d =
        b.node("Conv", "conv_d", {cat2, b.constant("wd", random_tensor({16, 64, 1, 1}, 54))});
    Value* wide = b.node("Concat", "cat_w", {d, a}, attrs({{"axis", int64_t{3}}}));
    b.output(b.node("Conv", "conv_e", {wide, b.constant("we", random_tensor({8, 16, 3, 3}, 55))},
                    attrs({{"pads", Ints{1, 1, 1, 1}}})));
  };
  check_channels_graph(build, static_shape({2, 8, 10, 9}), "concats");
  // The channel Concats are stored channels-last (the case DenseNet runs).
  Graph graph;
  GraphBuilder b(graph);
  build(b);
  ASSERT_TRUE(run_passes(graph, default_passes(true)).is_ok());
  for (const char* name : {"cat1_node", "cat2_node"})
    EXPECT_EQ(graph.find_node(name)->attrs.get_string("layout", ""), "NHWC") << name;
}

// The register tile {vector width, channel vectors, columns} that the single Conv of an input of
// `in_shape` with a weight of `weight_shape` and `conv_attrs` gets by default on `target`.
std::vector<int> default_conv_tile(const Halide::Target& target, const Ints& in_shape,
                                   const Ints& weight_shape, Attributes conv_attrs) {
  Graph graph;
  GraphBuilder b(graph);
  Value* x = b.input("x", static_shape(in_shape));
  b.output(b.node("Conv", "conv", {x, b.constant("w", random_tensor(weight_shape, 43))},
                  std::move(conv_attrs)));
  const Status passes = run_passes(graph, default_passes(false));
  EXPECT_TRUE(passes.is_ok()) << passes.error().to_string();
  const Node* conv = graph.find_node("conv_node");
  if (!conv) {
    ADD_FAILURE() << "no node conv_node";
    return {};
  }
  const NodeSchedule s = choose_schedule(graph, *conv, target, ScheduleOptions{});
  EXPECT_EQ(s.kind, ScheduleTemplate::ConvChannels);
  return {s.vector_width, s.tile_channels, s.tile_x};
}

// The tile of a 32-channel depthwise 3x3 conv of `width` output columns and `stride`.
std::vector<int> depthwise_tile(const Halide::Target& target, int64_t width, int64_t stride) {
  const int64_t in_width = width * stride;
  return default_conv_tile(
      target, {1, 32, in_width, in_width}, {32, 1, 3, 3},
      attrs(
          {{"group", int64_t{32}}, {"strides", Ints{stride, stride}}, {"pads", Ints{1, 1, 1, 1}}}));
}

TEST(HalideConvChannels, DepthwiseTilesFollowTheMachine) {
  // One vector of channels; columns: the fewest that keep latency x pipes accumulators in
  // flight without wasting columns, within the registers (accumulators + one kernel row of
  // inputs). Sapphire Rapids class (28 accumulator registers, 4 x 2 = 8 in flight):
  const Halide::Target spr("x86-64-linux-avx512-avx512_sapphirerapids");
  EXPECT_EQ(depthwise_tile(spr, 112, 1), (std::vector<int>{16, 1, 8}));
  EXPECT_EQ(depthwise_tile(spr, 56, 2), (std::vector<int>{16, 1, 8}));
  EXPECT_EQ(depthwise_tile(spr, 14, 1), (std::vector<int>{16, 1, 7}));  // 7 of 8 beats 14 of 16
  EXPECT_EQ(depthwise_tile(spr, 7, 1), (std::vector<int>{16, 1, 7}));
  // AVX2 (12 accumulator registers): 5 accumulators + 7 inputs fill them; 5 columns waste 4 of
  // 60 but keep 5 of 8 in flight, against 4 of 8 for the exact 4.
  const Halide::Target avx2("x86-64-linux-avx2");
  EXPECT_EQ(depthwise_tile(avx2, 56, 1), (std::vector<int>{8, 1, 5}));
  // Stride 2 reads 2 x tx + 1 input columns per kernel row: 3 x 4 + 1 = 13 > 12, so 3.
  EXPECT_EQ(depthwise_tile(avx2, 56, 2), (std::vector<int>{8, 1, 3}));
}

// The tile of a dense `kernel` x `kernel` conv of `in_channels` -> `out_channels` on `width`
// columns (padded to keep the width).
std::vector<int> dense_tile(const Halide::Target& target, int64_t in_channels, int64_t out_channels,
                            int64_t kernel, int64_t width = 27) {
  const int64_t pad = kernel / 2;
  return default_conv_tile(target, {1, in_channels, width, width},
                           {out_channels, in_channels, kernel, kernel},
                           attrs({{"pads", Ints{pad, pad, pad, pad}}}));
}

TEST(HalideConvChannels, SingleVectorTilesKeepTheirInputWindowInL1) {
  // Skylake-SP class: 32 KiB L1d, two FMA pipes, 28 accumulator registers. A one-vector tile of a
  // 3x3 conv of 16 input channels reads a 5.6 KiB window as 16 x 27: whole rows. With 96 input
  // channels and a 5x5 kernel, 16 x 27 would read 58 KiB; with two pipes a one-vector tile may
  // fill 1.25 x 32 / 2 = 20 KiB, and 16 x 14 (35 KiB) keeps the most of its rate. AlexNet's conv
  // of 96 -> 256 channels takes two vectors by 9 (25 KiB; that rule is for one-vector tiles).
  const Halide::Target skylake("x86-64-linux-avx512");
  EXPECT_EQ(dense_tile(skylake, 16, 16, 3), (std::vector<int>{16, 1, 27}));
  EXPECT_EQ(dense_tile(skylake, 96, 16, 5), (std::vector<int>{16, 1, 14}));
  EXPECT_EQ(dense_tile(skylake, 96, 256, 5), (std::vector<int>{16, 2, 9}));
}

TEST(HalideConvChannels, TilesKeepTheirLoadsWithinTheLoadPorts) {
  // Each reduction step loads tc weight vectors and tx broadcasts for tc x tx FMAs. With two FMA
  // pipes (Skylake-SP class) a one-vector tile needs about two loads per cycle, more than the
  // 1.5 the core sustains, so a 3x3 conv of 16 -> 64 channels on 27 columns takes 32 x 9 rather
  // than 16 x 27. Depthwise convs keep their own tiles (one vector, taps unrolled).
  const Halide::Target skylake("x86-64-linux-avx512");
  EXPECT_EQ(dense_tile(skylake, 16, 64, 3), (std::vector<int>{16, 2, 9}));
}

TEST(HalideConvChannels, PointwiseTilesKeepTheirInputWindowInL1) {
  // A 1x1 conv reads each input of its window once per tile: ResNet-50's 1024 -> 256 channel
  // convs on 14 columns take 64 x 7 tiles (28 KiB window) rather than 32 x 14 (56 KiB); 512
  // input channels fit with 32 x 14 (28 KiB).
  const Halide::Target skylake("x86-64-linux-avx512");
  EXPECT_EQ(dense_tile(skylake, 1024, 256, 1, 14), (std::vector<int>{16, 4, 7}));
  EXPECT_EQ(dense_tile(skylake, 512, 256, 1, 14), (std::vector<int>{16, 2, 14}));
}

TEST(HalideConvChannels, ConvPoolAndResidualGroupsMatchReference) {
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({2, 3, 23, 21}));
        Value* y = b.node("Conv", "stem",
                          {x, b.constant("w1", random_tensor({40, 3, 7, 7}, 21)),
                           b.constant("b1", random_tensor({40}, 22))},
                          attrs({{"strides", Ints{2, 2}}, {"pads", Ints{3, 3, 3, 3}}}));
        y = b.node("Relu", "stem_relu", {y});
        y = b.node("MaxPool", "pool", {y},
                   attrs({{"kernel_shape", Ints{3, 3}},
                          {"strides", Ints{2, 2}},
                          {"pads", Ints{1, 1, 1, 1}}}));
        Value* z = b.node("Conv", "block",
                          {y, b.constant("w2", random_tensor({40, 40, 3, 3}, 23)),
                           b.constant("b2", random_tensor({40}, 24))},
                          attrs({{"pads", Ints{1, 1, 1, 1}}}));
        z = b.node("Relu", "block_relu", {b.node("Add", "residual", {z, y})});
        Value* p = b.node("AveragePool", "avg", {z},
                          attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
        b.output(b.node("Flatten", "flat", {p}));
      },
      static_shape({2, 3, 23, 21}), "conv_pool and residual");
}

TEST(HalideConvChannels, ConvTransposesMatchReference) {
  // The phase-split gather form: strides 2 and 3 (kernels not a multiple of the stride: phases
  // with fewer taps read zero-padded weights), pads, output_padding, output_shape, stride 1
  // with dilation, 24 and 20 channels (partial blocks), a residual and a Relu epilogue. Each
  // reads the input directly: chained, their sums cancel to values below float's tolerance.
  check_channels_graph(
      [](GraphBuilder& b) {
        Value* x = b.input("x", static_shape({2, 16, 7, 6}));
        Value* y = b.node("ConvTranspose", "up2",
                          {x, b.constant("w1", random_tensor({16, 24, 3, 3}, 41)),
                           b.constant("b1", random_tensor({24}, 42))},
                          attrs({{"strides", Ints{2, 2}},
                                 {"pads", Ints{1, 1, 1, 1}},
                                 {"output_padding", Ints{1, 1}}}));
        b.output(b.node("Relu", "relu", {y}));
        b.output(b.node("ConvTranspose", "up3",
                        {x, b.constant("w2", random_tensor({16, 20, 5, 4}, 43))},
                        attrs({{"strides", Ints{3, 2}}, {"output_shape", Ints{24, 15}}})));
        Value* z = b.node("ConvTranspose", "dilated",
                          {x, b.constant("w3", random_tensor({16, 16, 3, 3}, 44)),
                           b.constant("b3", random_tensor({16}, 45))},
                          attrs({{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}));
        b.output(b.node("Relu", "block_relu", {b.node("Add", "residual", {z, x})}));
      },
      static_shape({2, 16, 7, 6}), "conv transpose");
}

}  // namespace
}  // namespace kiln::halide_test
