// MachineModel.cpp: the table of CPU facts per ISA level, the host's own facts (CPUID, glibc's
// cache sysconf, sysfs, /proc/cpuinfo) and the schedule parameters derived from them.
#include "backends/halide/MachineModel.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "backends/halide/HostTarget.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace kiln {
namespace {

using Feature = Halide::Target::Feature;

// The ISA features that decide which code a CPU can run (what "the same CPU" means here); the
// rest (jit, no_runtime, user_context, GPU APIs, ...) describe the build, not the cores.
const std::vector<Feature>& isa_features() {
  static const std::vector<Feature> features = {Halide::Target::SSE41,
                                                Halide::Target::AVX,
                                                Halide::Target::AVX2,
                                                Halide::Target::FMA,
                                                Halide::Target::FMA4,
                                                Halide::Target::F16C,
                                                Halide::Target::AVX512,
                                                Halide::Target::AVX512_KNL,
                                                Halide::Target::AVX512_Skylake,
                                                Halide::Target::AVX512_Cannonlake,
                                                Halide::Target::AVX512_SapphireRapids,
                                                Halide::Target::ARMv7s,
                                                Halide::Target::ARMv81a,
                                                Halide::Target::ARMDotProd,
                                                Halide::Target::ARMFp16,
                                                Halide::Target::NoNEON,
                                                Halide::Target::SVE,
                                                Halide::Target::SVE2};
  return features;
}

bool same_cpu(const Halide::Target& a, const Halide::Target& b) {
  if (a.arch != b.arch || a.bits != b.bits || a.os != b.os) return false;
  for (Feature f : isa_features())
    if (a.has_feature(f) != b.has_feature(f)) return false;
  return true;
}

bool has_avx512(const Halide::Target& target) {
  return target.arch == Halide::Target::X86 &&
         (target.has_feature(Halide::Target::AVX512) ||
          target.has_feature(Halide::Target::AVX512_KNL) ||
          target.has_feature(Halide::Target::AVX512_Skylake) ||
          target.has_feature(Halide::Target::AVX512_Cannonlake) ||
          target.has_feature(Halide::Target::AVX512_SapphireRapids));
}

// Vector registers the ISA names: 32 zmm with AVX-512, 32 v-registers on 64-bit Arm, else 16.
int vector_registers_of(const Halide::Target& target) {
  if (target.arch == Halide::Target::X86) return has_avx512(target) ? 32 : 16;
  if (target.arch == Halide::Target::ARM) return target.bits == 64 ? 32 : 16;
  return 16;
}

#if defined(__x86_64__) || defined(__i386__)
std::string cpuid_brand() {
  unsigned regs[12] = {};
  for (unsigned i = 0; i < 3; ++i)
    if (!__get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2],
                     &regs[4 * i + 3]))
      return "";
  char text[49] = {};
  std::memcpy(text, regs, 48);
  std::string brand(text);
  const size_t first = brand.find_first_not_of(' ');
  const size_t last = brand.find_last_not_of(' ');
  return first == std::string::npos ? "" : brand.substr(first, last - first + 1);
}

// AMD family 19h (Zen 3, Zen 4) executes a 512-bit FMA as two 256-bit halves: one zmm FMA per
// cycle where the table's AVX-512 entries (and Zen 5, family 1Ah) issue two.
bool double_pumps_avx512() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return false;
  const bool amd = ebx == 0x68747541u && edx == 0x69746e65u && ecx == 0x444d4163u;  // AuthenticAMD
  if (!amd || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const unsigned family = ((eax >> 8) & 0xfu) + ((eax >> 20) & 0xffu);
  return family == 0x19;
}
#else
std::string cpuid_brand() {
  return "";
}
bool double_pumps_avx512() {
  return false;
}
#endif

// "48K", "1024K", "32M" (sysfs cache sizes) in bytes; 0 when unreadable.
int64_t parse_size(const std::string& text) {
  if (text.empty()) return 0;
  int64_t value = std::strtoll(text.c_str(), nullptr, 10);
  if (text.back() == 'K') value <<= 10;
  if (text.back() == 'M') value <<= 20;
  return value > 0 ? value : 0;
}

std::string read_word(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  in >> word;
  return word;
}

