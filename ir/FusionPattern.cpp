// FusionPattern.cpp: names of the fusion patterns.
#include "ir/FusionPattern.h"

namespace kiln {

const char* fusion_pattern_name(FusionPattern pattern) {
  switch (pattern) {
    case FusionPattern::ConvEpilogue:
      return "conv_epilogue";
    case FusionPattern::ConvPool:
      return "conv_pool";
    case FusionPattern::GemmEpilogue:
      return "gemm_epilogue";
    case FusionPattern::Head:
      return "head";
    case FusionPattern::Elementwise:
      return "elementwise";
  }
  return "elementwise";
}

std::optional<FusionPattern> parse_fusion_pattern(const std::string& name) {
  for (FusionPattern p :
       {FusionPattern::ConvEpilogue, FusionPattern::ConvPool, FusionPattern::GemmEpilogue,
        FusionPattern::Head, FusionPattern::Elementwise})
    if (name == fusion_pattern_name(p)) return p;
  return std::nullopt;
}

}  // namespace kiln
