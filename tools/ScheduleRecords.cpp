// ScheduleRecords.cpp: JSON Lines records -> one schedule per task.
#include "tools/ScheduleRecords.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "tools/MachineRecords.h"

namespace kiln::cli {

RecordFilter record_filter(const std::string& target, int64_t tuned_threads, int64_t tuned_batch) {
  RecordFilter filter;
  filter.target = target;
  if (tuned_threads >= 0) filter.threads = tuned_threads;
  if (tuned_batch >= 0) filter.batch = tuned_batch;
  return filter;
}

Result<ScheduleRecordSet> read_schedule_records(const std::string& path,
                                                const RecordFilter& filter) {
  std::ifstream in(path);
  if (!in) return Error{path, "", "cannot open the schedule records file"};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const bool ends_with_newline = [&] {
    std::ifstream raw(path, std::ios::binary | std::ios::ate);
    const auto size = raw.tellg();
    if (size <= 0) return true;
    raw.seekg(-1, std::ios::end);
    return raw.get() == '\n';
  }();

  ScheduleRecordSet set;
  // Per task, configuration (threads, batch; -1 where not recorded) and schedule: its time (a
  // re-measurement replaces earlier ones) and first origin.
  struct Entry {
    double ms;
    size_t order;
    ScheduleRecord record;
  };
  using Config = std::pair<int64_t, int64_t>;
  std::map<std::string, std::map<Config, std::map<std::string, Entry>>> entries;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& text = lines[i];
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string origin = path + ":" + std::to_string(i + 1);
    nlohmann::json record = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded() || !record.is_object()) {
      if (i + 1 == lines.size() && !ends_with_newline) {  // a writer killed mid-line
        set.torn_last_line = true;
        continue;
      }
      if (filter.skip_unreadable) {
        ++set.skipped;
        continue;
      }
      return Error{origin, "", "not a JSON object"};
    }
    if (!record.contains("task") || !record["task"].is_string() || !record.contains("schedule") ||
        !record["schedule"].is_string()) {
      if (filter.skip_unreadable) {
        ++set.skipped;
        continue;
      }
      return Error{origin, "", "a record needs string fields \"task\" and \"schedule\""};
    }
    ++set.lines;
    auto field_int = [&](const char* name) -> std::optional<int64_t> {
      if (!record.contains(name) || !record[name].is_number_integer()) return std::nullopt;
      return record[name].get<int64_t>();
    };
    const std::string status = record.value("status", std::string("ok"));
    const bool wrong_target = record.contains("target") && record["target"].is_string() &&
                              !filter.target.empty() &&
                              record["target"].get<std::string>() != filter.target;
    const bool wrong_threads =
        filter.threads && field_int("threads") && *field_int("threads") != *filter.threads;
    const bool wrong_batch =
        filter.batch && field_int("batch") && *field_int("batch") != *filter.batch;
    Result<KernelSchedule> schedule = parse_kernel_schedule(record["schedule"].get<std::string>());
    if (!schedule && filter.skip_unreadable) {
      ++set.skipped;
      continue;
    }
    if (!schedule) return Error{origin, "", schedule.error().message};
    if (status != "ok" || wrong_target || wrong_threads || wrong_batch) {
      ++set.skipped;
      continue;
    }
    const std::string task = record["task"].get<std::string>();
    const double ms = record.contains("median_ms") && record["median_ms"].is_number()
                          ? record["median_ms"].get<double>()
                          : -std::numeric_limits<double>::infinity();
    const bool remeasure = record.value("role", std::string()) == "remeasure";
    const std::string schedule_text = schedule->to_string();
    const Config config{field_int("threads").value_or(-1), field_int("batch").value_or(-1)};
    auto [it, inserted] = entries[task][config].emplace(
        schedule_text, Entry{ms, i, ScheduleRecord{*schedule, origin}});
    if (!inserted && (remeasure || ms <= it->second.ms)) {
      it->second.ms = ms;
      it->second.order = i;
    }
  }
  for (const auto& [task, configs] : entries) {
    // Times of different configurations do not compare (batch 8 is slower than batch 1): one
    // configuration per task: records that name none (hand-written pins), else the one measured
    // at the smallest batch, then the most threads (0, Halide's default, counts as all cores).
    auto rank = [](const Config& c) {
      const int64_t threads = c.first == 0 ? std::numeric_limits<int64_t>::max() : c.first;
      const bool named = c.first >= 0 || c.second >= 0;
      return std::make_tuple(named, c.second < 0 ? std::numeric_limits<int64_t>::max() : c.second,
                             -threads);
    };
    const std::map<std::string, Entry>* schedules = nullptr;
    Config chosen{};
    for (const auto& [config, by_schedule] : configs)
      if (!schedules || rank(config) < rank(chosen)) schedules = &by_schedule, chosen = config;
    if (configs.size() > 1) ++set.tasks_with_other_configs;
    const Entry* best = nullptr;
    for (const auto& [text, entry] : *schedules)
      if (!best || entry.ms < best->ms || (entry.ms == best->ms && entry.order > best->order))
        best = &entry;
    set.best[task] = best->record;
  }
  return set;
}

Result<CompileRecords> records_for_compile(const std::string& spec, const std::string& cache_dir,
                                           const RecordFilter& filter) {
  CompileRecords records;
  if (spec == kNoSchedules) return records;
  records.path = spec;
  if (spec.empty()) {
    records.path = machine_records_path(cache_dir);
    std::error_code ignored;
    if (records.path.empty() || !std::filesystem::exists(records.path, ignored)) {
      records.path.clear();
      return records;
    }
    records.from_machine = true;
  }
  RecordFilter applied = filter;
  applied.skip_unreadable = records.from_machine;
  auto set = read_schedule_records(records.path, applied);
  if (!set) return set.error();
  records.set = std::move(*set);
  if (records.from_machine)
    for (auto& [task, record] : records.set.best) record.optional = true;
  return records;
}

}  // namespace kiln::cli
