// HalideAutoscheduler.h: schedules a kernel's pipeline with one of Halide 14's autoschedulers
// (Mullapudi2016, Li2018, Adams2019), loaded once per process from Debian's plugins, the
// alternative to Kiln's templates that a `autoscheduler(NAME)` schedule record asks for.
//
// Adams2019 uses the baseline cost-model weights built into Debian's plugin (no weights file
// ships); $HL_WEIGHTS_DIR, if set, makes it load others instead (Halide's own variable).
//
// What a plugin writes to std::cerr (Adams2019's beam search log) is captured per thread
// (CerrCapture.h) and shown only in the error when it fails; $KILN_AUTOSCHEDULER_VERBOSE=1 lets
// it through instead and adds a line per kernel with the time the plugin took (2: and its
// schedule as Halide source). Adams2019 runs on several kernels at once (as many as the
// available memory allows, 6 GB each) with its defaults (beam 32, 5 passes; Halide's
// HL_BEAM_SIZE / HL_NUM_PASSES change them), except that Kiln sets
// HL_DISABLE_MEMOIZED_FEATURES=1 unless it is set: the same schedules, faster, in less memory.
#pragma once

#include <Halide.h>

#include <string>

#include "ir/Error.h"

namespace kiln {

/// The plugin file of autoscheduler `name`: libautoschedule_NAME.so in
/// $KILN_HALIDE_AUTOSCHEDULER_DIR, by default Debian's /usr/lib/<multiarch>/halide14.
std::string halide_autoscheduler_plugin(const std::string& name);

/// The machine the autoschedulers plan for: this machine's cores ($KILN_AUTOSCHEDULER_CORES
/// overrides the count), the cache one core can count on in bytes (its L2 plus its share of the
/// L3, from the host's MachineModel; $KILN_AUTOSCHEDULER_CACHE_BYTES overrides it) and Halide's
/// default load/compute balance of 40.
Halide::MachineParams autoscheduler_machine_params();

/// Loads the plugin of `name` (once per process) and runs it on `pipeline`, whose inputs,
/// symbols and outputs must carry estimates, then adds the lowering pass that makes Li2018's
/// predicated atomic stores compilable (AtomicStoreScalarizer.h). A missing plugin or a
/// Halide::Error from it is an error naming `kernel_name` and the plugin (with the end of the
/// plugin's log), never an abort. Safe to call from several threads. `schedule_source`, if
/// given, receives the schedule the plugin chose, as Halide source.
Status run_halide_autoscheduler(Halide::Pipeline& pipeline, const std::string& name,
                                const Halide::Target& target, const std::string& kernel_name,
                                std::string* schedule_source = nullptr);

}  // namespace kiln
