// HalideLowering.cpp: the driver that partitions the graph into kernels and, per kernel, asks
// each op's lowering for its Funcs, applies the kernel's schedule and assembles its Pipeline.
#include "backends/halide/HalideLowering.h"

#include <algorithm>
#include <map>
#include <set>

#include "backends/halide/GpuSchedule.h"
#include "backends/halide/GroupSchedule.h"
#include "backends/halide/HalideAutoscheduler.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/LoweringContext.h"
#include "backends/halide/MachineModel.h"
#include "backends/halide/OpLowerings.h"
#include "backends/halide/ParallelFor.h"
#include "ir/OpSchema.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace kiln {
namespace {

using Halide::Expr;
using Halide::Func;

// Shape arithmetic (Shape -> Gather -> Concat ...) that shape inference already evaluated
// becomes a small constant Func over the symbol parameters, whatever op computed it.
std::optional<NodeLowering> lower_known_dims(LoweringContext& ctx, const Node& node) {
  NodeLowering lowering;
  for (const Value* out : node.outputs) {
    if (!out || !out->known_dims || !out->type.shape || out->type.shape->size() > 1) return {};
    auto type = to_halide_type(out->type.dtype);
    if (!type || !type->is_int()) return {};
    std::vector<Expr> elements;
    for (const Dim& d : *out->known_dims) {
      if (is_integer_dim(d)) {  // plain integers, possibly negative (Reshape's -1)
        elements.push_back(
            Halide::cast(*type, Expr(int(std::clamp<int64_t>(d.value, -(1 << 30), 1 << 30)))));
        continue;
      }
      auto e = ctx.extent_of(d);
      if (!e) return {};
      elements.push_back(Halide::cast(*type, *e));
    }
    if (elements.empty()) return {};
    Func f = ctx.make_func(node);
    std::vector<Expr> extents;
    if (out->type.shape->empty()) {
      f() = elements[0];
    } else {
      Halide::Var i("d0");
      Expr value = elements.back();
      for (size_t k = elements.size() - 1; k-- > 0;)
        value = Halide::select(i == int(k), elements[k], value);
      f(i) = value;
      extents.push_back(int(elements.size()));
    }
    lowering.outputs.push_back(LoweredValue{f, extents, out->type.dtype});
    lowering.funcs.output = f;
  }
  return lowering;
}

Result<NodeLowering> lower_node(LoweringContext& ctx, const Node& node) {
  if (std::optional<NodeLowering> known = lower_known_dims(ctx, node)) return *known;
  halide_lowering::OpLoweringFn fn = halide_lowering::find_op_lowering(node.op);
  if (!fn) return make_error("op '" + node.op + "' has no Halide lowering");
  return fn(ctx, node);
}

// Root schedule of a plain copy Func (an output that is not a node's own Func).
void schedule_copy(Func f, const Halide::Target& target, bool channels_last) {
  std::vector<Halide::Var> args = f.args();
  if (args.empty()) return;
  const int lanes = target.natural_vector_size(Halide::Float(32));
  if (channels_last && args.size() == 4) {
    f.reorder(args[2], args[0], args[1], args[3]);
    f.vectorize(args[2], lanes, Halide::TailStrategy::GuardWithIf);
    return;
  }
  f.vectorize(args[0], lanes, Halide::TailStrategy::GuardWithIf);
}

// The plain (non-blocked) schedule of a node for an autoscheduled kernel: Conv and Gemm then
// build a plain accumulator over the weights as they are, which the autoscheduler schedules.
NodeSchedule plain_schedule(const Node& node) {
  NodeSchedule s;
  s.kind = is_convolution_op(node.op) ? ScheduleTemplate::ConvTiled
           : node.op == "Gemm"        ? ScheduleTemplate::GemmTiled
                                      : ScheduleTemplate::Root;
  return s;
}

// The value of an extent with every symbol at `batch`, for an autoscheduler's estimates.
Result<int> estimate_of(Expr extent, const std::vector<Halide::Param<int32_t>>& symbols,
                        int batch) {
  for (const Halide::Param<int32_t>& p : symbols)
    extent = Halide::Internal::substitute(p.name(), Expr(batch), extent);
  extent = Halide::Internal::simplify(extent);
  const int64_t* value = Halide::Internal::as_const_int(extent);
  if (!value) return make_error("an extent the autoscheduler cannot estimate");
  return int(*value);
}

// Estimates on a buffer's dims (Halide order) from IR-order extents; returns them.
Result<Halide::Region> set_buffer_estimates(std::vector<Halide::Internal::Dimension> dims,
                                            const std::vector<Expr>& extents,
                                            const std::vector<Halide::Param<int32_t>>& symbols,
                                            int batch) {
  if (dims.size() != extents.size()) return make_error("buffer rank differs from its value's");
  Halide::Region region;
  for (size_t d = 0; d < dims.size(); ++d) {
    KILN_HALIDE_ASSIGN(extent, estimate_of(extents[extents.size() - 1 - d], symbols, batch));
    dims[d].set_estimate(0, extent);
    region.emplace_back(0, extent);
  }
  return region;
}

std::vector<Halide::Internal::Dimension> dims_of(const Halide::ImageParam& p) {
  std::vector<Halide::Internal::Dimension> dims;
  for (int d = 0; d < p.dimensions(); ++d) dims.push_back(p.dim(d));
  return dims;
}

struct KernelLowering {
  LoweredKernel kernel;
  std::vector<const Value*> weights;  ///< the constants behind the weight arguments
  std::vector<std::shared_ptr<Value>> derived;
};

Result<KernelLowering> lower_kernel(const Graph& graph, const KernelPartition& partition, int index,
                                    const Halide::Target& target, const ScheduleOptions& options) {
  const KernelPlan& plan = partition.kernels[size_t(index)];
  LoweringContext ctx(graph, target, options);
  KernelLowering result;
  LoweredKernel& kernel = result.kernel;
  kernel.plan = index;
  ctx.bind_symbols(partition.symbols);
  for (size_t i = 0; i < partition.symbols.size(); ++i) {
    kernel.arguments.emplace_back(ctx.symbol_params()[i]);
    kernel.bindings.push_back({KernelArgument::Kind::Symbol, int(i)});
    kernel.symbol_params.push_back(ctx.symbol_params()[i]);
  }
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const BoundaryTensor& t = partition.tensors[size_t(plan.inputs[i])];
    auto param = ctx.bind_tensor(t.value, t.channels_last, "in" + std::to_string(i));
    if (!param) return Error{"", plan.name, param.error().message};
    kernel.arguments.emplace_back(*param);
    kernel.bindings.push_back({KernelArgument::Kind::Tensor, plan.inputs[i]});
    kernel.buffer_params.push_back(*param);
  }

