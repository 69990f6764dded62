// CandidateSpace.cpp: sampling, mutating, printing and featurising schedule candidates.
#include "tuner/CandidateSpace.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace kiln::tuner {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  Rng rng(a ^ (b * 0xd1b54a32d192ed03ULL));
  return rng.next();
}

CandidateSpace::CandidateSpace(std::vector<TemplateSpace> space,
                               const std::string& default_schedule)
    : space_(std::move(space)), stage_template_("root") {
  const size_t at = default_schedule.find("stage=");
  if (at != std::string::npos) {
    const size_t open = default_schedule.find('(', at);
    if (open != std::string::npos) stage_template_ = default_schedule.substr(at + 6, open - at - 6);
  }
  for (TemplateSpace& t : space_)  // a knob without values cannot be sampled: keep one value
    for (ScheduleKnob& k : t.knobs)
      if (k.values.empty()) k.values.push_back(0);
}

std::optional<std::string> CandidateSpace::text(const Candidate& c) const {
  if (c.templ < 0 || size_t(c.templ) >= space_.size()) return std::nullopt;
  const TemplateSpace& t = space_[size_t(c.templ)];
  auto knob_list = [&](const std::string& prefix) {
    std::string out;
    for (size_t i = 0; i < t.knobs.size(); ++i) {
      const std::string& name = t.knobs[i].name;
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      if (prefix.empty() && name.find('.') != std::string::npos) continue;
      out += (out.empty() ? "" : ",") + name.substr(prefix.size()) + "=" +
             std::to_string(t.knobs[i].values[size_t(c.knobs[i])]);
    }
    return out;
  };
  // Halide's autoschedulers are templates without knobs: "autoscheduler(NAME)".
  if (is_halide_autoscheduler(t.name)) return KernelSchedule::autoscheduled(t.name).to_string();
  std::string text;
  const size_t slash = t.name.find('/');
  bool is_group = slash != std::string::npos;
  bool has_stage = false, has_rows = false;
  for (const ScheduleKnob& k : t.knobs) {
    has_stage |= k.name.rfind("stage.", 0) == 0;
    has_rows |= k.name == "rows";
  }
  is_group |= has_stage;
  if (!is_group) {
    text = t.name + "(" + knob_list("") + ")";
  } else {
    std::string parts;
    if (slash != std::string::npos)
      parts = "anchor=" + t.name.substr(slash + 1) + "(" + knob_list("anchor.") + ")";
    if (has_stage)
      parts += (parts.empty() ? "" : ",") + std::string("stage=") + stage_template_ + "(" +
               knob_list("stage.") + ")";
    if (has_rows) {
      for (size_t i = 0; i < t.knobs.size(); ++i)
        if (t.knobs[i].name == "rows")
          parts += ",rows=" + std::to_string(t.knobs[i].values[size_t(c.knobs[i])]);
    }
    text = t.name.substr(0, slash) + "{" + parts + "}";
  }
  Result<KernelSchedule> parsed = parse_kernel_schedule(text);
  if (!parsed) return std::nullopt;
  return parsed->to_string();
}

std::optional<Candidate> CandidateSpace::find(const std::string& schedule) const {
  Result<KernelSchedule> parsed = parse_kernel_schedule(schedule);
  if (!parsed) return std::nullopt;
  const std::string name = parsed->template_name();
  for (size_t t = 0; t < space_.size(); ++t) {
    if (space_[t].name != name) continue;
    Candidate c;
    c.templ = int(t);
    for (const ScheduleKnob& k : space_[t].knobs) {
      int index = -1;
      for (const auto& [knob, value] : schedule_knob_values(*parsed))
        if (knob == k.name)
          for (size_t v = 0; v < k.values.size(); ++v)
            if (k.values[v] == value) index = int(v);
      if (index < 0) return std::nullopt;
      c.knobs.push_back(index);
    }
    return c;
  }
  return std::nullopt;
}

