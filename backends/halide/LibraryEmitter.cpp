// LibraryEmitter.cpp: the AOT path: Halide static library + generated wrapper + weights object,
// linked by the system C compiler.
#include "backends/halide/LibraryEmitter.h"

#include <filesystem>
#include <fstream>

#include "backends/halide/HalideLowering.h"
#include "backends/halide/ModelHeaderWriter.h"
#include "backends/halide/ModelInterface.h"
#include "backends/halide/ModelWrapperWriter.h"
#include "backends/halide/ToolRunner.h"
#include "backends/halide/WeightsBlob.h"

namespace fs = std::filesystem;

namespace kiln {
namespace {

Status write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) return Error{path.string(), "", "cannot write file"};
  return Status::ok();
}

bool runs_on_host(const Halide::Target& target) {
  Halide::Target host = Halide::get_host_target();
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

  auto lowered = lower_to_halide(graph, target, options.schedule);
  if (!lowered) return lowered.error();
  const std::string pipeline_function = name + "_halide";
  const fs::path pipeline_prefix = scratch.path / pipeline_function;
  try {
    lowered->pipeline.compile_to_static_library(pipeline_prefix.string(), lowered->arguments(),
                                                pipeline_function, target);
  } catch (const Halide::Error& e) {
    return make_error(std::string("Halide compilation failed: ") + e.what());
  }

  WeightsBlob blob = layout_weights(lowered->weight_values);
  WrapperSpec spec;
  spec.pipeline_function = pipeline_function;
  spec.pipeline_header = pipeline_function + ".h";
  spec.weights_size = blob.total_size;
  spec.external_weights = external_weights;
  spec.macs_per_unit_run = options.macs_per_unit_run;
  for (const WeightsEntry& entry : blob.entries)
    spec.weights.push_back(
        {entry.offset, entry.value->constant->dtype, entry.value->constant->dims});

  LibraryArtifacts artifacts;
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
    artifacts.pipeline_library = (out_dir / (pipeline_function + ".a")).string();
    artifacts.weights_file = (out_dir / (name + ".weights")).string();
    KILN_RETURN_IF_ERROR(move_into(header, artifacts.header));
    KILN_RETURN_IF_ERROR(move_into(wrapper, artifacts.wrapper_source));
    KILN_RETURN_IF_ERROR(move_into(pipeline_prefix.string() + ".a", artifacts.pipeline_library));
    KILN_RETURN_IF_ERROR(
        move_into(pipeline_prefix.string() + ".h", out_dir / (pipeline_function + ".h")));
    KILN_RETURN_IF_ERROR(move_into(blob_file, artifacts.weights_file));
    return artifacts;
  }

  const fs::path wrapper_object = scratch.path / (name + "_wrapper.o");
  KILN_RETURN_IF_ERROR(run_tool({"cc", "-std=gnu11", "-O2", "-fPIC", "-fvisibility=hidden", "-c",
                                 wrapper.string(), "-I", scratch.path.string(), "-I",
                                 KILN_HALIDE_INCLUDE_DIR, "-o", wrapper_object.string()}));
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
  link.insert(link.end(), objects.begin(), objects.end());
  link.push_back(pipeline_prefix.string() + ".a");
  for (const char* arg :
       {"-Wl,--exclude-libs,ALL", "-Wl,-z,noexecstack", "-lpthread", "-ldl", "-lm"})
    link.push_back(arg);
  KILN_RETURN_IF_ERROR(run_tool(link));

  // NAME.a: the wrapper, the weights and the Halide pipeline + runtime objects in one archive.
  const fs::path members = scratch.path / "members";
  fs::create_directories(members, error);
  KILN_RETURN_IF_ERROR(
      run_tool({"ar", "x", "--output=" + members.string(), pipeline_prefix.string() + ".a"}));
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
