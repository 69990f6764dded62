// Pipeline.cpp: the default pass order, kept in this one place. Cleanup passes run first so
// that folding sees the simplest graph, and dead-code elimination runs after every pass that can
// leave orphans; annotations (views, layout) come last because rewrites would drop them.
#include "passes/Pipeline.h"

namespace kiln {

const std::vector<std::string>& default_pipeline() {
  static const std::vector<std::string> kPipeline = {
      "infer-shapes",
      "remove-identity",
      "fold-constants",
      "fold-batch-norm",
      "eliminate-common-subexpressions",
      "eliminate-dead-code",
      "infer-shapes",
      "make-views",
      "choose-layout",
      "fuse",
  };
  return kPipeline;
}

}  // namespace kiln
