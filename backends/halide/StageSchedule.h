// StageSchedule.h: schedules for Funcs with update stages (scans, scatters, integer
// accumulators): which dims of an update are pure, and the Root-like schedule of every stage.
#pragma once

#include <Halide.h>

#include <vector>

#include "backends/halide/HalideSchedule.h"

namespace kiln {

/// The pure dims of stage `stage` of `f` (-1: the pure definition), innermost first: all of f's
/// args for the pure stage; for an update, the args its left-hand side indexes with the pure Var
/// itself (the others are reduction or computed indices, which stay serial).
std::vector<Halide::Var> stage_pure_vars(const Halide::Func& f, int stage);

/// Stores `f` and schedules each of its stages like Root: the pure stage vectorised along its
/// innermost dim and parallel over the outer ones; each update vectorised along its innermost
/// pure dim, moved inside the reduction loops (each reduction step is then a vector
/// operation), and parallel over its two outermost pure dims (fused; with only two, the outer
/// one). An update without pure dims (a
/// scatter whose left-hand side is data-dependent) runs serially, in its reduction order.
void apply_update_schedule(const NodeSchedule& schedule, Halide::Func f);

}  // namespace kiln
