// KerasFuzzReproducersTest.cpp: inputs the Keras fuzz targets (fuzz/keras_*_fuzzer.cpp) found
// crashing Kiln, each fed back byte for byte; each must now give an error, not undefined
// behaviour (the fuzz build's UBSan and ASan would stop on it).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "frontend/keras/KerasImporter.h"
#include "frontend/keras/KerasModelConfig.h"
#include "ir/ModelLimits.h"

namespace kiln {
namespace {

Result<Graph> import_bytes(const std::string& name, const std::string& bytes) {
  std::string path = testing::TempDir() + "/fuzz_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return import_keras_file(path);
}

// keras-json crash-e51299759ed424f7f31a25cd891f8d848679f156: Reshape's element count
// 2^40 * 2^40 overflowed int64 in DimProduct::multiply (signed overflow).
TEST(KerasFuzzReproducersTest, ReshapeTargetWhoseElementCountOverflows) {
  const std::string bytes =
      R"({"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": )"
      R"("InputLayer", "config": {"batch_input_shape": [null, 16], "name": "input", "dtype": )"
      R"("float32"}}, {"class_name": "Reshape", "config": {"target_shape": [1099511627776, )"
      R"(1099511627776], "name": "reshape", "dtype": "float32"}}]}})";
  Result<Graph> graph = import_bytes("reshape_overflow.json", bytes);
  ASSERT_TRUE(graph) << graph.error().message;
  Status limits = check_model_limits(*graph);  // what `kiln` checks next, naming the size
  ASSERT_FALSE(limits);
  EXPECT_NE(limits.error().message.find("more than 2^63 bytes"), std::string::npos)
      << limits.error().message;
}

// keras-json crash-18883da640bb607127b8b6db11022b9606a23f8d: a shape nested 100,000 arrays
// deep (the catalog's keras_deeply_nested_config) overflowed the stack under ASan in
// nlohmann::json's recursive copies; 3,000,000 levels (6 MB) did so in a Release build too.
TEST(KerasFuzzReproducersTest, ShapeNestedTooDeep) {
  for (size_t depth : {size_t{100000}, size_t{3000000}}) {
    const std::string bytes =
        R"({"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": )"
        R"("InputLayer", "config": {"batch_input_shape": [null, )" +
        std::string(depth, '[') + std::string(depth, ']') +
        R"(], "name": "input", "dtype": "float32"}}, {"class_name": "ReLU", "config": {"name": )"
        R"("relu", "dtype": "float32"}}]}})";
    Result<Graph> graph = import_bytes("deep.json", bytes);
    ASSERT_FALSE(graph);
    EXPECT_NE(graph.error().message.find("deeper than 1000 levels"), std::string::npos)
        << graph.error().message;
  }
}

// keras-archive oom-935e914912910adf68c32d5d6a17179083ee23a7 (50 KB, kept as it was found): a
// weights dataset claiming 1,783,628,640 bytes while storing 864, which Kiln allocated (1.8 GB
// peak) before HDF5 failed to fill it.
TEST(KerasFuzzReproducersTest, DatasetClaimingFarMoreThanItStores) {
  Result<Graph> graph = import_keras_file(std::string(KILN_SOURCE_DIR) +
                                          "/tests/keras/fuzz_reproducers/"
                                          "keras-archive-oom-935e9149.keras");
  ASSERT_FALSE(graph);
  EXPECT_NE(graph.error().message.find("claims 1783628640 bytes but stores only 864"),
            std::string::npos)
      << graph.error().message;
}

// keras-h5 crash-c6a0d13244d5446aa586c85036e5e64448a1a976 (kept as found): a legacy .h5 on
// which libhdf5 1.10.8 itself segfaults. The reader runs in a child process, so the import
// returns one error naming the file and the signal, and this process goes on.
TEST(KerasFuzzReproducersTest, FileThatCrashesLibhdf5) {
  const std::string path = std::string(KILN_SOURCE_DIR) +
                           "/tests/keras/fuzz_reproducers/keras-h5-libhdf5-segv-c6a0d132.h5";
  Result<Graph> graph = import_keras_file(path);
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().file, path);
  EXPECT_NE(graph.error().message.find("libhdf5 crashed reading this file (signal 11"),
            std::string::npos)
      << graph.error().message;
}

// keras-h5 timeout-04a65f1620139dcae4a62f060f59dc57e79d91bb (kept as found): a legacy .h5 on
// which libhdf5 1.10.8 loops forever. The reader process is killed after its 5 s per answer.
TEST(KerasFuzzReproducersTest, FileThatHangsLibhdf5) {
  const std::string path = std::string(KILN_SOURCE_DIR) +
                           "/tests/keras/fuzz_reproducers/keras-h5-libhdf5-hang-04a65f16.h5";
  const auto started = std::chrono::steady_clock::now();
  Result<Graph> graph = import_keras_file(path);
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().file, path);
  EXPECT_NE(graph.error().message.find("libhdf5 did not finish reading this file within 5 s"),
            std::string::npos)
      << graph.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// keras-json crash-3a7a0b7b3154afc84db009be600be4c73c47d9ff: a Sequential model whose "config"
// key is misspelt; json::value() on the missing (null) config threw type_error out of the
// importer. A non-string name or tensor class_name threw the same way.
TEST(KerasFuzzReproducersTest, ConfigOfTheWrongType) {
  const std::string reproducer =
      R"({"class_name": "Sequential", "con-Infinityfig": {"name": "sequential", "layers": )"
      R"([{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "name": )"
      R"("input", "dtype": "float32"}}, {"class_name": "Cropping2D", "config": {"cropping": )"
      R"([[4, 4], [0, 0]], "data_format": "channels_last", "name": "crop", "dtype": "float32"}}]}})";
  Result<Graph> graph = import_bytes("no_config.json", reproducer);
  ASSERT_FALSE(graph);
  EXPECT_NE(graph.error().message.find("has no layers"), std::string::npos)
      << graph.error().message;

  graph = import_bytes("config_number.json", R"({"class_name": "Sequential", "config": 7})");
  ASSERT_FALSE(graph);
  graph = import_bytes("name_number.json",
                       R"({"class_name": "Functional", "config": {"name": 5, "layers": []}})");
  ASSERT_FALSE(graph);
  graph =
      import_bytes("tensor_class_number.json",
                   R"({"class_name": "Functional", "config": {"layers": [{"class_name": )"
                   R"("Dense", "name": "d", "inbound_nodes": [{"args": [{"class_name": 3}]}]}]}})");
  ASSERT_FALSE(graph);
}

// keras-json crash-f7320bf91339146a84d876500ab544a0ff5ecab6: a Keras 1 Convolution2D whose
// nb_col is misspelt; reading the missing (null) field as a number threw type_error 302.
TEST(KerasFuzzReproducersTest, LayerFieldOfTheWrongType) {
  const std::string reproducer =
      R"({"class_name": "Sequential", "keras_version": "1.2.0", "config": [{"class_name": "Conv)"
      R"(olution2D", "config": {"name": "conv", "nb_filter": 4, "nb_row": 3, "ncblo_": 3, "bord)"
      R"(er_mode": "same", "subsample": [1, 1], "oid_mrdering": "tf", "activation": "relu", "bi)"
      R"(as": true, "batch_input_shape": [null, 8, 8, 2]}}, {"class_name": "BatchNormalization")"
      R"(, "config": {"name": "bn", "mode": 0, "axis": -1, "epsilon": 0.001}}, {"class_name": ")"
      R"(AveragePooling2D", "config": {"name": "pool", "pool_size": [2, 2], "strides": [2, 2], )"
      R"("border_mode": "valid", "dim_ordering": "tf"}}, {"class_name": "Dropout", "config": {")"
      R"(name": "drop", "p": 0.5}}, {"class_name": "Flatten", "config": {"name": "flat"}}, {"cl)"
      R"(ass_name": "Dense", "config": {"name": "fc", "output_dim": 3, "activation": "softmax",)"
      R"( "bias": true}}]})";
  Result<Graph> graph = import_bytes("conv_field.json", reproducer);
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().node, "conv");
  EXPECT_NE(graph.error().message.find("malformed layer config: type must be number, but is null"),
            std::string::npos)
      << graph.error().message;
}

TEST(KerasFuzzReproducersTest, NestingLimitIgnoresBracketsInStrings) {
  using keras_import::json_nests_deeper_than;
  EXPECT_FALSE(json_nests_deeper_than(R"({"a": "[[[[[[", "b": "\"[[[["})", 2));
  EXPECT_TRUE(json_nests_deeper_than(R"({"a": [[1]]})", 2));
  EXPECT_FALSE(json_nests_deeper_than(R"({"a": [[1]]})", 3));
}

}  // namespace
}  // namespace kiln