  const KernelSchedule& schedule = plan.schedule;
  const bool autoscheduled = schedule.is_autoscheduled();
  if (autoscheduled) {
    for (const Node* node : plan.stored) ctx.set_schedule(*node, plain_schedule(*node));
    for (const Node* node : plan.inlined) ctx.set_schedule(*node, plain_schedule(*node));
  } else if (plan.group) {
    if (const Node* anchor = group_anchor(plan.stored))
      ctx.set_schedule(*anchor, schedule.group.anchor);
  } else if (!plan.copy_of) {
    ctx.set_schedule(*plan.stored.front(), schedule.node);
  }

  std::vector<const Node*> nodes = plan.inlined;
  nodes.insert(nodes.end(), plan.stored.begin(), plan.stored.end());
  std::map<const Node*, size_t> order;
  for (size_t i = 0; i < graph.nodes().size(); ++i) order[graph.nodes()[i].get()] = i;
  std::sort(nodes.begin(), nodes.end(),
            [&](const Node* a, const Node* b) { return order[a] < order[b]; });
  std::map<const Node*, NodeFuncs> funcs;
  for (const Node* node : nodes) {
    Result<NodeLowering> lowering = lower_node(ctx, *node);
    if (!lowering) return Error{"", node->name, lowering.error().message};
    if (lowering->outputs.size() < node->outputs.size())
      return Error{"", node->name, "the lowering produced too few outputs"};
    for (size_t i = 0; i < node->outputs.size(); ++i)
      if (node->outputs[i]) ctx.set_value(node->outputs[i], lowering->outputs[i]);
    funcs[node] = lowering->funcs;
  }

  if (autoscheduled && is_gpu_target(target))
    return Error{"", plan.name,
                 "the Halide autoschedulers are not used for GPU targets (" + target.to_string() +
                     "): use Kiln's gpu_tile schedules"};
  const bool gpu_copy = is_gpu_target(target);
  // Outputs: a stored node's own Func serves once; anything else is written through a copy.
  std::vector<Func> outputs;
  std::set<std::string> own_funcs, used;
  for (const Node* node : plan.stored)
    if (funcs[node].output.defined()) own_funcs.insert(funcs[node].output.name());
  for (int t : plan.outputs) {
    const BoundaryTensor& tensor = partition.tensors[size_t(t)];
    const Value* source = plan.copy_of ? plan.copy_of : tensor.value;
    auto value = ctx.value(source);
    if (!value) return Error{"", plan.name, value.error().message};
    Func f = value->func;
    if (!own_funcs.count(f.name()) || used.count(f.name())) {
      Func copy(halide_safe_name("out_" + tensor.value->name));
      std::vector<Halide::Var> vars = ctx.make_vars(value->rank());
      define_pure(copy, vars, value->at(as_exprs(vars)));
      if (gpu_copy) {
        apply_gpu_tile(gpu_tile_schedule(tensor.value), copy, /*store=*/false);
      } else if (!autoscheduled) {
        schedule_copy(copy, target, tensor.channels_last);
      }
      f = copy;
    }
    used.insert(f.name());
    std::vector<Halide::Internal::Dimension> dims;
    for (size_t d = 0; d < value->rank(); ++d) dims.push_back(f.output_buffer().dim(int(d)));
    constrain_dense(dims, value->extents, tensor.channels_last);
    if (autoscheduled) {
      auto region =
          set_buffer_estimates(dims, value->extents, ctx.symbol_params(), options.estimate_batch);
      if (!region) return Error{"", plan.name, region.error().message};
      f.set_estimates(*region);
    }
    outputs.push_back(f);
    kernel.outputs.push_back(t);
  }