// CPUs listed in a sysfs cpulist ("0-7,16-23").
int count_cpus(const std::string& list) {
  int count = 0;
  std::stringstream ss(list);
  std::string range;
  while (std::getline(ss, range, ',')) {
    const size_t dash = range.find('-');
    if (dash == std::string::npos) {
      if (!range.empty()) ++count;
    } else {
      count += std::atoi(range.c_str() + dash + 1) - std::atoi(range.c_str()) + 1;
    }
  }
  return count;
}

struct CacheReading {
  int64_t l1d = 0, l2 = 0, l3 = 0;
  int l3_sharing = 0;  // CPUs sharing the L3 (0: unknown)
};

// cpu0's data/unified caches from sysfs, then glibc's sysconf (CPUID) for the levels sysfs lacks
// (virtual machines often have no cache folder).
CacheReading read_host_caches() {
  CacheReading r;
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    const std::string type = read_word(dir + "/type");
    if (type.empty()) continue;
    if (type == "Instruction") continue;
    const int level = std::atoi(read_word(dir + "/level").c_str());
    const int64_t size = parse_size(read_word(dir + "/size"));
    if (level == 1) r.l1d = size;
    if (level == 2) r.l2 = size;
    if (level == 3) {
      r.l3 = size;
      r.l3_sharing = count_cpus(read_word(dir + "/shared_cpu_list"));
    }
  }
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  auto conf = [](int name) { return std::max<int64_t>(0, sysconf(name)); };
  if (!r.l1d) r.l1d = conf(_SC_LEVEL1_DCACHE_SIZE);
  if (!r.l2) r.l2 = conf(_SC_LEVEL2_CACHE_SIZE);
  if (!r.l3) r.l3 = conf(_SC_LEVEL3_CACHE_SIZE);
#endif
  return r;
}

// The clock /proc/cpuinfo reports for the first CPU, in GHz (0 when absent or implausible).
double read_host_ghz() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return 0;
    const double mhz = std::atof(line.c_str() + colon + 1);
    return mhz >= 1000 && mhz <= 7000 ? mhz / 1000.0 : 0;
  }
  return 0;
}

// One core's share of the L3 is at most this: real parts give 1.4-4 MB per core (Sapphire Rapids
// 1.875 MB, Zen 4/5 4 MB); virtual machines often report the whole host's L3 (hundreds of MB).
constexpr int64_t kMaxL3SharePerCore = 4 << 20;

MachineModel host_model(const Halide::Target& target) {
  MachineModel m = table_machine_model(target);
  m.from_host = true;
  const std::string brand = cpuid_brand();
  m.name = brand.empty() ? "this machine (" + m.name + ")" : brand;
  if (has_avx512(target) && double_pumps_avx512()) m.fma_pipes = 1;
  if (const double ghz = read_host_ghz(); ghz > 0) m.ghz = ghz;
  const CacheReading caches = read_host_caches();
  if (caches.l1d > 0) m.l1d_bytes = caches.l1d;
  if (caches.l2 > 0) m.l2_bytes = caches.l2;
  if (caches.l3 > 0) {
    const int sharing = caches.l3_sharing > 0
                            ? caches.l3_sharing
                            : std::max(1, int(std::thread::hardware_concurrency()));
    m.l3_share_bytes = std::min(caches.l3 / sharing, kMaxL3SharePerCore);
  }
  return m;
}

// One row of the table: what a core of that class offers beyond lanes and registers (which
// follow the target's ISA). docs/MACHINE_MODEL.md gives the sources of the numbers.
struct TableEntry {
  const char* name;
  int fma_pipes;
  double ghz;
  int64_t l1d_bytes, l2_bytes, l3_share_bytes;
};

// 2 x 512-bit FMA ports; 171 GFLOP/s per core measured = 16 x 2 x 2 x 2.67 GHz.
constexpr TableEntry kSapphireRapids = {
    "x86-64 AVX-512 (Sapphire Rapids class)", 2, 2.7, 48 << 10, 2 << 20, 1920 << 10};
constexpr TableEntry kSkylakeServer = {
    "x86-64 AVX-512 (Skylake-SP / Cannon Lake class)", 2, 2.3, 32 << 10, 1 << 20, 1408 << 10};
