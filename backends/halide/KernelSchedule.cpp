// KernelSchedule.cpp: printing, parsing and legality of kernel schedule records.
#include "backends/halide/KernelSchedule.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace kiln {
namespace {

// The record text's word for an autoscheduled kernel.
constexpr const char* kAutoscheduler = "autoscheduler";

std::string known_autoschedulers() {
  std::string names;
  for (const std::string& n : halide_autoscheduler_names())
    names += (names.empty() ? "" : ", ") + n;
  return names;
}

// The knobs of each node template, in print order.
const std::vector<std::string>& template_knobs(ScheduleTemplate t) {
  static const std::map<ScheduleTemplate, std::vector<std::string>> kKnobs = {
      {ScheduleTemplate::Inline, {}},
      {ScheduleTemplate::Root, {"vw", "par", "shift"}},
      {ScheduleTemplate::ConvTiled, {"vw", "tc", "tv", "par", "shift"}},
      {ScheduleTemplate::ConvChannels, {"vw", "tc", "tx", "par", "ue"}},
      {ScheduleTemplate::GemmTiled, {"vw", "tv", "par", "shift"}},
      {ScheduleTemplate::GemmPacked, {"vw", "tc", "tx", "par"}},
      {ScheduleTemplate::GpuTile, {"bx", "by", "tc", "rc"}},
  };
  return kKnobs.at(t);
}

int get_knob(const NodeSchedule& s, const std::string& knob) {
  if (knob == "vw") return s.vector_width;
  if (knob == "tc") return s.tile_channels;
  if (knob == "tv") return s.tile_vectors;
  if (knob == "tx") return s.tile_x;
  if (knob == "par") return s.parallel ? 1 : 0;
  if (knob == "shift") return s.shift_tails ? 1 : 0;
  if (knob == "ue") return s.unroll_epilogue ? 1 : 0;
  if (knob == "bx") return s.block_x;
  if (knob == "by") return s.block_y;
  if (knob == "rc") return s.reduction_chunk;
  return 0;
}

void set_knob(NodeSchedule& s, const std::string& knob, int value) {
  if (knob == "vw") s.vector_width = value;
  if (knob == "tc") s.tile_channels = value;
  if (knob == "tv") s.tile_vectors = value;
  if (knob == "tx") s.tile_x = value;
  if (knob == "par") s.parallel = value != 0;
  if (knob == "shift") s.shift_tails = value != 0;
  if (knob == "ue") s.unroll_epilogue = value != 0;
  if (knob == "bx") s.block_x = value;
  if (knob == "by") s.block_y = value;
  if (knob == "rc") s.reduction_chunk = value;
}

bool is_boolean_knob(const std::string& knob) {
  return knob == "par" || knob == "shift" || knob == "ue";
}

std::optional<ScheduleTemplate> parse_template(const std::string& name) {
  for (ScheduleTemplate t :
       {ScheduleTemplate::Inline, ScheduleTemplate::Root, ScheduleTemplate::ConvTiled,
        ScheduleTemplate::ConvChannels, ScheduleTemplate::GemmTiled, ScheduleTemplate::GemmPacked,
        ScheduleTemplate::GpuTile})
    if (name == schedule_template_name(t)) return t;
  return std::nullopt;
}

// Which parts a group pattern prints: the anchor, the stage, the pool rows.
struct GroupParts {
  bool anchor, stage, rows;
};
GroupParts group_parts(FusionPattern pattern) {
  switch (pattern) {
    case FusionPattern::ConvPool:
      return {true, true, true};
    case FusionPattern::Elementwise:
      return {false, true, false};
    default:
      return {true, false, false};
  }
}

// A small recursive-descent reader over the record text.
class ScheduleReader {
 public:
  explicit ScheduleReader(const std::string& text) : text_(text) {}

