// StageSchedule.cpp: pure dims of update stages and the schedule of Funcs with updates.
#include "backends/halide/StageSchedule.h"

#include <string>

namespace kiln {

std::vector<Halide::Var> stage_pure_vars(const Halide::Func& f, int stage) {
  std::vector<Halide::Var> args = f.args();
  if (stage < 0) return args;
  std::vector<Halide::Var> vars;
  const std::vector<Halide::Expr> lhs = f.update_args(stage);
  for (size_t i = 0; i < lhs.size() && i < args.size(); ++i) {
    const auto* v = lhs[i].as<Halide::Internal::Variable>();
    if (v && v->name == args[i].name()) vars.push_back(args[i]);
  }
  return vars;
}

void apply_update_schedule(const NodeSchedule& schedule, Halide::Func f) {
  NodeSchedule pure = schedule;
  pure.kind = ScheduleTemplate::Root;
  pure.shift_tails = false;  // the Func's own extents may be smaller than a vector
  pure.channels_last = false;
  apply_root_schedule(pure, f, /*store=*/true);
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    const std::vector<Halide::Var> vars = stage_pure_vars(f, u);
    if (vars.empty()) {  // a scatter: every index comes from data, so it runs serially, in order
      f.update(u).unscheduled();
      continue;
    }
    Halide::Stage stage = f.update(u);
    std::vector<Halide::VarOrRVar> order = {vars[0]};
    for (const Halide::RVar& r : f.rvars(u)) order.push_back(r);
    for (size_t i = 1; i < vars.size(); ++i) order.push_back(vars[i]);
    if (order.size() > 1) stage.reorder(order);
    if (schedule.vector_width > 1)
      stage.vectorize(vars[0], schedule.vector_width, Halide::TailStrategy::GuardWithIf);
    if (schedule.parallel && vars.size() >= 3) {
      Halide::Var fused(f.name() + "_u" + std::to_string(u) + "_outer");
      stage.fuse(vars[vars.size() - 2], vars.back(), fused).parallel(fused);
    } else if (schedule.parallel && vars.size() == 2) {
      stage.parallel(vars.back());
    }
  }
}

}  // namespace kiln
