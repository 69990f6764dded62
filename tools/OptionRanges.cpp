// OptionRanges.cpp: integer_range.
#include "tools/OptionRanges.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace kiln::cli {

CLI::Validator integer_range(int64_t min, int64_t max) {
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec != std::errc() || ptr != end || text.empty() || value < min || value > max)
          return "must be an integer from " + range + ", not '" + text + "'";
        return std::string();
      },
      "from " + range);
}

CLI::Validator positive_number(double max) {
  char text_max[32];
  std::snprintf(text_max, sizeof text_max, "%g", max);
  std::string range = std::string("above 0 and at most ") + text_max;
  return CLI::Validator(
      [max, range](std::string& text) -> std::string {
        char* end = nullptr;
        double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(value) || value <= 0 || value > max)
          return "must be a number " + range + ", not '" + text + "'";
        return std::string();
      },
      range);
}

}  // namespace kiln::cli
