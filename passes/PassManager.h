// PassManager.h: runs named graph passes in order, with the instrumentation users ask for from
// the command line: IR dumps after passes, a timing table and the verifier after every pass.
// The passes themselves are listed once, in passes/Passes.def.
#pragma once

#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ir/ConstantEvaluator.h"
#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// What a pass may use besides the graph. Everything is optional.
struct PassContext {
  /// Evaluates constant nodes for fold-constants; null = fold shape arithmetic only.
  const ConstantEvaluator* evaluator = nullptr;
};

/// A registered pass: its command-line name, entry point and one-line help.
struct PassInfo {
  std::string name;
  std::function<Status(Graph&, const PassContext&)> run;
  std::string help;
};

/// Every pass in passes/Passes.def order.
const std::vector<PassInfo>& all_passes();
/// The pass called `name`, or null.
const PassInfo* find_pass(const std::string& name);
/// "name  help" lines for --help texts, one per pass.
std::string pass_list_help();

/// Instrumentation around a pass pipeline.
struct PassRunOptions {
  bool print_after_all = false;       ///< dump the IR after every pass
  std::set<std::string> print_after;  ///< dump the IR after these passes
  bool time_passes = false;           ///< print a timing table at the end
  bool verify_each = false;           ///< verify after every pass (always on without NDEBUG)
};

/// Splits "a,b,c" into names and checks each is a registered pass; the error lists the known
/// passes.
Result<std::vector<std::string>> parse_pass_list(const std::string& text);

/// Verifies `graph`, then runs `passes` in order. IR dumps (with an MLIR-style banner
/// `// -----// IR after NAME //----- //`) and the timing table go to `diagnostics`. A pass error
/// or a verifier failure after a pass is returned naming the pass and the node.
Status run_passes(Graph& graph, const std::vector<std::string>& passes,
                  const PassContext& context = {}, const PassRunOptions& options = {},
                  std::ostream* diagnostics = nullptr);

}  // namespace kiln
