// TargetCommand.cpp: `kiln target [TARGET] [--format text|json]`, which prints the facts about a
// compile target's CPU that Kiln's default schedules derive from (backends/halide/MachineModel.h)
// and the schedule parameters they give: this machine's own for `host`, the table's for a named
// target.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "backends/halide/CompileCache.h"
#include "backends/halide/HalideLowering.h"
#include "backends/halide/MachineModel.h"
#include "tools/Commands.h"
#include "tools/Diagnostics.h"
#include "tools/MachineRecords.h"

namespace kiln::cli {
namespace {

struct TargetOptions {
  std::string target = "host";
  std::string format = "text";
};

nlohmann::ordered_json machine_json(const Halide::Target& target, const MachineModel& m) {
  const ScheduleFacts f = schedule_facts(m);
  nlohmann::ordered_json j;
  j["target"] = target.to_string();
  j["cpu"] = m.name;
  j["source"] = m.from_host ? "host" : "table";
  j["f32_lanes"] = m.f32_lanes;
  j["vector_registers"] = m.vector_registers;
  j["fma_pipes"] = m.fma_pipes;
  j["fma_latency_cycles"] = m.fma_latency;
  j["ghz"] = m.ghz;
  j["peak_gflops_per_core"] = 2.0 * m.peak_macs_per_second() / 1e9;
  j["l1d_bytes"] = m.l1d_bytes;
  j["l2_bytes"] = m.l2_bytes;
  j["l3_share_bytes"] = m.l3_share_bytes;
  j["schedule_facts"] = {{"accumulator_budget", f.accumulator_budget},
                         {"accumulators_in_flight", f.accumulators_in_flight},
                         {"min_task_macs", f.min_task_macs},
                         {"weight_block_bytes", f.weight_block_bytes}};
  return j;
}

}  // namespace

CommandAction register_target_command(CLI::App& app) {
  auto options = std::make_shared<TargetOptions>();
  CLI::App* command = app.add_subcommand(
      "target", "Show the CPU facts a target's default schedules derive from (host: this machine)");
  command->add_option("target", options->target,
                      "host (default) or a Halide target string, e.g. x86-64-linux-avx2");
  command->add_option("--format", options->format, "Output: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  return [options]() -> int {
    auto target = parse_halide_target(options->target);
    if (!target) return report_error(target.error());
    if (target->has_gpu_feature())
      std::cerr << "kiln: note: " << options->target
                << " is a GPU target; the facts below are those of its host CPU code\n";
    const MachineModel& model = machine_model(*target);
    // This machine's tuned records (whatever the target: each record names its own).
    const std::string records = machine_records_path(default_cache_dir());
    if (options->format == "json") {
      nlohmann::ordered_json j = machine_json(*target, model);
      j["this_machine"] = machine_identity();
      j["tuned_records"] = records;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "target: " << target->to_string() << "\n"
                << describe_machine(model) << "this machine: " << machine_identity() << "\n"
                << "tuned records: " << (records.empty() ? "(no cache directory)" : records)
                << "\n";
    }
    return kExitOk;
  };
}

}  // namespace kiln::cli
