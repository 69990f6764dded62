// LibraryEmitter.cpp: the AOT path: kernel objects + Halide runtime + generated wrapper + weights
// object, linked by the system C compiler.
#include "backends/halide/LibraryEmitter.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/HostTarget.h"
#include "backends/halide/MemoryPlan.h"
#include "backends/halide/ModelHeaderWriter.h"
#include "backends/halide/ModelInterface.h"
#include "backends/halide/ModelWrapperWriter.h"
#include "backends/halide/ToolRunner.h"
#include "backends/halide/WeightsBlob.h"
#include "ir/shape_rules/DimArithmetic.h"

namespace fs = std::filesystem;

namespace kiln {
namespace {

Status write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) return Error{path.string(), "", "cannot write file"};
  return Status::ok();
}

// Extra flags for compiling the wrapper and linking NAME.so, from $KILN_CFLAGS (split at
// whitespace): debug info, sanitizers (`-fsanitize=address,undefined`), hardening flags.
std::vector<std::string> wrapper_c_flags() {
  std::vector<std::string> flags;
  const char* env = std::getenv("KILN_CFLAGS");
  if (!env) return flags;
  std::istringstream words(env);
  for (std::string word; words >> word;) flags.push_back(word);
  return flags;
}

bool runs_on_host(const Halide::Target& target) {
  Halide::Target host = kiln::host_target();
  return target.arch == host.arch && target.bits == host.bits && target.os == host.os;
}

// Removes the scratch folder however the emitter returns.
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

Status move_into(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {  // a different file system: copy instead
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, error);
    if (error) return Error{to.string(), "", "cannot write: " + error.message()};
  }
  return Status::ok();
}

// What the wrapper needs of the program: kernels with their arguments, the intermediates.
Result<WrapperSpec> wrapper_spec(const KernelProgram& program, const WeightsBlob& blob) {
  WrapperSpec spec;
  const KernelPartition& partition = program.partition;
  std::map<const Value*, size_t> blob_entry;
  for (size_t i = 0; i < blob.entries.size(); ++i) blob_entry[blob.entries[i].value] = i;
  for (const Value* w : program.weights) {
    const WeightsEntry& entry = blob.entries[blob_entry.at(w)];
    spec.weights.push_back({entry.offset, w->constant->dtype, w->constant->dims});
  }
  spec.intermediates.resize(size_t(partition.intermediate_count));
  for (const BoundaryTensor& t : partition.tensors) {
    if (t.role != TensorRole::Intermediate) continue;
    WrapperTensor& w = spec.intermediates[size_t(t.index)];
    w.name = t.value->name;
    w.dtype = t.value->type.dtype;
    w.channels_last = t.channels_last;
    w.first = t.producer;
    w.last = std::max(t.producer, t.last_use);
    if (t.value->type.shape->size() > 8)
      return Error{"", t.value->name, "tensors of rank above 8 are not supported"};
    for (const Dim& d : *t.value->type.shape) {
      WrapperDim dim;
      if (d.is_static()) {
        dim.coefficient = d.value;
      } else {
        std::optional<DimProduct> product = DimProduct::of(d);
        if (!product || product->symbols.size() > 2)
          return Error{"", t.value->name,
                       "dim '" + d.to_string() + "' cannot be sized at run time"};
        dim.coefficient = product->coefficient;
        for (const std::string& s : product->symbols) {
          auto it = std::find(partition.symbols.begin(), partition.symbols.end(), s);
          if (it == partition.symbols.end())
            return Error{"", t.value->name, "symbol '" + s + "' is not a dim of any input"};
          dim.symbols.push_back(int(it - partition.symbols.begin()));
        }
      }
      w.dims.push_back(dim);
    }
  }
  auto tensor_argument = [&](int t) {
    const BoundaryTensor& tensor = partition.tensors[size_t(t)];
    switch (tensor.role) {
      case TensorRole::Input:
        return WrapperArgument{WrapperArgument::Kind::Input, tensor.index};
      case TensorRole::Output:
        return WrapperArgument{WrapperArgument::Kind::Output, tensor.index};
      case TensorRole::Intermediate:
        break;
    }
    return WrapperArgument{WrapperArgument::Kind::Intermediate, tensor.index};
  };
  for (const LoweredKernel& kernel : program.kernels) {
    const KernelPlan& plan = partition.kernels[size_t(kernel.plan)];
    WrapperKernel w;
    w.name = plan.name;
    w.function = program.kernels[size_t(kernel.representative)].function;
    w.template_name = plan.schedule.template_name();
    w.schedule = plan.schedule.to_string();
    w.task = plan.task;
    w.macs_per_unit_run = plan.macs;
    for (const KernelArgument& a : kernel.bindings) {
      switch (a.kind) {
        case KernelArgument::Kind::Symbol:
          w.arguments.push_back({WrapperArgument::Kind::Symbol, a.index});
          break;
        case KernelArgument::Kind::Tensor:
          w.arguments.push_back(tensor_argument(a.index));
          break;
        case KernelArgument::Kind::Weight:
          w.arguments.push_back({WrapperArgument::Kind::Weight, a.index});
          break;
      }
    }
    for (int t : kernel.outputs) w.arguments.push_back(tensor_argument(t));
    spec.kernels.push_back(std::move(w));
  }
  return spec;
}

}  // namespace

