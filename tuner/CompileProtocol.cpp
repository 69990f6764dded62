// CompileProtocol.cpp: the compile workers' messages as JSON.
#include "tuner/CompileProtocol.h"

#include <nlohmann/json.hpp>

namespace kiln::tuner {
namespace {

// `text` as a JSON object into `j`; false when it is not one.
bool parse_object(const std::string& text, nlohmann::json& j) {
  j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !j.is_discarded() && j.is_object();
}

}  // namespace

std::string CompileRequest::to_json() const {
  nlohmann::json buffers = nlohmann::json::array();
  for (const MeasureBuffer& b : inputs) buffers.push_back(measure_buffer_json(b));
  return nlohmann::json{{"task", task},         {"kernel", kernel},
                        {"schedule", schedule}, {"is_default", is_default},
                        {"dir", dir},           {"inputs", buffers}}
      .dump();
}

Result<CompileRequest> parse_compile_request(const std::string& line) {
  nlohmann::json j;
  if (!parse_object(line, j)) return make_error("the compile request is not JSON");
  try {
    CompileRequest r;
    r.task = j.at("task").get<std::string>();
    r.kernel = j.at("kernel").get<int>();
    r.schedule = j.at("schedule").get<std::string>();
    r.is_default = j.at("is_default").get<bool>();
    r.dir = j.at("dir").get<std::string>();
    for (const nlohmann::json& b : j.at("inputs")) r.inputs.push_back(parse_measure_buffer(b));
    return r;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("the compile request is malformed: ") + e.what());
  }
}

std::string CompileReply::to_json() const {
  nlohmann::json j = {{"ok", ok}, {"error", error}};
  if (ok) j["spec"] = spec.to_json();
  return j.dump();
}

Result<CompileReply> parse_compile_reply(const std::string& line) {
  nlohmann::json j;
  if (!parse_object(line, j)) return make_error("the compile worker's reply is not JSON");
  try {
    CompileReply r;
    r.ok = j.at("ok").get<bool>();
    r.error = j.value("error", std::string());
    if (r.ok) {
      auto spec = parse_measure_spec(j.at("spec").get<std::string>());
      if (!spec) return spec.error();
      r.spec = *spec;
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("the compile worker's reply is malformed: ") + e.what());
  }
}

Result<std::string> schedule_options_json(const ScheduleOptions& options) {
  if (!options.overrides.empty())
    return make_error("per-node schedule overrides cannot be passed to the compile workers");
  return nlohmann::json{{"parallel", options.parallel},
                        {"max_vector_width", options.max_vector_width},
                        {"inline_elementwise", options.inline_elementwise},
                        {"autoscheduler", options.autoscheduler},
                        {"estimate_batch", options.estimate_batch}}
      .dump();
}

Result<ScheduleOptions> parse_schedule_options(const std::string& text) {
  nlohmann::json j;
  if (!parse_object(text, j)) return make_error("--schedule-options is not JSON");
  try {
    ScheduleOptions options;
    options.parallel = j.at("parallel").get<bool>();
    options.max_vector_width = j.at("max_vector_width").get<int>();
    options.inline_elementwise = j.at("inline_elementwise").get<bool>();
    options.autoscheduler = j.at("autoscheduler").get<std::string>();
    options.estimate_batch = j.at("estimate_batch").get<int>();
    return options;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("--schedule-options is malformed: ") + e.what());
  }
}

}  // namespace kiln::tuner
