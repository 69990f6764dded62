// CandidateSpace.h: a kernel's schedule space as candidates the search can sample, mutate,
// print as schedule texts and describe by features for the cost model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/halide/KernelSchedule.h"

namespace kiln::tuner {

/// A deterministic random number generator (splitmix64): the same seed gives the same stream
/// on every machine and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [0, n) (n > 0).
  uint64_t below(uint64_t n) { return next() % n; }
  /// Uniform in [0, 1).
  double real() { return double(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

/// Mixes values into one seed.
uint64_t mix_seed(uint64_t a, uint64_t b);

/// One point of a schedule space: a template and an index into each knob's legal values.
struct Candidate {
  int templ = 0;
  std::vector<int> knobs;
};

/// The schedule space of one kernel.
class CandidateSpace {
 public:
  /// `space` from kernel_schedule_space; `default_schedule` is the kernel's default text (it
  /// names the parts of a group schedule that are not knobs, such as the stage's template).
  CandidateSpace(std::vector<TemplateSpace> space, const std::string& default_schedule);

  /// The schedule text of `c`, canonical (as KernelSchedule::to_string prints it); nullopt when
  /// it does not parse.
  std::optional<std::string> text(const Candidate& c) const;
  /// The candidate of a schedule text, when it lies in the space.
  std::optional<Candidate> find(const std::string& schedule) const;
  /// A uniformly random template and knob values.
  Candidate random(Rng& rng) const;
  /// `c` with one or two knobs moved (to a neighbouring value, or anywhere).
  Candidate mutate(const Candidate& c, Rng& rng) const;
  /// Every candidate, when there are at most `limit` (else empty).
  std::vector<Candidate> enumerate(size_t limit) const;
  /// Features for the cost model: per template an indicator, each knob's log2(value + 1), its
  /// square and the pairwise products of a template's knobs (zero for other templates).
  std::vector<double> features(const Candidate& c) const;
  /// Number of points in the space.
  double size() const;
  bool empty() const { return space_.empty(); }

 private:
  std::vector<TemplateSpace> space_;
  std::string stage_template_;  ///< "root" or what the default's group stage uses
};

/// `space` with every parallelism knob ("par", "anchor.par", "stage.par") pinned to the value
/// `default_schedule` gives it (in other templates: to the default's first parallelism value).
/// Measurements on one thread cannot tell a parallel loop from a serial one, so records tuned
/// there keep the default's choice and stay good when the library runs on more threads.
std::vector<TemplateSpace> pin_parallel_knobs(std::vector<TemplateSpace> space,
                                              const std::string& default_schedule);

}  // namespace kiln::tuner
