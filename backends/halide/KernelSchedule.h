// KernelSchedule.h: the schedule of one kernel as a record: a node schedule (an unfused node) or
// a group schedule (a fusion group), printed as text and parsed back, plus the schedule space
// (each template's knobs and their legal values for one kernel).
//
// Text forms (knobs of the template only, in a fixed order):
//   conv_channels(vw=16,tc=2,tx=14,par=1,ue=0)
//   conv_pool{anchor=conv_channels(vw=16,tc=2,tx=7,par=1,ue=0),stage=root(vw=16,par=1,shift=1),rows=8}
//   autoscheduler(adams2019)   (the kernel is scheduled by that Halide autoscheduler; any kernel)
// Knobs: vw vector lanes, tc channel tile (ConvTiled: channels; ConvChannels/GemmPacked: vectors),
// tv vectors per tile, tx register-tile columns (rows of A for gemm_packed), par parallel outer
// loop, shift shifted-inwards tails, ue unrolled epilogue, rows pool rows per task. The storage
// layout (channels-last or not) is not a knob: it is fixed by the kernel's inputs and outputs.
#pragma once

#include <string>
#include <vector>

#include "backends/halide/GroupSchedule.h"
#include "backends/halide/HalideSchedule.h"
#include "ir/Error.h"

namespace kiln {

/// The Halide 14 autoschedulers a kernel can be scheduled with ("mullapudi2016", "li2018",
/// "adams2019"): each is also the name of its template in every kernel's schedule space.
const std::vector<std::string>& halide_autoscheduler_names();
/// True for a name in halide_autoscheduler_names().
bool is_halide_autoscheduler(const std::string& name);

/// The schedule of one kernel.
struct KernelSchedule {
  bool is_group = false;
  NodeSchedule node;    ///< an unfused node's schedule (is_group == false)
  GroupSchedule group;  ///< a fusion group's schedule (is_group == true)
  /// Nonempty: a Halide autoscheduler schedules the whole kernel instead of Kiln's templates
  /// (then `is_group`, `node` and `group` are not part of the schedule).
  std::string autoscheduler;

  /// The schedule "autoscheduler(NAME)" (NAME from halide_autoscheduler_names()).
  static KernelSchedule autoscheduled(const std::string& name);
  bool is_autoscheduled() const { return !autoscheduler.empty(); }

  /// The record text (see the file comment); parse_kernel_schedule reads it back.
  std::string to_string() const;
  /// "conv_channels", or for a group its pattern and anchor template ("conv_pool/conv_channels"),
  /// or the autoscheduler's name ("mullapudi2016").
  std::string template_name() const;
  bool operator==(const KernelSchedule& o) const { return to_string() == o.to_string(); }
};

/// The text of a node schedule with the knobs of its template ("root(vw=8,par=1,shift=1)").
std::string node_schedule_text(const NodeSchedule& schedule);
/// The text of a group schedule.
std::string group_schedule_text(const GroupSchedule& schedule);

/// Parses a schedule text. Knobs a template does not have, unknown templates, malformed numbers
/// and missing knobs are errors whose message names the knob.
Result<KernelSchedule> parse_kernel_schedule(const std::string& text);

/// One knob of a template and its legal values for one kernel.
struct ScheduleKnob {
  std::string name;         ///< "vw", "tc", ... ("anchor.vw", "stage.vw", "rows" in groups)
  std::vector<int> values;  ///< legal values, ascending
};

/// A template that applies to a kernel, with its knobs: part of the kernel's schedule space.
struct TemplateSpace {
  std::string name;  ///< as KernelSchedule::template_name
  std::vector<ScheduleKnob> knobs;
};

/// The knobs of `schedule` as (name, value) pairs, in the order of its template's space.
std::vector<std::pair<std::string, int>> schedule_knob_values(const KernelSchedule& schedule);

/// Checks every knob of `schedule` against the space; the error names the first illegal knob,
/// its value and the legal values.
Status check_schedule_legal(const KernelSchedule& schedule,
                            const std::vector<TemplateSpace>& space);

}  // namespace kiln
