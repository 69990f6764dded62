// WeightsBlob.cpp: constant packing and the .incbin object writer.
#include "backends/halide/WeightsBlob.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "backends/halide/ToolRunner.h"

namespace kiln {

WeightsBlob layout_weights(const std::vector<const Value*>& constants) {
  WeightsBlob blob;
  uint64_t offset = 0;
  for (const Value* value : constants) {
    uint64_t size = value->constant->data.size();
    blob.entries.push_back({value, offset, size});
    offset += size;
    offset = (offset + WeightsBlob::kWeightsAlignment - 1) / WeightsBlob::kWeightsAlignment *
             WeightsBlob::kWeightsAlignment;
  }
  blob.total_size = offset;
  return blob;
}

Status write_weights_file(const WeightsBlob& blob, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{path, "", "cannot open for writing"};
  static const char zeros[WeightsBlob::kWeightsAlignment] = {};
  uint64_t written = 0;
  for (const WeightsEntry& entry : blob.entries) {
    out.write(zeros, static_cast<std::streamsize>(entry.offset - written));
    out.write(reinterpret_cast<const char*>(entry.value->constant->data.data()),
              static_cast<std::streamsize>(entry.size));
    written = entry.offset + entry.size;
  }
  out.write(zeros, static_cast<std::streamsize>(blob.total_size - written));
  if (!out) return Error{path, "", "write failed (disk full?)"};
  return Status::ok();
}

Status assemble_weights_object(const std::string& blob_path, const std::string& symbol,
                               const std::string& object_path) {
  std::string asm_path = object_path + ".S";
  {
    std::ofstream out(asm_path, std::ios::trunc);
    if (!out) return Error{asm_path, "", "cannot open for writing"};
    std::string absolute_blob = std::filesystem::absolute(blob_path).string();
    out << "  .section .rodata." << symbol << ",\"a\"\n"
        << "  .balign " << WeightsBlob::kWeightsAlignment << "\n"
        << "  .globl " << symbol << "\n"
        << "  .type " << symbol << ", @object\n"
        << symbol << ":\n"
        << "  .incbin \"" << absolute_blob << "\"\n"
        << "  .size " << symbol << ", . - " << symbol << "\n"
        << "  .section .note.GNU-stack,\"\",@progbits\n";
  }
  Status status = run_tool({"cc", "-c", asm_path, "-o", object_path});
  std::filesystem::remove(asm_path);
  return status;
}

}  // namespace kiln
