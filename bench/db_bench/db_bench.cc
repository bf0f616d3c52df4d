#include "bench/db_bench/db_bench.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "bench/db_bench/engines.h"
#include "bench/db_bench/process_memory.h"
#include "bench/db_bench/settle.h"
#include "bench/db_bench/workloads.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

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

// The counters the issue asks of the native engine, from its "stats.json"
// property (or "key: value" lines of "stats") when it reports them; "n/a"
// otherwise (never estimated here).
std::vector<std::pair<std::string, std::string>> NativeStats(Store* store) {
  using nlohmann::json;
  json j;
  if (auto text = store->GetProperty("stats.json"); text.ok()) {
    j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  } else if (auto lines = store->GetProperty("stats"); lines.ok()) {
    std::istringstream in(*lines);
    std::string line;
    while (std::getline(in, line)) {
      const size_t colon = line.find(": ");
      if (colon == std::string::npos) continue;
      json v = json::parse(line.substr(colon + 2), nullptr, false);
      j[line.substr(0, colon)] = v.is_discarded() ? json(line.substr(colon + 2)) : v;
    }
  }
  if (j.is_discarded() || !j.is_object()) j = json::object();
  const std::string na = "n/a (not reported by the engine)";
  std::vector<std::pair<std::string, std::string>> out;
  auto number = [&](const json& v) -> std::optional<double> {
    if (v.is_number()) return v.get<double>();
    return std::nullopt;
  };
  std::string wamp = na;
  if (j.contains("write_amplification")) {
    if (auto v = number(j["write_amplification"])) {
      wamp = fmt::format("{:.2f} (table bytes written / user bytes written", *v);
      if (auto u = number(j.value("user_bytes_written", json())),
          t = number(j.value("table_bytes_written", json()));
          u && t) {
        wamp += fmt::format(": {:.0f} / {:.0f}", *t, *u);
      }
      wamp += "; the WAL is not counted)";
    }
  }
  out.emplace_back("write amplification (engine)", wamp);
  std::string live = na;
  if (auto v = number(j.value("live_table_bytes", json()))) {
    live = fmt::format("{:.0f} bytes in {} tables", *v, j.value("live_tables", json()).dump());
  }
  out.emplace_back("live table bytes", live);
  std::string hit = na;
  if (j.contains("block_cache") && j["block_cache"].is_object()) {
    auto h = number(j["block_cache"].value("hits", json()));
    auto m = number(j["block_cache"].value("misses", json()));
    if (h && m) {
      hit = *h + *m > 0 ? fmt::format("{:.1f}% ({:.0f} hits, {:.0f} misses)",
                                       100.0 * *h / (*h + *m), *h, *m)
                        : "no lookups";
    }
  }
  out.emplace_back("block cache hit rate", hit);
  std::string stall = na;
  if (j.contains("stalls") && j["stalls"].is_object()) {
    const json& s = j["stalls"];
    double us = 0;
    for (const char* k : {"slowdown_micros", "stop_micros", "memtable_wait_micros"}) {
      if (auto v = number(s.value(k, json()))) us += *v;
    }
    stall = fmt::format("{:.3f} s ({} slowdowns, {} stops, {} memtable waits)", us / 1e6,
                        s.value("slowdowns", json()).dump(), s.value("stops", json()).dump(),
                        s.value("memtable_waits", json()).dump());
  }
  out.emplace_back("write stall time", stall);
  for (const char* k : {"flushes", "compactions"}) {
    out.emplace_back(k, j.contains(k) ? j[k].dump() : na);
  }
  return out;
}

// The parts of memory the engine reports in "stats.json" (native only).
void ReadEngineMemory(Store* store, PhaseMemory* m) {
  auto text = store->GetProperty("stats.json");
  if (!text.ok()) return;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return;
  auto get = [](const nlohmann::json& o, const char* k) -> int64_t {
    return o.contains(k) && o[k].is_number() ? o[k].get<int64_t>() : -1;
  };
  m->memtable_bytes = get(j, "memtable_bytes");
  m->memtable_budget = get(j, "memtable_budget_bytes");
  m->memtable_pool = get(j, "memtable_pool_bytes");
  if (j.contains("block_cache") && j["block_cache"].is_object()) {
    const nlohmann::json& c = j["block_cache"];
    m->block_cache_capacity = get(c, "capacity");
    m->block_cache_usage = get(c, "usage");
    m->block_cache_pinned = get(c, "pinned_usage");
  }
}

}  // namespace

int64_t PhaseMemory::AccountedBytes() const {
  if (block_cache_capacity < 0 || memtable_budget < 0) return -1;
  return std::max(block_cache_capacity, block_cache_usage) + memtable_budget;
}

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
    const std::optional<ProcessMemory> baseline = ReadProcessMemory();
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
      // Write back what earlier phases (and engines) left dirty first, so
      // the kernel's writeback of their pages is not billed to this phase:
      // otherwise the engine measured second pays for the first one's.
      ::sync();
      const std::optional<int64_t> disk_before = DiskBytesWritten();
      ResetPeakMemory();
      const std::optional<ProcessMemory> start = ReadProcessMemory();
      WorkloadResult r = RunWorkload(name, static_cast<int>(i), engine, store.get(), flags,
                                     &live);
      if (const std::optional<ProcessMemory> end = ReadProcessMemory();
          baseline && start && end) {
        r.memory.baseline_rss = baseline->rss_bytes;
        r.memory.start_rss = start->rss_bytes;
        r.memory.peak_rss = end->peak_bytes;
        r.memory.end_heap = end->heap_in_use_bytes;
      }
      ReadEngineMemory(store.get(), &r.memory);
      // Every engine settles after a workload that wrote (bench/db_bench/settle.h),
      // inside the write-amplification window: deferred compactions are billed
      // to the writes that caused them, and the next workload starts quiet.
      if (r.status.ok() && WritesData(name)) {
        absl::StatusOr<double> settled = Settle(engine, store.get());
        if (settled.ok()) {
          r.settle_seconds = *settled;
        } else {
          r.note += (r.note.empty() ? "" : " ") +
                    fmt::format("(settle: {})", std::string(settled.status().message()));
        }
      }
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