  if (autoscheduled) {  // estimates for the autoscheduler, which lower_kernels runs
    for (Halide::Param<int32_t> p : ctx.symbol_params())  // a copy shares the parameter
      p.set_estimate(options.estimate_batch);
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
      const BoundaryTensor& t = partition.tensors[size_t(plan.inputs[i])];
      auto extents = ctx.extents_of(t.value);
      if (!extents) return Error{"", plan.name, extents.error().message};
      auto region = set_buffer_estimates(dims_of(kernel.buffer_params[i]), *extents,
                                         ctx.symbol_params(), options.estimate_batch);
      if (!region) return Error{"", plan.name, region.error().message};
    }
    for (size_t i = 0; i < ctx.weight_params().size(); ++i) {
      auto extents = ctx.extents_of(ctx.weight_values()[i]);
      if (!extents) return Error{"", plan.name, extents.error().message};
      auto region = set_buffer_estimates(dims_of(ctx.weight_params()[i]), *extents,
                                         ctx.symbol_params(), options.estimate_batch);
      if (!region) return Error{"", plan.name, region.error().message};
    }
    kernel.autoscheduler = schedule.autoscheduler;
    kernel.autoschedule_pending = true;
  }

  // Schedules: inlined producers as choose_schedule leaves them; the stored part as planned.
  // On a GPU target the GPU templates place every Func (backends/halide/GpuSchedule.h).
  const bool gpu = is_gpu_target(target);
  for (const Node* node : autoscheduled ? std::vector<const Node*>{} : plan.inlined) {
    if (!funcs[node].output.defined()) continue;
    NodeSchedule s = choose_schedule(graph, *node, target, options);
    const bool is_output = used.count(funcs[node].output.name()) != 0;
    if (gpu) {
      apply_gpu_node_schedule(s, funcs[node], is_output);
    } else {
      apply_schedule(s, funcs[node], is_output);
    }
  }
  if (autoscheduled) {
    // the autoscheduler schedules every Func (lower_kernels)
  } else if (plan.group) {
    std::vector<GroupMember> members;
    for (const Node* node : plan.stored) members.push_back({node, funcs[node]});
    if (gpu) {
      apply_gpu_group_schedule(schedule.group, members, /*is_output=*/true);
    } else {
      apply_group_schedule(schedule.group, members, /*is_output=*/true);
    }
  } else if (!plan.copy_of && funcs[plan.stored.front()].output.defined()) {
    NodeFuncs& node_funcs = funcs[plan.stored.front()];
    const bool is_output = used.count(node_funcs.output.name()) != 0;
    NodeSchedule s = schedule.node;
    // A node whose value is only copied out (a view) is inlined into the copy.
    if (!is_output && (s.kind == ScheduleTemplate::Root || s.kind == ScheduleTemplate::GpuTile))
      s.kind = ScheduleTemplate::Inline;
    if (gpu) {
      apply_gpu_node_schedule(s, node_funcs, is_output);
    } else {
      apply_schedule(s, node_funcs, is_output);
    }
  }

  for (size_t i = 0; i < ctx.weight_params().size(); ++i) {
    kernel.arguments.emplace_back(ctx.weight_params()[i]);
    kernel.bindings.push_back({KernelArgument::Kind::Weight, int(i)});  // local; remapped later
    kernel.buffer_params.push_back(ctx.weight_params()[i]);
  }
  result.weights = ctx.weight_values();
  result.derived = ctx.derived_weights();
  kernel.pipeline = Halide::Pipeline(outputs);
  return result;
}

}  // namespace

int KernelProgram::distinct_kernels() const {
  int count = 0;
  for (size_t i = 0; i < kernels.size(); ++i)
    if (kernels[i].representative == int(i)) ++count;
  return count;
}

