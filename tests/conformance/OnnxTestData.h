// OnnxTestData.h: reads the ONNX backend node tests (model.onnx plus test_data_set_N/input_K.pb
// and output_K.pb, serialized TensorProto files) into Kiln tensors, for the conformance runners.
#pragma once

#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::testing {

/// One test_data_set_N folder: its inputs and expected outputs in index order.
struct OnnxTestDataSet {
  std::string dir;
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
};

/// Reads one serialized onnx.TensorProto (.pb) file. Errors name the file, and the dtype when
/// Kiln has no equivalent (bfloat16, string, uint16/32/64, complex).
Result<Tensor> load_tensor_proto_file(const std::string& path);

/// Reads every test_data_set_* folder of a node-test directory, sorted by number.
Result<std::vector<OnnxTestDataSet>> load_test_data_sets(const std::string& test_dir);

/// The node-test directory names (e.g. "test_add") under `root`, sorted.
std::vector<std::string> list_node_tests(const std::string& root);

/// The op types (with their domain when not the default one, as "domain::Op") used by the
/// top-level graph of an .onnx model, in first-use order; an error if the file does not parse.
Result<std::vector<std::string>> read_model_op_types(const std::string& model_path);

}  // namespace kiln::testing