  Result<KernelSchedule> read() {
    KernelSchedule schedule;
    std::string name = word();
    if (name.empty()) return fail("a schedule starts with a template name");
    if (name == kAutoscheduler) {
      if (!accept('(')) return fail("expected '(' after '" + name + "'");
      std::string plugin = word();
      if (!is_halide_autoscheduler(plugin))
        return fail("knob 'autoscheduler': unknown Halide autoscheduler '" + plugin +
                    "' (known: " + known_autoschedulers() + ")");
      if (!accept(')')) return fail("expected ')' after '" + plugin + "'");
      schedule = KernelSchedule::autoscheduled(plugin);
    } else if (peek() == '{') {
      auto pattern = parse_fusion_pattern(name);
      if (!pattern) return fail("unknown group pattern '" + name + "'");
      schedule.is_group = true;
      schedule.group.kind = *pattern;
      KILN_RETURN_IF_ERROR(read_group(schedule.group));
    } else {
      Result<NodeSchedule> node = read_node(name);
      if (!node) return node.error();
      schedule.node = *node;
    }
    if (pos_ != text_.size()) return fail("unexpected text after the schedule");
    return schedule;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string word() {
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '_' || text_[pos_] == '-'))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }
  Error fail(const std::string& message) const {
    return Error{"", "", "schedule '" + text_ + "': " + message};
  }

  Result<NodeSchedule> read_node(const std::string& name) {
    auto kind = parse_template(name);
    if (!kind) return fail("unknown template '" + name + "'");
    NodeSchedule s;
    s.kind = *kind;
    const std::vector<std::string>& knobs = template_knobs(*kind);
    if (!accept('(')) return fail("expected '(' after '" + name + "'");
    std::map<std::string, bool> seen;
    while (!accept(')')) {
      if (!seen.empty() && !accept(',')) return fail("expected ',' or ')'");
      std::string knob = word();
      if (std::find(knobs.begin(), knobs.end(), knob) == knobs.end())
        return fail("knob '" + knob + "': template " + name + " has no such knob");
      if (seen.count(knob)) return fail("knob '" + knob + "' is given twice");
      if (!accept('=')) return fail("knob '" + knob + "': expected '='");
      std::string digits = word();
      if (digits.empty() || digits.size() > 6 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); }))
        return fail("knob '" + knob + "': '" + digits + "' is not a whole number");
      const int value = std::stoi(digits);
      if (is_boolean_knob(knob) && value > 1)
        return fail("knob '" + knob + "': " + digits + " is not 0 or 1");
      set_knob(s, knob, value);
      seen[knob] = true;
    }
    for (const std::string& knob : knobs)
      if (!seen.count(knob)) return fail("knob '" + knob + "' is missing");
    return s;
  }

  Status read_group(GroupSchedule& g) {
    const GroupParts parts = group_parts(g.kind);
    accept('{');
    bool first = true, has_anchor = false, has_stage = false, has_rows = false;
    while (!accept('}')) {
      if (!first && !accept(',')) return fail("expected ',' or '}'");
      first = false;
      std::string part = word();
      if (!accept('=')) return fail("'" + part + "': expected '='");
      if (part == "anchor" && parts.anchor && !has_anchor) {
        Result<NodeSchedule> node = read_node(word());
        if (!node) return node.error();
        g.anchor = *node;
        has_anchor = true;
      } else if (part == "stage" && parts.stage && !has_stage) {
        Result<NodeSchedule> node = read_node(word());
        if (!node) return node.error();
        g.stage = *node;
        has_stage = true;
      } else if (part == "rows" && parts.rows && !has_rows) {
        std::string digits = word();
        if (digits.empty() || digits.size() > 6 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); }))
          return fail("knob 'rows': '" + digits + "' is not a whole number");
        g.pool_rows = std::stoi(digits);
        has_rows = true;
      } else {
        return fail("knob '" + part + "': a " + std::string(fusion_pattern_name(g.kind)) +
                    " group has no such part (or it is given twice)");
      }
    }
    if (parts.anchor && !has_anchor) return fail("knob 'anchor' is missing");
    if (parts.stage && !has_stage) return fail("knob 'stage' is missing");
    if (parts.rows && !has_rows) return fail("knob 'rows' is missing");
    return Status::ok();
  }

  const std::string& text_;
  size_t pos_ = 0;
};

std::string join_values(const std::vector<int>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

}  // namespace

