// PassManager.cpp: the pass registry (built from passes/Passes.def) and the instrumented runner.
#include "passes/PassManager.h"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/AllPasses.h"

namespace kiln {
namespace {

// Passes take either (Graph&) or (Graph&, const PassContext&); the generic lambda makes the
// requires-expression dependent so both spellings compile.
#define KILN_PASS(name, function, help)                                \
  PassInfo{name,                                                       \
           [](Graph& graph, const PassContext& context) -> Status {    \
             auto call = [](auto& g, const PassContext& c) -> Status { \
               if constexpr (requires { function(g, c); }) {           \
                 return function(g, c);                                \
               } else {                                                \
                 (void)c;                                              \
                 return function(g);                                   \
               }                                                       \
             };                                                        \
             return call(graph, context);                              \
           },                                                          \
           help},

std::vector<PassInfo> build_registry() {
  return {
#include "passes/Passes.def"
  };
}
#undef KILN_PASS

Error with_pass_context(Error error, const std::string& pass, const char* when) {
  error.message = std::string(when) + " pass '" + pass + "': " + error.message;
  return error;
}

void print_banner(std::ostream& out, const std::string& pass, const Graph& graph) {
  out << "// -----// IR after " << pass << " //----- //\n";
  print_graph(out, graph);
  out.flush();
}

void print_timing_table(std::ostream& out,
                        const std::vector<std::pair<std::string, double>>& rows) {
  double total = 0;
  for (const auto& row : rows) total += row.second;
  out << "===-------------------------------------------------------------------------===\n"
      << "                         ... Pass execution timing report ...\n"
      << "===-------------------------------------------------------------------------===\n"
      << "  Total Execution Time: " << std::fixed << std::setprecision(3) << total << " ms\n\n"
      << "   ---Wall Time (ms)---  ----Name----\n";
  for (const auto& [name, ms] : rows) {
    double share = total > 0 ? 100.0 * ms / total : 0.0;
    out << "  " << std::setw(10) << std::setprecision(3) << ms << " (" << std::setw(5)
        << std::setprecision(1) << share << "%)  " << name << '\n';
  }
  out << "  " << std::setw(10) << std::setprecision(3) << total << " (100.0%)  Total\n";
  out.flush();
}

}  // namespace

const std::vector<PassInfo>& all_passes() {
  static const std::vector<PassInfo> kPasses = build_registry();
  return kPasses;
}

const PassInfo* find_pass(const std::string& name) {
  for (const PassInfo& pass : all_passes())
    if (pass.name == name) return &pass;
  return nullptr;
}

std::string pass_list_help() {
  std::ostringstream out;
  for (const PassInfo& pass : all_passes())
    out << "  " << std::left << std::setw(34) << pass.name << pass.help << '\n';
  return out.str();
}

Result<std::vector<std::string>> parse_pass_list(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    if (name.empty()) continue;
    if (!find_pass(name)) {
      std::string known;
      for (const PassInfo& pass : all_passes()) {
        if (!known.empty()) known += ", ";
        known += pass.name;
      }
      return make_error("unknown pass '" + name + "' (known passes: " + known + ")");
    }
    names.push_back(name);
  }
  return names;
}

Status run_passes(Graph& graph, const std::vector<std::string>& passes, const PassContext& context,
                  const PassRunOptions& options, std::ostream* diagnostics) {
#ifndef NDEBUG
  const bool verify_each = true;
#else
  const bool verify_each = options.verify_each;
#endif
  // Passes assume well-formed IR; checking it first turns bad input into an error naming the
  // node instead of a crash inside a rewrite.
  if (Status status = verify_graph(graph); !status) {
    std::string first = passes.empty() ? std::string("(none)") : passes.front();
    return with_pass_context(status.error(), first, "invalid IR before");
  }
  std::vector<std::pair<std::string, double>> timings;
  for (const std::string& name : passes) {
    const PassInfo* pass = find_pass(name);
    if (!pass) return make_error("unknown pass '" + name + "'");
    auto start = std::chrono::steady_clock::now();
    Status status = pass->run(graph, context);
    auto stop = std::chrono::steady_clock::now();
    timings.emplace_back(name, std::chrono::duration<double, std::milli>(stop - start).count());
    if (!status) return with_pass_context(status.error(), name, "in");
    if (verify_each) {
      if (Status verified = verify_graph(graph); !verified)
        return with_pass_context(verified.error(), name, "verifier failed after");
    }
    if (diagnostics && (options.print_after_all || options.print_after.count(name)))
      print_banner(*diagnostics, name, graph);
  }
  if (diagnostics && options.time_passes) print_timing_table(*diagnostics, timings);
  return Status::ok();
}

}  // namespace kiln
