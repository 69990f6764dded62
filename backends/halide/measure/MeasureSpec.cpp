// MeasureSpec.cpp: the measurement spec and result as JSON.
#include "backends/halide/measure/MeasureSpec.h"

#include <nlohmann/json.hpp>

namespace kiln {

int64_t MeasureBuffer::elements() const {
  int64_t n = 1;
  for (int32_t s : sizes) n *= s;
  return n;
}

nlohmann::json measure_buffer_json(const MeasureBuffer& buffer) {
  return {{"file", buffer.file},
          {"type_code", buffer.type_code},
          {"type_bits", buffer.type_bits},
          {"sizes", buffer.sizes},
          {"strides", buffer.strides}};
}

MeasureBuffer parse_measure_buffer(const nlohmann::json& j) {
  MeasureBuffer buffer;
  buffer.file = j.value("file", std::string());
  buffer.type_code = j.at("type_code").get<int>();
  buffer.type_bits = j.at("type_bits").get<int>();
  buffer.sizes = j.at("sizes").get<std::vector<int32_t>>();
  buffer.strides = j.at("strides").get<std::vector<int32_t>>();
  return buffer;
}

std::string MeasureSpec::to_json() const {
  nlohmann::json args = nlohmann::json::array();
  for (const MeasureArgument& a : arguments) {
    if (a.is_scalar) {
      args.push_back({{"scalar", a.scalar}});
      continue;
    }
    nlohmann::json buffer = measure_buffer_json(a.buffer);
    buffer["output"] = a.is_output;
    args.push_back(std::move(buffer));
  }
  nlohmann::json j = {{"library", library},           {"function", function},
                      {"schedule", schedule},         {"output_file", output_file},
                      {"threads", threads},           {"warmup", warmup},
                      {"min_repeats", min_repeats},   {"max_repeats", max_repeats},
                      {"min_total_ms", min_total_ms}, {"arguments", args}};
  return j.dump();
}

Result<MeasureSpec> parse_measure_spec(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return make_error("the measurement spec is not JSON");
  try {
    MeasureSpec spec;
    spec.library = j.at("library").get<std::string>();
    spec.function = j.at("function").get<std::string>();
    spec.schedule = j.value("schedule", std::string());
    spec.output_file = j.at("output_file").get<std::string>();
    spec.threads = j.value("threads", 0);
    spec.warmup = j.value("warmup", 2);
    spec.min_repeats = j.value("min_repeats", 5);
    spec.max_repeats = j.value("max_repeats", 200);
    spec.min_total_ms = j.value("min_total_ms", 100.0);
    for (const nlohmann::json& a : j.at("arguments")) {
      MeasureArgument arg;
      if (a.contains("scalar")) {
        arg.is_scalar = true;
        arg.scalar = a["scalar"].get<int32_t>();
      } else {
        arg.is_output = a.value("output", false);
        arg.buffer = parse_measure_buffer(a);
        if (arg.buffer.sizes.size() != arg.buffer.strides.size())
          return make_error("the measurement spec has a buffer with mismatched sizes/strides");
      }
      spec.arguments.push_back(std::move(arg));
    }
    return spec;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("the measurement spec is malformed: ") + e.what());
  }
}

std::string MeasureResult::to_json_line() const {
  return nlohmann::json{{"status", status},
                        {"error", error},
                        {"median_ms", median_ms},
                        {"min_ms", min_ms},
                        {"repeats", repeats}}
      .dump();
}

}  // namespace kiln
