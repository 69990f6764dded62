// FusionPattern.h: the target-independent kinds of fusion group the fuse pass records (in the
// `fusion_pattern` attribute of a group's last node) and the backends schedule.
#pragma once

#include <optional>
#include <string>

namespace kiln {

/// What a fusion group computes; a backend picks the schedule template from it.
enum class FusionPattern {
  ConvEpilogue,  ///< Conv + pointwise epilogue (bias, BN, activations, residual)
  ConvPool,      ///< ConvEpilogue + a 2-D MaxPool/AveragePool over its tiles
  GemmEpilogue,  ///< Gemm/MatMul + pointwise epilogue
  Head,          ///< GlobalAveragePool + Flatten/Reshape + Gemm (+ epilogue)
  Elementwise,   ///< a chain of two or more pointwise ops
};

/// The attribute text of a pattern: "conv_epilogue", "conv_pool", "gemm_epilogue", "head",
/// "elementwise".
const char* fusion_pattern_name(FusionPattern pattern);

/// Reads an attribute text back; nullopt for anything else.
std::optional<FusionPattern> parse_fusion_pattern(const std::string& name);

}  // namespace kiln
