// KerasRealFilesTest.cpp: every real Keras file in ../shared/keras (see its PROVENANCE.md) loads
// and passes shape inference, or is rejected naming the layer Kiln cannot express.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "frontend/keras/KerasImporter.h"
#include "passes/InferShapes.h"

namespace kiln {
namespace {

const std::string kSharedKeras = std::string(KILN_SOURCE_DIR) + "/../shared/keras";

struct RealFile {
  std::string model;
  std::string weights;      ///< paired weights file, or empty
  std::string unsupported;  ///< the class named in the expected rejection, or empty
};

const RealFile kRealFiles[] = {
    {"h5full_k2.0.5_model_mini_xception_oarriaga.hdf5", "", ""},
    {"h5full_k2.2.4tf_model_cnn_AmitPr.h5", "", ""},
    {"h5full_k3.3.3_seq_dense_legacyh5_4bumuhammad.h5", "", ""},
    {"json_k1.2.0_seq_cnn_bn_avgpool_dventimiglia.json", "h5w_k1.2.0_weights_dventimiglia.h5", ""},
    {"json_k1.2.1_seq_cnn_lambda_crop_3lLobo.json", "", "Lambda"},
    {"json_k2.0.6_seq_cnn_listconfig_0x1za.json", "", ""},
    {"json_k2.10.0_seq_cnn_inputlayer_5simon.json", "h5w_k2.10.0_weights_5simon.h5", ""},
    {"json_k2.15.0_seq_cnn_module_1atharvad.json", "", ""},
    {"json_k2.2.0_model_mobilenet_depthwise_102757017.json", "", ""},
    {"json_k2.2.4_seq_cnn_elu_2dongheee.json", "", ""},
    {"json_k2.2.4tf_seq_cnn_bn_4vedi.json", "", ""},
    {"json_k2.3.1_seq_cnn_bn_avgpool_dventimiglia.json", "h5w_k2.3.1_weights_dventimiglia.h5", ""},
    {"keras_k2.13.1_functional_depthwise_add_AliElgamel9.keras", "", ""},
    {"keras_k3.13.2_functional_dense_bn_add_Ololade18.keras", "", ""},
    {"keras_k3.4.1_seq_cnn_ASLaskin.keras", "", ""},
    {"keras_k3.8.0_functional_conv_autoencoder_NotPocik.keras", "", ""},
};

void PrintTo(const RealFile& file, std::ostream* out) {
  *out << file.model;
}

class KerasRealFileTest : public testing::TestWithParam<RealFile> {};

TEST_P(KerasRealFileTest, LoadsOrNamesTheUnsupportedLayer) {
  if (!std::filesystem::is_directory(kSharedKeras)) GTEST_SKIP() << "no " << kSharedKeras;
  const RealFile& file = GetParam();
  std::string weights = file.weights.empty() ? "" : kSharedKeras + "/" + file.weights;
  std::string path = kSharedKeras + "/" + file.model;
  EXPECT_TRUE(looks_like_keras_file(path));
  Result<Graph> graph = import_keras_file(path, weights);
  if (!file.unsupported.empty()) {
    ASSERT_FALSE(graph.is_ok()) << file.model;
    std::string message = graph.error().to_string();
    EXPECT_NE(message.find("unsupported layers"), std::string::npos) << message;
    EXPECT_NE(message.find(file.unsupported), std::string::npos) << message;
    EXPECT_NE(message.find(file.model), std::string::npos) << message;
    return;
  }
  ASSERT_TRUE(graph.is_ok()) << graph.error().to_string();
  Status inferred = infer_shapes(*graph);
  ASSERT_TRUE(inferred.is_ok()) << inferred.error().to_string();
  for (Value* output : graph->outputs) EXPECT_TRUE(output->type.is_known()) << output->name;
}

INSTANTIATE_TEST_SUITE_P(SharedKeras, KerasRealFileTest, testing::ValuesIn(kRealFiles),
                         [](const testing::TestParamInfo<RealFile>& info) {
                           std::string name =
                               info.param.model.substr(0, info.param.model.rfind('.'));
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(KerasRealFiles, WeightsOnlyFileAloneIsRejectedClearly) {
  if (!std::filesystem::is_directory(kSharedKeras)) GTEST_SKIP() << "no " << kSharedKeras;
  Result<Graph> graph = import_keras_file(kSharedKeras + "/h5w_k2.10.0_weights_5simon.h5");
  ASSERT_FALSE(graph.is_ok());
  EXPECT_NE(graph.error().message.find("only weights"), std::string::npos);
}

}  // namespace
}  // namespace kiln
