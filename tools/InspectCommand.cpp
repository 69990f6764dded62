// InspectCommand.cpp: `kiln inspect MODEL`, which shows a model as IR text, a summary table,
// JSON or Graphviz, after loading it and inferring its shapes; its fusion report; or its kernels
// and their schedules.
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "backends/halide/CompileCache.h"
#include "backends/halide/HalideLowering.h"
#include "backends/halide/KernelPartition.h"
#include "backends/halide/MemoryPlan.h"
#include "ir/Printer.h"
#include "passes/CostAnalysis.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/ModelLoader.h"
#include "tools/OptionRanges.h"
#include "tools/PassOptions.h"
#include "tools/ScheduleRecords.h"
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
  bool schedules = false;
  std::string target = "host";
  std::string records;         ///< --records: schedule records to apply, as compile's --schedules
  int64_t tuned_threads = -1;  ///< --tuned-threads, as compile's (-1: any)
  int64_t tuned_batch = -1;    ///< --tuned-batch, as compile's (-1: any)
  std::string profile_path;    ///< --profile: `kiln bench --profile --format json` output
  std::string svg_path;
  std::string keras_weights;
  PassOptions passes;
};

Error with_file(Error error, const std::string& path) {
  if (error.file.empty()) error.file = path;
  return error;
}

// `--schedules`: each kernel with its task key and the schedule the backend applies.
int print_schedules(const Graph& graph, const InspectOptions& options) {
  auto target = parse_halide_target(options.target);
  if (!target) return report_error(target.error());
  auto records = records_for_compile(
      options.records, default_cache_dir(),
      record_filter(target->to_string(), options.tuned_threads, options.tuned_batch));
  if (!records) return report_error(records.error());
  auto partition = partition_kernels(graph, *target, ScheduleOptions{}, records->set.best);
  if (!partition) return report_error(with_file(partition.error(), options.model_path));
  if (options.format == "json") {
    nlohmann::ordered_json kernels = nlohmann::ordered_json::array();
    for (const KernelPlan& k : partition->kernels)
      kernels.push_back({{"name", k.name},
                         {"nodes", k.node_names()},
                         {"task", k.task},
                         {"template", k.schedule.template_name()},
                         {"schedule", k.schedule.to_string()},
                         {"macs", k.macs}});
    std::cout << nlohmann::ordered_json{{"kernels", kernels}}.dump(2) << "\n";
    return kExitOk;
  }
  if (options.format != "text") return report_error(make_error("--schedules prints text or json"));
  for (size_t i = 0; i < partition->kernels.size(); ++i) {
    const KernelPlan& k = partition->kernels[i];
    std::string nodes;
    for (const std::string& n : k.node_names()) nodes += (nodes.empty() ? "" : ",") + n;
    std::cout << "kernel " << i << " " << k.name << " task=" << k.task << " macs=" << k.macs
              << "\n  nodes: " << nodes << "\n  " << k.schedule.to_string() << "\n";
  }
  return kExitOk;
}

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

  if (options.schedules) return print_schedules(*graph, options);
  if (options.fusion) {
    std::optional<KernelProfile> profile;
    if (!options.profile_path.empty()) {
      auto read = read_kernel_profile(options.profile_path);
      if (!read) return report_error(read.error());
      profile = *read;
    }
    if (Status status =
            write_fusion_report(std::cout, *graph, options.format, profile ? &*profile : nullptr);
        !status)
      return report_error(status.error());
    std::cout.flush();
    return kExitOk;
  }
  std::string format = options.summary ? "summary" : options.format;
  if (format == "text") {
    print_graph(std::cout, *graph);
  } else if (format == "summary") {
    print_summary_table(std::cout, *graph, analyze_costs(*graph));
    auto target = parse_halide_target(options.target);
    if (!target) return report_error(target.error());
    auto partition = partition_kernels(*graph, *target, ScheduleOptions{});
    if (!partition) return report_error(with_file(partition.error(), options.model_path));
    std::set<std::string> tasks;
    for (const KernelPlan& k : partition->kernels) tasks.insert(k.task);
    const ArenaPlan arena = plan_arena(*partition);
    std::cout << "Kernels: " << partition->kernels.size() << " (" << tasks.size()
              << " distinct); intermediates: " << partition->intermediate_count
              << ", peak arena bytes (every symbolic dim = 1): " << arena.arena_bytes << " (of "
              << arena.total_bytes << " unshared)\n";
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
  inspect->add_flag("--schedules", options->schedules,
                    "Each kernel: name, nodes, task key, template, schedule, MACs (text or json)");
  inspect->add_option("--target", options->target,
                      "Halide target the schedules and kernels are for (default host)");
  inspect->add_option("--records", options->records,
                      "With --schedules: apply these schedule records first, as compile does "
                      "(default: this machine's tuned records; none: the default schedules)");
  inspect
      ->add_option("--tuned-threads", options->tuned_threads,
                   "With --records: only records tuned with this --threads, as compile's")
      ->check(integer_range(0, kMaxThreads));
  inspect
      ->add_option("--tuned-batch", options->tuned_batch,
                   "With --records: only records tuned at this --batch, as compile's")
      ->check(integer_range(1, kMaxBatch));
  inspect->add_option("--profile", options->profile_path,
                      "With --fusion: kernel times from `kiln bench LIB --profile --format json`");
  add_pass_options(*inspect, options->passes);
  add_keras_weights_option(*inspect, options->keras_weights);
  inspect->add_option("--svg", options->svg_path,
                      "Also render the graph to this SVG file with Graphviz 'dot'");
  return [options, format] { return run_inspect(*options, format->count() > 0); };
}

}  // namespace kiln::cli
