// NpyFile.cpp: the .npy header parser and writer. The header is untrusted input: every length
// and size is checked before use.
#include "tools/NpyFile.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

namespace kiln {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DescrEntry {
  const char* descr;
  DType dtype;
};
// Little-endian descriptors ('|' = byte-sized, no order).
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::Float32}, {"<f8", DType::Float64}, {"<f2", DType::Float16},
    {"|i1", DType::Int8},    {"<i2", DType::Int16},   {"<i4", DType::Int32},
    {"<i8", DType::Int64},   {"|u1", DType::UInt8},   {"|b1", DType::Bool},
    {"<u2", DType::UInt16},  {"<u4", DType::UInt32},  {"<u8", DType::UInt64},
};

const char* descr_of(DType dtype) {
  for (const auto& entry : kDescrs)
    if (entry.dtype == dtype) return entry.descr;
  return nullptr;
}

}  // namespace

Result<Tensor> read_npy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "", "cannot open file"};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0)
    return Error{path, "", "not an .npy file (bad magic)"};
  const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data());
  uint8_t major = raw[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = raw[8] | (raw[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Error{path, "", "truncated .npy header"};
    header_len = raw[8] | (raw[9] << 8) | (raw[10] << 16) | (static_cast<size_t>(raw[11]) << 24);
    header_start = 12;
  } else {
    return Error{path, "", "unsupported .npy version " + std::to_string(major)};
  }
  if (header_start + header_len > bytes.size()) return Error{path, "", "truncated .npy header"};
  std::string header = bytes.substr(header_start, header_len);

  std::smatch match;
  if (!std::regex_search(header, match, std::regex(R"('descr'\s*:\s*'([^']*)')")))
    return Error{path, "", "malformed .npy header (no descr)"};
  std::string descr = match[1];
  Tensor tensor;
  for (const auto& entry : kDescrs)
    if (descr == entry.descr) tensor.dtype = entry.dtype;
  if (descr == "<b1") tensor.dtype = DType::Bool;
  if (descr == "<u1") tensor.dtype = DType::UInt8;
  if (descr == "<i1") tensor.dtype = DType::Int8;
  if (tensor.dtype == DType::Unknown)
    return Error{path, "", "unsupported .npy dtype '" + descr + "'"};
  if (std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)")))
    return Error{path, "", "Fortran-order arrays are not supported; save with C order"};
  if (!std::regex_search(header, match, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    return Error{path, "", "malformed .npy header (no shape)"};
  std::stringstream dims_text(match[1].str());
  std::string item;
  uint64_t count = 1;
  while (std::getline(dims_text, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \tL") + 1);
    if (item.empty()) continue;
    char* end = nullptr;
    long long dim = std::strtoll(item.c_str(), &end, 10);
    if (*end != '\0' || dim < 0 || dim > (1ll << 40))
      return Error{path, "", "malformed .npy shape entry '" + item + "'"};
    tensor.dims.push_back(dim);
    count *= static_cast<uint64_t>(dim);
    if (count > (1ull << 40)) return Error{path, "", ".npy array too large"};
  }
  uint64_t data_size = count * dtype_size(tensor.dtype);
  size_t data_start = header_start + header_len;
  if (bytes.size() - data_start < data_size)
    return Error{path, "",
                 "truncated .npy data: shape needs " + std::to_string(data_size) +
                     " bytes, file has " + std::to_string(bytes.size() - data_start)};
  tensor.data = TensorData::copy_of(bytes.data() + data_start, data_size);
  return tensor;
}

Status write_npy_file(const std::string& path, const Tensor& tensor) {
  const char* descr = descr_of(tensor.dtype);
  if (!descr) return Error{path, "", "cannot write dtype " + std::string(dtype_name(tensor.dtype))};
  std::string shape;
  for (int64_t d : tensor.dims) shape += std::to_string(d) + ", ";
  if (tensor.dims.size() > 1) shape.erase(shape.size() - 2);   // "(2, 3)"; a 1-D keeps "(2, )"
  if (tensor.dims.size() == 1) shape.erase(shape.size() - 1);  // "(2,)"
  std::string header =
      "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad with spaces so the data starts on a 64-byte boundary; end with a newline.
  size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{path, "", "cannot open for writing"};
  out.write(kMagic, kMagicSize);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const char len[2] = {static_cast<char>(header.size() & 0xff),
                       static_cast<char>((header.size() >> 8) & 0xff)};
  out.write(len, 2);
  out << header;
  out.write(reinterpret_cast<const char*>(tensor.data.data()),
            static_cast<std::streamsize>(tensor.data.size()));
  if (!out) return Error{path, "", "write failed"};
  return Status::ok();
}

}  // namespace kiln
