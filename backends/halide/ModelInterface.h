// ModelInterface.h: the C-facing view of a model (inputs, outputs, symbolic dimensions, C names)
// that the generated header, the generated wrapper and the descriptor are all written from.
#pragma once

#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// One model input or output as the C API sees it.
struct InterfaceTensor {
  std::string name;    ///< the model's value name
  std::string c_name;  ///< a unique C identifier derived from it
  DType dtype = DType::Unknown;
  std::vector<int64_t> dims;     ///< static size, or -1 where symbolic
  std::vector<int> dim_symbols;  ///< index into ModelInterface::symbols, or -1
};

/// Everything the generated C API exposes.
struct ModelInterface {
  std::string name;  ///< library name (a C identifier)
  std::vector<InterfaceTensor> inputs;
  std::vector<InterfaceTensor> outputs;
  std::vector<std::string> symbols;         ///< symbolic dims, in order of first use by inputs
  std::vector<std::string> symbol_c_names;  ///< C identifiers for them
};

/// Builds the interface of a shape-inferred graph. Fails when a dim is unknown, or when an output
/// dim is a symbol the inputs do not determine.
Result<ModelInterface> describe_model_interface(const Graph& graph, const std::string& name);

/// True when `name` is a valid C identifier.
bool is_c_identifier(const std::string& name);

/// `text` as a C string literal, quotes included, with escapes for '"', '\\' and control bytes.
std::string c_string_literal(const std::string& text);

/// `text` made safe inside a C block comment (no "*/").
std::string comment_safe(const std::string& text);

/// The C type for a dtype ("float", "int64_t", ...).
const char* c_type_name(DType dtype);

/// The kiln_dtype enumerator name for a dtype ("KILN_DTYPE_F32", ...).
const char* abi_dtype_name(DType dtype);

}  // namespace kiln
