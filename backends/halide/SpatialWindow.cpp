// SpatialWindow.cpp: window geometry and padded reads for Conv and the pools.
#include "backends/halide/SpatialWindow.h"

#include "backends/halide/LoweringContext.h"
#include "ir/shape_rules/WindowGeometry.h"

namespace kiln::halide_lowering {

bool SpatialWindow::has_padding() const {
  for (size_t i = 0; i < kernel.size(); ++i)
    if (pad_begin[i] != 0 || pad_end[i] != 0) return true;
  return false;
}

Result<SpatialWindow> resolve_spatial_window(const Node& node, std::vector<int64_t> kernel,
                                             const std::vector<Halide::Expr>& input_extents,
                                             const std::vector<Halide::Expr>& output_extents) {
  KILN_HALIDE_ASSIGN(attrs, read_window_attributes(node.attrs, kernel));
  SpatialWindow w;
  w.kernel = attrs.kernel;
  w.strides = attrs.strides;
  w.dilations = attrs.dilations;
  w.pad_begin = attrs.pad_begin;
  w.pad_end = attrs.pad_end;
  if (attrs.auto_pad == AutoPad::NotSet) return w;
  // auto_pad depends on the input size: resolved by the shared geometry for static sizes.
  for (size_t i = 0; i < w.spatial_rank(); ++i) {
    const int64_t* in = Halide::Internal::as_const_int(input_extents[i]);
    if (!in) return make_error("auto_pad needs static spatial dims");
    KILN_HALIDE_ASSIGN(dim, resolve_window_dim(attrs, i, *in));
    w.pad_begin[i] = dim.pad_begin;
    w.pad_end[i] = dim.pad_end;
  }
  (void)output_extents;
  return w;
}

Halide::Func pad_spatial(const Halide::Func& input, const std::vector<Halide::Expr>& extents,
                         size_t spatial_rank, const Halide::Expr& exterior,
                         const std::string& name) {
  const size_t rank = extents.size();
  std::vector<Halide::Var> vars;
  for (size_t i = 0; i < rank; ++i) vars.emplace_back("d" + std::to_string(rank - 1 - i));
  std::vector<Halide::Expr> index(vars.begin(), vars.end());
  Halide::Expr inside = Halide::Internal::const_true();
  for (size_t i = rank - spatial_rank; i < rank; ++i) {
    inside = inside && vars[i] >= 0 && vars[i] < extents[i];
    index[i] = Halide::clamp(vars[i], 0, extents[i] - 1);
  }
  Halide::Func padded(name);
  define_pure(padded, vars, Halide::select(inside, input(to_halide_order(index)), exterior));
  return padded;
}

}  // namespace kiln::halide_lowering