Result<LibraryArtifacts> emit_native_library(const Graph& graph, const LibraryOptions& options) {
  auto interface = describe_model_interface(graph, options.name);
  if (!interface) return interface.error();
  auto parsed_target = parse_halide_target(options.target);
  if (!parsed_target) return parsed_target.error();
  Halide::Target target = parsed_target->with_feature(Halide::Target::UserContext);
  bool native = runs_on_host(target);
  bool external_weights = options.external_weights || !native;

  std::error_code error;
  fs::create_directories(options.output_dir, error);
  if (error) return Error{options.output_dir, "", "cannot create directory: " + error.message()};
  const fs::path out_dir = options.output_dir;
  const std::string& name = options.name;
  ScratchDir scratch{out_dir / (".kiln-build-" + name)};
  fs::remove_all(scratch.path, error);
  fs::create_directories(scratch.path, error);
  if (error) return Error{scratch.path.string(), "", "cannot create: " + error.message()};

  auto lowered = lower_kernels(graph, target, options.schedule, options.records,
                               kiln_build_identity(), /*defer_autoscheduling=*/true);
  if (!lowered) return lowered.error();
  KernelProgram& program = *lowered;
  CompileCache cache = options.cache_dir.empty() ? CompileCache() : CompileCache(options.cache_dir);
  auto compiled =
      compile_kernel_objects(program, cache, scratch.path.string(), options.jobs, options.progress);
  if (!compiled) return compiled.error();

  WeightsBlob blob = layout_weights(program.weights);
  auto built_spec = wrapper_spec(program, blob);
  if (!built_spec) return built_spec.error();
  WrapperSpec spec = std::move(*built_spec);
  spec.weights_size = blob.total_size;
  spec.external_weights = external_weights;
  spec.macs_per_unit_run = options.macs_per_unit_run;
  if (target.has_feature(Halide::Target::CUDA)) spec.gpu_api = "cuda";
  if (target.has_feature(Halide::Target::OpenCL)) spec.gpu_api = "opencl";
  spec.target = parsed_target->to_string();
  const ArenaPlan arena = plan_arena(program.partition);
  spec.arena_bytes_per_unit_run = arena.arena_bytes;

  // The kernels and the runtime, as the archive members the links below use.
  std::vector<std::string> kernel_objects = {compiled->runtime_object};
  kernel_objects.insert(kernel_objects.end(), compiled->kernel_objects.begin(),
                        compiled->kernel_objects.end());
  const fs::path pipeline_prefix = scratch.path / (name + "_halide");
  const fs::path kernel_archive = pipeline_prefix.string() + ".a";
  {
    const fs::path members = scratch.path / "kernel-members";
    fs::create_directories(members, error);
    std::vector<std::string> ar = {"ar", "rcs", kernel_archive.string()};
    for (size_t i = 0; i < kernel_objects.size(); ++i) {
      // Copies with distinct names: cached objects are named by key, and ar keys on names.
      const fs::path member = members / ("k" + std::to_string(i) + ".o");
      fs::copy_file(kernel_objects[i], member, fs::copy_options::overwrite_existing, error);
      if (error) return Error{kernel_objects[i], "", "cannot read object: " + error.message()};
      ar.push_back(member.string());
    }
    KILN_RETURN_IF_ERROR(run_tool(ar));
  }

  LibraryArtifacts artifacts;
  artifacts.kernels = int(program.kernels.size());
  artifacts.distinct_kernels = program.distinct_kernels();
  artifacts.compiled_kernels = compiled->compiled;
  artifacts.cached_kernels = compiled->cached;
  artifacts.arena_bytes = arena.arena_bytes;
  for (const KernelPlan& plan : program.partition.kernels) artifacts.tasks.push_back(plan.task);
  artifacts.inapplicable_records = program.partition.inapplicable_records;
  const fs::path header = scratch.path / (name + ".h");
  const fs::path wrapper = scratch.path / (name + "_wrapper.c");
  KILN_RETURN_IF_ERROR(
      write_text_file(header, write_model_header(*interface, options.source_model)));
  KILN_RETURN_IF_ERROR(write_text_file(wrapper, write_model_wrapper(*interface, spec)));
  const fs::path blob_file = scratch.path / (name + ".weights");
  KILN_RETURN_IF_ERROR(write_weights_file(blob, blob_file.string()));

  if (!native) {  // the user's cross toolchain finishes the job
    artifacts.header = (out_dir / (name + ".h")).string();
    artifacts.wrapper_source = (out_dir / (name + "_wrapper.c")).string();
    artifacts.pipeline_library = (out_dir / (name + "_halide.a")).string();
    artifacts.weights_file = (out_dir / (name + ".weights")).string();
    KILN_RETURN_IF_ERROR(move_into(header, artifacts.header));
    KILN_RETURN_IF_ERROR(move_into(wrapper, artifacts.wrapper_source));
    KILN_RETURN_IF_ERROR(move_into(kernel_archive, artifacts.pipeline_library));
    // The wrapper includes Halide's runtime header; ship it so the cross toolchain needs no Halide.
    fs::copy_file(fs::path(KILN_HALIDE_INCLUDE_DIR) / "HalideRuntime.h",
                  out_dir / "HalideRuntime.h", fs::copy_options::overwrite_existing, error);
    if (error)
      return Error{(out_dir / "HalideRuntime.h").string(), "", "cannot write: " + error.message()};
    KILN_RETURN_IF_ERROR(move_into(blob_file, artifacts.weights_file));
    return artifacts;
  }

  const fs::path wrapper_object = scratch.path / (name + "_wrapper.o");
  const std::vector<std::string> user_flags = wrapper_c_flags();
  std::vector<std::string> compile = {"cc", "-std=gnu11", "-O2", "-fPIC", "-fvisibility=hidden"};
  compile.insert(compile.end(), user_flags.begin(), user_flags.end());
  compile.insert(compile.end(), {"-c", wrapper.string(), "-I", scratch.path.string(), "-I",
                                 KILN_HALIDE_INCLUDE_DIR, "-o", wrapper_object.string()});
  KILN_RETURN_IF_ERROR(run_tool(compile));
  std::vector<std::string> objects = {wrapper_object.string()};
  if (!external_weights) {
    const fs::path weights_object = scratch.path / (name + "_weights.o");
    KILN_RETURN_IF_ERROR(
        assemble_weights_object(blob_file.string(), weights_symbol(name), weights_object.string()));
    objects.push_back(weights_object.string());
  }

  // NAME.so: the Halide runtime's symbols stay private to the library.
  const fs::path shared = scratch.path / (name + ".so");
  std::vector<std::string> link = {"cc", "-shared", "-o", shared.string()};
  link.insert(link.end(), user_flags.begin(), user_flags.end());
  link.insert(link.end(), objects.begin(), objects.end());
  link.push_back(kernel_archive.string());
  for (const char* arg :
       {"-Wl,--exclude-libs,ALL", "-Wl,-z,noexecstack", "-lpthread", "-ldl", "-lm"})
    link.push_back(arg);
  KILN_RETURN_IF_ERROR(run_tool(link));

  // NAME.a: the wrapper, the weights and the Halide pipeline + runtime objects in one archive.
  const fs::path members = scratch.path / "members";
  fs::create_directories(members, error);
  KILN_RETURN_IF_ERROR(
      run_tool({"ar", "x", "--output=" + members.string(), kernel_archive.string()}));
  const fs::path archive = scratch.path / (name + ".a");
  std::vector<std::string> ar = {"ar", "rcs", archive.string()};
  ar.insert(ar.end(), objects.begin(), objects.end());
  for (const auto& member : fs::directory_iterator(members)) ar.push_back(member.path().string());
  KILN_RETURN_IF_ERROR(run_tool(ar));

  // Everything built: move the results into place.
  artifacts.header = (out_dir / (name + ".h")).string();
  artifacts.shared_library = (out_dir / (name + ".so")).string();
  artifacts.static_library = (out_dir / (name + ".a")).string();
  KILN_RETURN_IF_ERROR(move_into(header, artifacts.header));
  KILN_RETURN_IF_ERROR(move_into(shared, artifacts.shared_library));
  KILN_RETURN_IF_ERROR(move_into(archive, artifacts.static_library));
  if (external_weights) {
    artifacts.weights_file = (out_dir / (name + ".weights")).string();
    KILN_RETURN_IF_ERROR(move_into(blob_file, artifacts.weights_file));
  } else {
    fs::remove(out_dir / (name + ".weights"), error);  // a stale one from an earlier compile
  }
  return artifacts;
}

}  // namespace kiln