constexpr TableEntry kAvx2 = {
    "x86-64 AVX2 + FMA (Haswell to Zen 3 class)", 2, 3.0, 32 << 10, 512 << 10, 2 << 20};
constexpr TableEntry kSse = {
    "x86-64 SSE (a separate multiply and add pipe)", 2, 3.0, 32 << 10, 256 << 10, 2 << 20};
constexpr TableEntry kAArch64 = {
    "AArch64 NEON (Neoverse N1 class)", 2, 2.8, 64 << 10, 1 << 20, 1 << 20};
constexpr TableEntry kGeneric = {"generic CPU", 1, 2.0, 32 << 10, 256 << 10, 0};

const TableEntry& table_entry(const Halide::Target& target) {
  if (target.arch == Halide::Target::X86) {
    if (target.has_feature(Halide::Target::AVX512_SapphireRapids)) return kSapphireRapids;
    if (has_avx512(target)) return kSkylakeServer;
    if (target.has_feature(Halide::Target::AVX2)) return kAvx2;
    return kSse;
  }
  if (target.arch == Halide::Target::ARM && target.bits == 64) return kAArch64;
  return kGeneric;
}

}  // namespace

MachineModel table_machine_model(const Halide::Target& target) {
  const TableEntry& entry = table_entry(target);
  MachineModel m;
  m.name = entry.name;
  m.f32_lanes = std::max(1, target.natural_vector_size(Halide::Float(32)));
  m.vector_registers = vector_registers_of(target);
  m.fma_pipes = entry.fma_pipes;
  m.ghz = entry.ghz;
  m.l1d_bytes = entry.l1d_bytes;
  m.l2_bytes = entry.l2_bytes;
  m.l3_share_bytes = entry.l3_share_bytes;
  return m;
}

const MachineModel& machine_model(const Halide::Target& target) {
  static std::mutex mutex;
  static std::map<std::string, MachineModel> models;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = target.to_string();
  auto it = models.find(key);
  if (it == models.end()) {
    MachineModel model =
        same_cpu(target, host_target()) ? host_model(target) : table_machine_model(target);
    it = models.emplace(key, std::move(model)).first;
  }
  return it->second;
}

ScheduleFacts schedule_facts(const MachineModel& model) {
  ScheduleFacts f;
  f.accumulator_budget = std::max(4, model.vector_registers - 4);
  f.accumulators_in_flight =
      std::clamp(model.fma_latency * model.fma_pipes, 1, f.accumulator_budget);
  f.min_task_macs =
      std::max<int64_t>(1 << 14, std::llround(kTaskSeconds * model.peak_macs_per_second()));
  f.weight_block_bytes = std::max<int64_t>(16 << 10, model.l2_bytes / 2);
  return f;
}

std::string describe_machine(const MachineModel& model) {
  const ScheduleFacts f = schedule_facts(model);
  auto kib = [](int64_t bytes) { return std::to_string(bytes >> 10) + " KiB"; };
  std::ostringstream out;
  out << "cpu: " << model.name << "\n"
      << "source: " << (model.from_host ? "this machine (CPUID, caches, clock)" : "table") << "\n"
      << "f32 lanes: " << model.f32_lanes << "\n"
      << "vector registers: " << model.vector_registers << "\n"
      << "fma pipes: " << model.fma_pipes << "\n"
      << "fma latency: " << model.fma_latency << " cycles\n";
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "clock: " << model.ghz << " GHz\n";
  out.precision(1);
  out << "peak: " << 2.0 * model.peak_macs_per_second() / 1e9 << " GFLOP/s per core\n"
      << "l1d: " << kib(model.l1d_bytes) << "\n"
      << "l2: " << kib(model.l2_bytes) << "\n"
      << "l3 share: " << kib(model.l3_share_bytes) << "\n"
      << "schedule facts:\n"
      << "  accumulator budget: " << f.accumulator_budget << " registers\n"
      << "  accumulators in flight: " << f.accumulators_in_flight << "\n"
      << "  min task: " << f.min_task_macs << " multiply-adds\n"
      << "  weight block: " << kib(f.weight_block_bytes) << "\n";
  return out.str();
}

}  // namespace kiln
