#include "bench/db_bench/db_bench.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "bench/db_bench/engines.h"
#include "bench/db_bench/workloads.h"
#include "fmt/format.h"

namespace synapsed::storage::bench {
namespace {

// Bytes this process has caused to be written to storage so far
// (write_bytes - cancelled_write_bytes of /proc/self/io; may be negative
// after deleting files whose dirty pages were counted elsewhere); nullopt
// if unknown. Only differences mean something.
std::optional<int64_t> DiskBytesWritten() {
  std::ifstream in("/proc/self/io");
  if (!in) return std::nullopt;
  std::string name;
  int64_t value, cancelled = 0;
  std::optional<int64_t> written;
  while (in >> name >> value) {
    if (name == "write_bytes:") written = value;
    if (name == "cancelled_write_bytes:") cancelled = value;
  }
  if (!written) return std::nullopt;
  return *written - cancelled;
}

// Bytes of the regular files under `dir`.
int64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  int64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      const auto size = it->file_size(fec);
      if (!fec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

// The counters the issue asks of the native engine, from its "stats"
// property when it reports them; "n/a" otherwise (never estimated here).
std::vector<std::pair<std::string, std::string>> NativeStats(Store* store) {
  static const std::pair<const char*, const char*> kWanted[] = {
      {"write amplification (engine)", "write_amplification"},
      {"space amplification (engine)", "space_amplification"},
      {"block cache hit rate", "cache_hit_rate"},
      {"write stall time", "stall_micros"},
  };
  std::vector<std::pair<std::string, std::string>> out;
  auto stats = store->GetProperty("stats");
  for (const auto& [label, key] : kWanted) {
    std::string value = "n/a";
    if (stats.ok()) {
      std::istringstream in(*stats);
      std::string line;
      const std::string prefix = std::string(key) + ":";
      while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) value = line.substr(prefix.size());
      }
    }
    if (value == "n/a" && stats.ok()) {
      value = "n/a (not reported by the engine's stats yet)";
    }
    out.emplace_back(label, value);
  }
  return out;
}

}  // namespace

absl::StatusOr<BenchReport> RunBench(const BenchFlags& input) {
  BenchReport report;
  report.flags = input;
  BenchFlags& flags = report.flags;
  if (flags.db.empty()) flags.db = fmt::format("/tmp/synapsed_bench-{}", ::getuid());
  if (absl::Status s = flags.Validate(); !s.ok()) return s;

  for (const std::string& engine : flags.engines) {
    EngineReport er;
    er.engine = engine;
    er.config = DescribeEngine(engine, flags);
    const std::string dir = flags.db + "/" + engine;
    std::error_code ec;
    if (!flags.use_existing_db) std::filesystem::remove_all(dir, ec);
    auto opened = OpenEngine(engine, flags, dir);
    if (!opened.ok()) {
      er.status = opened.status();
      report.engines.push_back(std::move(er));
      continue;
    }
    std::unique_ptr<Store> store = std::move(*opened);
    LiveKeys live(flags.num);
    bool live_known = !flags.use_existing_db;
    for (size_t i = 0; i < flags.benchmarks.size(); ++i) {
      const std::string& name = flags.benchmarks[i];
      if (IsFresh(name)) {
        if (flags.use_existing_db) {
          WorkloadResult skipped;
          skipped.workload = name;
          skipped.engine = engine;
          skipped.skipped = true;
          skipped.status = absl::FailedPreconditionError("skipped: --use_existing_db");
          report.results.push_back(std::move(skipped));
          continue;
        }
        store.reset();
        std::filesystem::remove_all(dir, ec);
        auto reopened = OpenEngine(engine, flags, dir);
        if (!reopened.ok()) {
          er.status = reopened.status();
          break;
        }
        store = std::move(*reopened);
        live.Clear();
        live_known = true;
      }
      const std::optional<int64_t> disk_before = DiskBytesWritten();
      WorkloadResult r = RunWorkload(name, static_cast<int>(i), engine, store.get(), flags,
                                     &live);
      if (IsWrite(name) && engine != "memory" && r.bytes > 0) {
        const std::optional<int64_t> disk_after = DiskBytesWritten();
        if (disk_before && disk_after) {
          r.write_amp = static_cast<double>(*disk_after - *disk_before) / r.bytes;
        }
        const int64_t live_bytes = live.Count() * (flags.key_size + flags.value_size);
        if (live_known && live_bytes > 0) {
          r.space_amp = static_cast<double>(DirBytes(dir)) / live_bytes;
        }
      }
      report.results.push_back(std::move(r));
    }
    if (engine == "native" && store) er.engine_stats = NativeStats(store.get());
    report.engines.push_back(std::move(er));
  }
  return report;
}

}  // namespace synapsed::storage::bench