const std::vector<std::string>& halide_autoscheduler_names() {
  static const std::vector<std::string> kNames = {"mullapudi2016", "li2018", "adams2019"};
  return kNames;
}

bool is_halide_autoscheduler(const std::string& name) {
  const std::vector<std::string>& names = halide_autoscheduler_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

KernelSchedule KernelSchedule::autoscheduled(const std::string& name) {
  KernelSchedule s;
  s.autoscheduler = name;
  return s;
}

std::string node_schedule_text(const NodeSchedule& s) {
  std::string out = std::string(schedule_template_name(s.kind)) + "(";
  const std::vector<std::string>& knobs = template_knobs(s.kind);
  for (size_t i = 0; i < knobs.size(); ++i)
    out += (i ? "," : "") + knobs[i] + "=" + std::to_string(get_knob(s, knobs[i]));
  return out + ")";
}

std::string group_schedule_text(const GroupSchedule& g) {
  const GroupParts parts = group_parts(g.kind);
  std::string out = std::string(fusion_pattern_name(g.kind)) + "{";
  std::string sep;
  if (parts.anchor) out += "anchor=" + node_schedule_text(g.anchor), sep = ",";
  if (parts.stage) out += sep + "stage=" + node_schedule_text(g.stage), sep = ",";
  if (parts.rows) out += sep + "rows=" + std::to_string(g.pool_rows);
  return out + "}";
}

std::string GroupSchedule::to_string() const {
  return group_schedule_text(*this);
}

std::string NodeSchedule::to_string() const {
  return node_schedule_text(*this);
}

std::string KernelSchedule::to_string() const {
  if (is_autoscheduled()) return std::string(kAutoscheduler) + "(" + autoscheduler + ")";
  return is_group ? group_schedule_text(group) : node_schedule_text(node);
}

std::string KernelSchedule::template_name() const {
  if (is_autoscheduled()) return autoscheduler;
  if (!is_group) return schedule_template_name(node.kind);
  const GroupParts parts = group_parts(group.kind);
  std::string name = fusion_pattern_name(group.kind);
  if (parts.anchor) name += std::string("/") + schedule_template_name(group.anchor.kind);
  return name;
}

Result<KernelSchedule> parse_kernel_schedule(const std::string& text) {
  return ScheduleReader(text).read();
}

std::vector<std::pair<std::string, int>> schedule_knob_values(const KernelSchedule& schedule) {
  std::vector<std::pair<std::string, int>> values;
  if (schedule.is_autoscheduled()) return values;  // no knobs
  auto add_node = [&](const std::string& prefix, const NodeSchedule& s) {
    for (const std::string& knob : template_knobs(s.kind))
      values.emplace_back(prefix + knob, get_knob(s, knob));
  };
  if (!schedule.is_group) {
    add_node("", schedule.node);
    return values;
  }
  const GroupParts parts = group_parts(schedule.group.kind);
  if (parts.anchor) add_node("anchor.", schedule.group.anchor);
  if (parts.stage) add_node("stage.", schedule.group.stage);
  if (parts.rows) values.emplace_back("rows", schedule.group.pool_rows);
  return values;
}

Status check_schedule_legal(const KernelSchedule& schedule,
                            const std::vector<TemplateSpace>& space) {
  const std::string name = schedule.template_name();
  const TemplateSpace* match = nullptr;
  std::string names;
  for (const TemplateSpace& t : space) {
    names += (names.empty() ? "" : ", ") + t.name;
    if (t.name == name) match = &t;
  }
  if (!match)
    return make_error("knob 'template': " + name +
                      " does not apply to this kernel (applicable: " + names + ")");
  for (const auto& [knob, value] : schedule_knob_values(schedule)) {
    for (const ScheduleKnob& k : match->knobs) {
      if (k.name != knob) continue;
      if (std::find(k.values.begin(), k.values.end(), value) == k.values.end())
        return make_error("knob '" + knob + "' = " + std::to_string(value) +
                          " is not legal for this kernel (legal: " + join_values(k.values) + ")");
    }
  }
  return Status::ok();
}

}  // namespace kiln
