// MeasureWorker.h: the measurement worker's side of the tuner: load one candidate library, run
// its kernel with warm-up and repeats, write its outputs, report the times. It runs in a process
// of its own (`kiln tune-worker SPEC`, or `kiln-device-host --measure SPEC` for GPU candidates,
// whose drivers must not meet Halide's LLVM), so a crash or hang costs one candidate.
#pragma once

#include "backends/halide/measure/MeasureSpec.h"

namespace kiln {

/// Names a candidate library for a GPU target exports beside its kernel (see
/// KernelMeasure.cpp), each `int NAME(halide_buffer_t*)`: wait for the device work on a buffer,
/// copy a buffer's device data to its host memory, and free its device memory.
inline constexpr const char* kMeasureDeviceSync = "kiln_measure_device_sync";
inline constexpr const char* kMeasureCopyToHost = "kiln_measure_copy_to_host";
inline constexpr const char* kMeasureDeviceFree = "kiln_measure_device_free";

/// Loads the library, runs the kernel, writes the outputs, returns the times. A GPU candidate is
/// timed until its outputs are ready on the device (inputs stay on the device between runs, as
/// weights and intermediates do in a model library), and its outputs are copied back before
/// they are written. Halide errors come back as status "error"; crashes are the parent's to
/// observe.
MeasureResult run_measurement(const MeasureSpec& spec);

}  // namespace kiln
