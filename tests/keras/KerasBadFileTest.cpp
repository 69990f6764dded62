// KerasBadFileTest.cpp: malformed Keras inputs get one clear error naming the file and layer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "KerasFixtures.h"
#include "frontend/keras/KerasImporter.h"

namespace kiln {
namespace {

using keras_test::fixture_dir;

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = fixture_dir() + "/bad_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The channels_first fixture's JSON with one textual edit.
std::string edited_channels_first(const std::string& from, const std::string& to) {
  std::string text = read_whole(fixture_dir() + "/channels_first.json");
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class KerasBadFileTest : public testing::Test {
 protected:
  void SetUp() override {
    if (fixture_dir().empty()) GTEST_FAIL() << "writing the Keras fixtures failed";
  }
  static void expect_error(const Result<Graph>& graph, const std::string& file,
                           const std::string& layer, const std::string& words) {
    ASSERT_FALSE(graph.is_ok());
    EXPECT_EQ(graph.error().file, file);
    EXPECT_EQ(graph.error().node, layer);
    EXPECT_NE(graph.error().message.find(words), std::string::npos) << graph.error().to_string();
  }
};

TEST_F(KerasBadFileTest, BadJson) {
  std::string path = write_file("syntax.json", "{\"class_name\": \"Sequential\", \"config\": [");
  expect_error(import_keras_file(path), path, "", "does not parse");
}

TEST_F(KerasBadFileTest, UnknownLayersAreListedTogether) {
  std::string text =
      edited_channels_first("\"class_name\": \"MaxPooling2D\"", "\"class_name\": \"FancyPool\"");
  const std::string dense = "\"class_name\": \"Dense\"";
  text.replace(text.find(dense), dense.size(), "\"class_name\": \"Lambda\"");
  std::string path = write_file("unknown.json", text);
  Result<Graph> graph = import_keras_file(path);
  expect_error(graph, path, "", "unsupported layers (2 kinds, 2 layers)");
  EXPECT_NE(graph.error().message.find("FancyPool: pool_cf"), std::string::npos);
  EXPECT_NE(graph.error().message.find("Lambda (holds Python code"), std::string::npos);
}

TEST_F(KerasBadFileTest, WeightOfWrongShape) {
  std::string path =
      write_file("shape.json", edited_channels_first("\"units\": 4", "\"units\": 5"));
  expect_error(import_keras_file(path, fixture_dir() + "/channels_first.h5"), path, "out_cf",
               "expected [12,5]");
}

TEST_F(KerasBadFileTest, MissingWeight) {
  std::string path = write_file(
      "missing.json", edited_channels_first("\"name\": \"out_cf\"", "\"name\": \"renamed_cf\""));
  std::string weights = fixture_dir() + "/keras1_weights.h5";
  Result<Graph> graph = import_keras_file(path, weights);
  ASSERT_FALSE(graph.is_ok());
  EXPECT_EQ(graph.error().file, weights);
  EXPECT_NE(graph.error().message.find("missing weights"), std::string::npos)
      << graph.error().to_string();
}

TEST_F(KerasBadFileTest, TruncatedHdf5) {
  std::string whole = read_whole(fixture_dir() + "/mnist_cnn_tfkeras2.h5");
  for (size_t keep : {size_t{100}, whole.size() / 2, whole.size() - 64}) {
    std::string path = write_file("truncated.h5", whole.substr(0, keep));
    Result<Graph> graph = import_keras_file(path);
    ASSERT_FALSE(graph.is_ok()) << keep;
    EXPECT_EQ(graph.error().file, path);
  }
}

TEST_F(KerasBadFileTest, TruncatedArchive) {
  std::string whole = read_whole(fixture_dir() + "/mnist_cnn.keras");
  std::string path = write_file("truncated.keras", whole.substr(0, whole.size() / 2));
  Result<Graph> graph = import_keras_file(path);
  ASSERT_FALSE(graph.is_ok());
  EXPECT_NE(graph.error().file.find("truncated.keras"), std::string::npos);
}

TEST_F(KerasBadFileTest, MissingFileAndNotKeras) {
  expect_error(import_keras_file("/nonexistent/model.json"), "/nonexistent/model.json", "",
               "no such file");
  std::string path = write_file("plain.txt", "hello");
  expect_error(import_keras_file(path), path, "", "not a Keras model");
  EXPECT_FALSE(looks_like_keras_file(path));
}

/// The activations fixture's JSON with one textual edit, imported with its weights.
Result<Graph> edited_activations(const std::string& name, const std::string& from,
                                 const std::string& to, std::string& path) {
  std::string text = read_whole(fixture_dir() + "/activations_k2.json");
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  path = write_file(name, text);
  return import_keras_file(path, fixture_dir() + "/activations_k2.weights.h5");
}

TEST_F(KerasBadFileTest, LayerFormsKilnCannotExpressNameTheLayer) {
  std::string path;
  Result<Graph> inner_axis =
      edited_activations("ln_axis.json", "\"axis\": -1", "\"axis\": 1", path);
  expect_error(inner_axis, path, "ln", "only the trailing axes");
  Result<Graph> rms = edited_activations("ln_rms.json", "\"center\": true",
                                         "\"center\": true, \"rms_scaling\": true", path);
  expect_error(rms, path, "ln", "rms_scaling");
  Result<Graph> permute =
      edited_activations("permute.json", "\"dims\": [3, 1, 2]", "\"dims\": [3, 3, 2]", path);
  expect_error(permute, path, "moved", "not a permutation");
}

}  // namespace
}  // namespace kiln