Candidate CandidateSpace::random(Rng& rng) const {
  Candidate c;
  c.templ = int(rng.below(space_.size()));
  for (const ScheduleKnob& k : space_[size_t(c.templ)].knobs)
    c.knobs.push_back(int(rng.below(k.values.size())));
  return c;
}

Candidate CandidateSpace::mutate(const Candidate& c, Rng& rng) const {
  Candidate m = c;
  const TemplateSpace& t = space_[size_t(m.templ)];
  if (t.knobs.empty()) return random(rng);
  const int moves = 1 + int(rng.below(2));
  for (int i = 0; i < moves; ++i) {
    const size_t k = rng.below(t.knobs.size());
    const int n = int(t.knobs[k].values.size());
    if (n <= 1) continue;
    if (rng.real() < 0.6) {  // a neighbouring value
      const int step = rng.below(2) ? 1 : -1;
      m.knobs[k] = std::clamp(m.knobs[k] + step, 0, n - 1);
    } else {
      m.knobs[k] = int(rng.below(uint64_t(n)));
    }
  }
  return m;
}

std::vector<Candidate> CandidateSpace::enumerate(size_t limit) const {
  std::vector<Candidate> all;
  if (size() > double(limit)) return all;
  for (size_t t = 0; t < space_.size(); ++t) {
    Candidate c;
    c.templ = int(t);
    c.knobs.assign(space_[t].knobs.size(), 0);
    while (true) {
      all.push_back(c);
      size_t k = 0;
      for (; k < c.knobs.size(); ++k) {
        if (++c.knobs[k] < int(space_[t].knobs[k].values.size())) break;
        c.knobs[k] = 0;
      }
      if (k == c.knobs.size()) break;
    }
  }
  return all;
}

std::vector<double> CandidateSpace::features(const Candidate& c) const {
  std::vector<double> f;
  for (size_t t = 0; t < space_.size(); ++t) {
    const bool on = int(t) == c.templ;
    f.push_back(on ? 1.0 : 0.0);
    std::vector<double> logs;
    for (size_t k = 0; k < space_[t].knobs.size(); ++k)
      logs.push_back(on ? std::log2(1.0 + space_[t].knobs[k].values[size_t(c.knobs[k])]) : 0.0);
    for (double v : logs) f.push_back(v);
    for (double v : logs) f.push_back(v * v);
    for (size_t a = 0; a < logs.size(); ++a)
      for (size_t b = a + 1; b < logs.size(); ++b) f.push_back(logs[a] * logs[b]);
  }
  return f;
}

double CandidateSpace::size() const {
  double total = 0;
  for (const TemplateSpace& t : space_) {
    double n = 1;
    for (const ScheduleKnob& k : t.knobs) n *= double(k.values.size());
    total += n;
  }
  return total;
}

std::vector<TemplateSpace> pin_parallel_knobs(std::vector<TemplateSpace> space,
                                              const std::string& default_schedule) {
  Result<KernelSchedule> parsed = parse_kernel_schedule(default_schedule);
  if (!parsed) return space;
  auto is_parallel = [](const std::string& knob) {
    return knob == "par" || (knob.size() > 4 && knob.compare(knob.size() - 4, 4, ".par") == 0);
  };
  std::optional<int> first;
  std::map<std::string, int> defaults;
  for (const auto& [knob, value] : schedule_knob_values(*parsed))
    if (is_parallel(knob)) {
      defaults[knob] = value;
      if (!first) first = value;
    }
  if (!first) return space;
  for (TemplateSpace& t : space)
    for (ScheduleKnob& k : t.knobs) {
      if (!is_parallel(k.name)) continue;
      auto found = defaults.find(k.name);
      const int value = found != defaults.end() ? found->second : *first;
      if (std::find(k.values.begin(), k.values.end(), value) != k.values.end()) k.values = {value};
    }
  return space;
}

}  // namespace kiln::tuner
