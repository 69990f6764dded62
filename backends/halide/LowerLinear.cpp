// LowerLinear.cpp: Halide lowerings of Gemm and MatMul (batched, broadcasting, 1-D operands) as
// an accumulator with an RDom over the shared dim K; the output Func applies alpha/beta. Under
// the GemmPacked schedule a constant B is pre-packed and the accumulator blocked to match.
#include "backends/halide/OpLowerings.h"
#include "backends/halide/WeightPacking.h"

namespace kiln::halide_lowering {
namespace {

using Halide::Expr;
using Halide::Func;

// Index of a batched operand's element: its batch dims broadcast against the output's batch
// index, then its own two matrix indices.
std::vector<Expr> batched_index(const std::vector<Expr>& operand_extents,
                                const std::vector<Expr>& out_batch_index, Expr row, Expr col) {
  const size_t operand_batch = operand_extents.size() - 2;
  const size_t offset = out_batch_index.size() - operand_batch;
  std::vector<Expr> index;
  for (size_t i = 0; i < operand_batch; ++i)
    index.push_back(is_const_int(operand_extents[i], 1) ? Expr(0) : out_batch_index[offset + i]);
  index.push_back(row);
  index.push_back(col);
  return index;
}

NodeLowering with_accumulator(Func out, Func acc, const Halide::RDom& r, std::vector<Expr> extents,
                              DType dtype) {
  NodeLowering lowering = single_output(out, std::move(extents), dtype);
  lowering.funcs.accumulator = acc;
  lowering.funcs.reduction_vars.push_back(r[0]);
  return lowering;
}

// alpha * product + beta * C (C broadcast to [M, N]) for output index (m, n).
Result<Expr> gemm_epilogue(LoweringContext& ctx, const Node& node, Expr product, Halide::Type type,
                           const Expr& m, const Expr& n) {
  const double alpha = node.attrs.get_float("alpha", 1.0);
  const double beta = node.attrs.get_float("beta", 1.0);
  if (alpha != 1.0) product = product * Halide::cast(type, Expr(alpha));
  if (const Value* c_value = node.input(2)) {
    KILN_HALIDE_ASSIGN(c, ctx.value(c_value));
    Expr c_elem = c.at(broadcast_index(c, {m, n}));
    product = product + (beta == 1.0 ? c_elem : c_elem * Halide::cast(type, Expr(beta)));
  }
  return product;
}

// The GemmPacked form: B ([K, N], or [N, K] under transB) packed at compile time as
// [N/B, K, B] (zeros past N), so one vector load reads B features of one k:
//   acc(nv, m, nb) = sum over k of A[m, k] * packed[nb, k, nv]
//   out(n, m) = alpha * acc(n % B, m, n / B) + beta * C
Result<NodeLowering> gemm_packed(LoweringContext& ctx, const Node& node,
                                 const NodeSchedule& schedule) {
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(type, to_halide_type(a.dtype));
  KILN_HALIDE_ASSIGN(out_extents, ctx.extents_of(node.output(0)));
  const Value* b = node.input(1);
  const bool trans_b = node.attrs.get_int("transB", 0) != 0;
  const int block = schedule.channel_block();
  LoweredValue packed = ctx.derived_weight(
      b, "packed" + std::to_string(block),
      pack_blocked(*b->constant, trans_b ? std::vector<int>{1, 0} : std::vector<int>{0, 1}, block));
  Halide::Var nv("nv"), row("d1"), nb("nb");
  Halide::RDom r(0, a.extents[1], ctx.make_func(node, "r").name());
  Func acc = ctx.make_func(node, "acc");
  acc(nv, row, nb) = Halide::cast(type, 0);
  acc(nv, row, nb) += a.at({row, r}) * packed.func(nv, r, nb);

  std::vector<Halide::Var> vars = ctx.make_vars(2);
  const Halide::Var &m = vars[0], &n = vars[1];
  KILN_HALIDE_ASSIGN(result, gemm_epilogue(ctx, node, acc(n % block, m, n / block), type, m, n));
  Func out = ctx.make_func(node);
  define_pure(out, vars, result);
  NodeLowering lowering = with_accumulator(out, acc, r, out_extents, a.dtype);
  lowering.funcs.row_count = out_extents[0];
  return lowering;
}

}  // namespace

Result<NodeLowering> lower_Gemm(LoweringContext& ctx, const Node& node) {
  const NodeSchedule schedule = ctx.schedule_of(node);
  if (schedule.kind == ScheduleTemplate::GemmPacked) return gemm_packed(ctx, node, schedule);
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(b, ctx.value(node.input(1)));
  if (a.rank() != 2 || b.rank() != 2) return make_error("Gemm needs 2-D A and B");
  const bool trans_a = node.attrs.get_int("transA", 0) != 0;
  const bool trans_b = node.attrs.get_int("transB", 0) != 0;
  KILN_HALIDE_ASSIGN(type, to_halide_type(a.dtype));
  Expr m_extent = a.extents[trans_a ? 1 : 0], k_extent = a.extents[trans_a ? 0 : 1];
  Expr n_extent = b.extents[trans_b ? 0 : 1];

  std::vector<Halide::Var> vars = ctx.make_vars(2);
  const Halide::Var &m = vars[0], &n = vars[1];
  Halide::RDom r(0, k_extent, ctx.make_func(node, "r").name());
  Expr a_elem = trans_a ? a.at({r, m}) : a.at({m, r});
  Expr b_elem = trans_b ? b.at({n, r}) : b.at({r, n});
  Func acc = ctx.make_func(node, "acc");
  define_pure(acc, vars, Halide::cast(type, 0));
  acc(n, m) += a_elem * b_elem;

  std::vector<Expr> extents = {m_extent, n_extent};
  KILN_HALIDE_ASSIGN(result, gemm_epilogue(ctx, node, acc(n, m), type, m, n));
  Func out = ctx.make_func(node);
  define_pure(out, vars, result);
  NodeLowering lowering = with_accumulator(out, acc, r, extents, a.dtype);
  lowering.funcs.reduction_inputs = {a.func, b.func};
  return lowering;
}

Result<NodeLowering> lower_MatMul(LoweringContext& ctx, const Node& node) {
  KILN_HALIDE_ASSIGN(a, ctx.value(node.input(0)));
  KILN_HALIDE_ASSIGN(b, ctx.value(node.input(1)));
  if (a.rank() == 0 || b.rank() == 0) return make_error("MatMul operands must have rank >= 1");
  KILN_HALIDE_ASSIGN(type, to_halide_type(a.dtype));
  // 1-D operands become matrices ([K] -> [1,K] for A, [K,1] for B); the unit dim is dropped
  // from the result again below.
  std::vector<Expr> a_ext = a.extents, b_ext = b.extents;
  if (a.rank() == 1) a_ext.insert(a_ext.begin(), Expr(1));
  if (b.rank() == 1) b_ext.push_back(Expr(1));
  std::vector<Expr> batch = broadcast_extents(std::vector<Expr>(a_ext.begin(), a_ext.end() - 2),
                                              std::vector<Expr>(b_ext.begin(), b_ext.end() - 2));
  const Expr m_extent = a_ext[a_ext.size() - 2], k_extent = a_ext.back();
  const Expr n_extent = b_ext.back();

  std::vector<Expr> full_extents = batch;
  full_extents.push_back(m_extent);
  full_extents.push_back(n_extent);
  std::vector<Halide::Var> vars = ctx.make_vars(full_extents.size());
  std::vector<Expr> batch_index(vars.begin(), vars.end() - 2);
  const Halide::Var &m = vars[vars.size() - 2], &n = vars.back();
  Halide::RDom r(0, k_extent, ctx.make_func(node, "r").name());

  std::vector<Expr> a_index = batched_index(a_ext, batch_index, m, r);
  if (a.rank() == 1) a_index = {r};
  std::vector<Expr> b_index = batched_index(b_ext, batch_index, r, n);
  if (b.rank() == 1) b_index = {r};
  Func acc = ctx.make_func(node, "acc");
  define_pure(acc, vars, Halide::cast(type, 0));
  acc(to_halide_order(as_exprs(vars))) += a.at(a_index) * b.at(b_index);

  // The result drops the unit dims the 1-D operands introduced.
  std::vector<Expr> out_extents = batch;
  if (a.rank() != 1) out_extents.push_back(m_extent);
  if (b.rank() != 1) out_extents.push_back(n_extent);
  std::vector<Halide::Var> out_vars = ctx.make_vars(out_extents.size());
  std::vector<Expr> acc_index(out_vars.begin(), out_vars.begin() + long(batch.size()));
  size_t next = batch.size();
  acc_index.push_back(a.rank() == 1 ? Expr(0) : Expr(out_vars[next++]));
  acc_index.push_back(b.rank() == 1 ? Expr(0) : Expr(out_vars[next++]));
  Func out = ctx.make_func(node);
  define_pure(out, out_vars, acc(to_halide_order(acc_index)));
  NodeLowering lowering = with_accumulator(out, acc, r, out_extents, a.dtype);
  lowering.funcs.reduction_inputs = {a.func, b.func};
  return lowering;
}

}  // namespace kiln::halide_lowering
