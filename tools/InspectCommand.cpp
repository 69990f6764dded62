// InspectCommand.cpp: `kiln inspect MODEL`, which shows a model as IR text, a summary table,
// JSON or Graphviz, after loading it and inferring its shapes.
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "ir/Printer.h"
#include "passes/CostAnalysis.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/PassOptions.h"
#include "tools/inspect/DotGraph.h"
#include "tools/inspect/FusionReport.h"
#include "tools/inspect/JsonReport.h"
#include "tools/inspect/SummaryTable.h"
#include "tools/inspect/SvgRenderer.h"

namespace kiln::cli {
namespace {

struct InspectOptions {
  std::string model_path;
  std::string format = "text";
  bool summary = false;
  bool fusion = false;
  std::string svg_path;
  std::string keras_weights;
  PassOptions passes;
};

int run_inspect(const InspectOptions& options, bool format_given) {
  Result<Graph> graph = load_model(options.model_path, options.keras_weights);
  if (!graph) return report_error(graph.error());
  if (Status status = run_pass_pipeline(*graph, options.passes, options.model_path); !status)
    return report_error(status.error());

  if (!options.svg_path.empty()) {
    std::ostringstream dot;
    print_dot_graph(dot, *graph);
    if (Status status = render_svg(dot.str(), options.svg_path); !status) {
      return report_error(status.error());
    }
    // --svg alone writes only the picture; stdout output must be asked for.
    if (!format_given && !options.summary) return kExitOk;
  }

  if (options.fusion) {
    if (Status status = write_fusion_report(std::cout, *graph, options.format); !status)
      return report_error(status.error());
    std::cout.flush();
    return kExitOk;
  }
  std::string format = options.summary ? "summary" : options.format;
  if (format == "text") {
    print_graph(std::cout, *graph);
  } else if (format == "summary") {
    print_summary_table(std::cout, *graph, analyze_costs(*graph));
  } else if (format == "json") {
    std::cout << make_json_report(*graph, analyze_costs(*graph)).dump(2) << '\n';
  } else if (format == "dot") {
    print_dot_graph(std::cout, *graph);
  } else if (format == "html") {
    return report_error(make_error("--format html is only for the fusion report (--fusion)"));
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

CommandAction register_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Show a model: IR text (default), a summary table, JSON or Graphviz");
  inspect->add_option("model", options->model_path, "Model file (.onnx or .kir)")->required();
  CLI::Option* format =
      inspect
          ->add_option("--format", options->format,
                       "Output: text (IR with shapes), summary (per-node table), json, dot")
          ->check(CLI::IsMember({"text", "summary", "json", "dot", "html"}));
  inspect
      ->add_flag("--summary", options->summary,
                 "Per-node table of output shapes, parameters, MACs and receptive fields")
      ->excludes(format);
  inspect->add_flag("--fusion", options->fusion,
                    "The fusion report (--format text, json, html or dot)");
  add_pass_options(*inspect, options->passes);
  add_keras_weights_option(*inspect, options->keras_weights);
  inspect->add_option("--svg", options->svg_path,
                      "Also render the graph to this SVG file with Graphviz 'dot'");
  return [options, format] { return run_inspect(*options, format->count() > 0); };
}

}  // namespace kiln::cli