Result<Halide::Target> parse_halide_target(const std::string& spec) {
  if (spec.empty() || spec == "host") return host_target();
  if (!Halide::Target::validate_target_string(spec))
    return make_error("invalid Halide target '" + spec + "'");
  Halide::Target target(spec);
  if (spec.rfind("host", 0) == 0) target = without_features_the_host_lacks(target);
  // Without a capability Halide compiles for sm_20, which no current driver runs: name one.
  // Compute capability 8.0 (A100) PTX runs on every GPU from Ampere on (a newer GPU's driver
  // JITs it); older GPUs need an explicit -cuda_capability_NN. Halide 14 knows up to 86.
  if (target.has_feature(Halide::Target::CUDA) && target.get_cuda_capability_lower_bound() <= 20)
    target = target.with_feature(Halide::Target::CUDACapability80);
  return target;
}

Result<SingleKernel> lower_single_kernel(const Graph& graph, const KernelPartition& partition,
                                         int index, const Halide::Target& target,
                                         const ScheduleOptions& options) {
  try {
    KILN_HALIDE_ASSIGN(lowered, lower_kernel(graph, partition, index, target, options));
    return SingleKernel{std::move(lowered.kernel), std::move(lowered.weights),
                        std::move(lowered.derived)};
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide rejected the lowered kernel: ") + e.what());
  }
}

Status autoschedule_kernel(LoweredKernel& kernel, const std::string& kernel_name,
                           const Halide::Target& target) {
  if (!kernel.autoschedule_pending) return Status::ok();
  KILN_RETURN_IF_ERROR(
      run_halide_autoscheduler(kernel.pipeline, kernel.autoscheduler, target, kernel_name));
  kernel.autoschedule_pending = false;
  return Status::ok();
}

Result<KernelProgram> lower_kernels(const Graph& graph, const Halide::Target& target,
                                    const ScheduleOptions& options,
                                    const std::map<std::string, ScheduleRecord>& records,
                                    const std::string& build_id, bool defer_autoscheduling) {
  KernelProgram program;
  program.target = target;
  KILN_HALIDE_ASSIGN(partition, partition_kernels(graph, target, options, records));
  program.partition = std::move(partition);
  std::map<const Value*, int> weight_index;
  std::map<std::string, int> first_with_key;
  try {
    for (size_t k = 0; k < program.partition.kernels.size(); ++k) {
      KILN_HALIDE_ASSIGN(lowered, lower_kernel(graph, program.partition, int(k), target, options));
      LoweredKernel kernel = std::move(lowered.kernel);
      for (KernelArgument& binding : kernel.bindings) {
        if (binding.kind != KernelArgument::Kind::Weight) continue;
        const Value* w = lowered.weights[size_t(binding.index)];
        auto [it, inserted] = weight_index.emplace(w, int(program.weights.size()));
        if (inserted) program.weights.push_back(w);
        binding.index = it->second;
      }
      program.derived_weights.insert(program.derived_weights.end(), lowered.derived.begin(),
                                     lowered.derived.end());
      const KernelPlan& plan = program.partition.kernels[k];
      std::string schedule_key = plan.schedule.to_string();
      if (plan.schedule.is_autoscheduled())  // what else the autoscheduler's choice depends on
        schedule_key += " " + autoscheduler_machine_params().to_string() +
                        " batch=" + std::to_string(options.estimate_batch);
      // What the lowering takes from the machine model beyond the schedule's own knobs.
      schedule_key +=
          " task_macs=" + std::to_string(schedule_facts(machine_model(target)).min_task_macs);
      kernel.cache_key = stable_hash(plan.task + "\n" + schedule_key + "\n" + target.to_string() +
                                     "\n" + build_id);
      kernel.function = "kiln_k_" + kernel.cache_key.substr(0, 20);
      auto [first, inserted] = first_with_key.emplace(kernel.cache_key, int(k));
      kernel.representative = first->second;
      program.kernels.push_back(std::move(kernel));
    }
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide rejected the lowered graph: ") + e.what());
  }
  if (defer_autoscheduling) return program;
  // Autoscheduled kernels, each distinct one once, in parallel (a repeat shares its function).
  std::vector<int> pending;
  for (size_t k = 0; k < program.kernels.size(); ++k)
    if (program.kernels[k].autoschedule_pending && program.kernels[k].representative == int(k))
      pending.push_back(int(k));
  std::vector<Status> results(pending.size());
  parallel_for(int(pending.size()), default_job_count(), [&](int i) {
    LoweredKernel& kernel = program.kernels[size_t(pending[size_t(i)])];
    results[size_t(i)] =
        autoschedule_kernel(kernel, program.partition.kernels[size_t(kernel.plan)].name, target);
  });
  for (const Status& s : results)
    if (!s) return s.error();
  return program;
}

}  // namespace kiln
