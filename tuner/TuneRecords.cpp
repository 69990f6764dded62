// TuneRecords.cpp: reading and appending the tuner's JSON Lines records.
#include "tuner/TuneRecords.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

namespace kiln::tuner {

std::string TuneRecord::to_json() const {
  nlohmann::ordered_json j = {{"task", task},
                              {"kernel", kernel},
                              {"target", target},
                              {"threads", threads},
                              {"batch", batch},
                              {"schedule", schedule},
                              {"median_ms", median_ms},
                              {"min_ms", min_ms},
                              {"status", status},
                              {"error", error},
                              {"kiln_version", kiln_version},
                              {"time", time},
                              {"role", role},
                              {"occurrences", occurrences},
                              {"macs", macs}};
  if (!machine.empty()) j["machine"] = machine;
  return j.dump();
}

Result<TuneRecordFile> read_tune_records(const std::string& path) {
  TuneRecordFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return file;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0, line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool last = end == std::string::npos;
    const std::string line = text.substr(start, last ? std::string::npos : end - start);
    start = last ? text.size() : end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      if (last) {  // a writer killed mid-line
        file.torn_last_line = true;
        break;
      }
      return Error{path + ":" + std::to_string(line_number), "", "not a JSON object"};
    }
    try {
      TuneRecord r;
      r.task = j.at("task").get<std::string>();
      r.schedule = j.at("schedule").get<std::string>();
      r.kernel = j.value("kernel", std::string());
      r.target = j.value("target", std::string());
      r.threads = j.value("threads", int64_t(0));
      r.batch = j.value("batch", int64_t(1));
      r.median_ms = j.value("median_ms", 0.0);
      r.min_ms = j.value("min_ms", 0.0);
      r.status = j.value("status", std::string("ok"));
      r.error = j.value("error", std::string());
      r.kiln_version = j.value("kiln_version", std::string());
      r.time = j.value("time", std::string());
      r.role = j.value("role", std::string("search"));
      r.occurrences = j.value("occurrences", int64_t(1));
      r.macs = j.value("macs", int64_t(0));
      r.machine = j.value("machine", std::string());
      file.records.push_back(std::move(r));
    } catch (const nlohmann::json::exception& e) {
      return Error{path + ":" + std::to_string(line_number), "",
                   std::string("not a tuning record: ") + e.what()};
    }
  }
  return file;
}

TuneRecordWriter::~TuneRecordWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status TuneRecordWriter::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND, 0644);
  if (fd_ < 0) return Error{path, "", "cannot open the records file for writing"};
  // Cut a torn last line off, so that the next record starts on a line of its own.
  const off_t size = ::lseek(fd_, 0, SEEK_END);
  if (size > 0) {
    off_t keep = size;
    char c = 0;
    while (keep > 0 && ::pread(fd_, &c, 1, keep - 1) == 1 && c != '\n') --keep;
    if (keep != size && ::ftruncate(fd_, keep) != 0)
      return Error{path, "", "cannot cut the torn last line"};
  }
  return Status::ok();
}

Status TuneRecordWriter::append(const TuneRecord& record) {
  const std::string line = record.to_json() + "\n";
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n <= 0) return Error{path_, "", "cannot write a record"};
    written += size_t(n);
  }
  ::fsync(fd_);
  return Status::ok();
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace kiln::tuner
