// WindowPlan.cpp: adapts the shared window geometry to the reference kernels' fixed
// three-dim loop nests.
#include "backends/reference/WindowPlan.h"

#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::reference {

Result<WindowPlan> plan_window(const Attributes& attrs, const std::vector<int64_t>& spatial_input,
                               const std::vector<int64_t>& kernel) {
  if (spatial_input.size() > WindowPlan::kDims)
    return make_error("windows over more than 3 spatial dims are not supported");
  Result<WindowAttributes> window = read_window_attributes(attrs, kernel);
  if (!window) return window.error();
  Result<std::vector<WindowDim>> resolved = resolve_window(*window, spatial_input);
  if (!resolved) return resolved.error();
  WindowPlan plan;
  // Spatial dim i lands in slot `first + i`, leaving the unused leading slots at size 1.
  size_t first = WindowPlan::kDims - spatial_input.size();
  for (size_t i = 0; i < spatial_input.size(); ++i) {
    size_t slot = first + i;
    plan.input[slot] = spatial_input[i];
    plan.output[slot] = (*resolved)[i].output;
    plan.kernel[slot] = window->kernel[i];
    plan.stride[slot] = window->strides[i];
    plan.dilation[slot] = window->dilations[i];
    plan.pad_begin[slot] = (*resolved)[i].pad_begin;
    plan.pad_end[slot] = (*resolved)[i].pad_end;
  }
  return plan;
}

}  // namespace kiln::reference
