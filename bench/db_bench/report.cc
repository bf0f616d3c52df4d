// Printing a BenchReport: the configuration of each engine, one table of
// workload x engine with the ratio to native, amplification, and JSON.
#include <map>

#include "bench/db_bench/db_bench.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::bench {

std::string Thousands(double v) {
  std::string digits = fmt::format("{:.0f}", v);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

std::string Amp(double v) { return v < 0 ? "n/a" : fmt::format("{:.2f}", v); }

std::string MiB(int64_t bytes) {
  return bytes < 0 ? "n/a" : fmt::format("{:.1f}", bytes / 1048576.0);
}

// The memory table: per phase, the process's peak above its RSS before the
// engine opened, and what the engine accounts for.
void PrintMemory(const BenchReport& report, std::ostream& out) {
  out << "\nResident memory (MiB): the process's peak during each phase above its RSS "
         "before the engine opened; the heap malloc had handed out at the phase's end (RSS "
         "above it is malloc's free memory); the engine's parts then (block cache usage "
         "includes the pinned index and filter blocks; memtables + their pool of free arena "
         "blocks stay within the budget; accounted = max(cache capacity, usage) + memtable "
         "budget)\n";
  out << fmt::format("{:<17} {:<16} {:>9} {:>9} {:>11} {:>9} {:>13} {:>8} {:>19} {:>10}\n",
                     "workload", "engine", "baseline", "peak", "peak-base", "heap", "cache use/cap",
                     "pinned", "mem+pool/budget", "accounted");
  for (const WorkloadResult& r : report.results) {
    const PhaseMemory& m = r.memory;
    if (!r.status.ok() || m.peak_rss < 0) continue;
    out << fmt::format("{:<17} {:<16} {:>9} {:>9} {:>11} {:>9} {:>13} {:>8} {:>19} {:>10}\n",
                       r.workload, r.engine, MiB(m.baseline_rss), MiB(m.peak_rss),
                       MiB(m.peak_rss - m.baseline_rss), MiB(m.end_heap),
                       MiB(m.block_cache_usage) + "/" + MiB(m.block_cache_capacity),
                       MiB(m.block_cache_pinned),
                       MiB(m.memtable_bytes) + "+" + MiB(m.memtable_pool) + "/" +
                           MiB(m.memtable_budget),
                       MiB(m.AccountedBytes()));
  }
}

// ops/s of the native engine per workload (run order), for the ratios.
std::map<std::string, double> NativeOps(const BenchReport& report) {
  std::map<std::string, double> out;
  for (const WorkloadResult& r : report.results) {
    if (r.engine == "native" && r.status.ok()) out[r.workload] = r.OpsPerSec();
  }
  return out;
}

}  // namespace

void PrintReport(const BenchReport& report, std::ostream& out) {
  const BenchFlags& f = report.flags;
  out << fmt::format(
      "synapsed bench: keys {} B, values {} B (compressible to {:.0f}%), num {}, reads {}, "
      "threads {}, seed {}, db {}\n",
      f.key_size, f.value_size, f.compression_ratio * 100, f.num, f.ReadCount(), f.threads,
      f.seed, f.db);
  out << "Latency is per op (multireadrandom: per batch of " << f.batch_size
      << " keys; ops count keys) and includes ~20-25 ns of clock reads.\n\n";

  for (const EngineReport& e : report.engines) {
    out << fmt::format("[{}]\n", e.engine);
    for (const auto& [k, v] : e.config) out << fmt::format("  {:<14} {}\n", k, v);
    if (!e.status.ok()) out << "  FAILED: " << e.status.ToString() << "\n";
  }
  out << "\n";

  const std::map<std::string, double> native = NativeOps(report);
  out << fmt::format("{:<17} {:<8} {:>12} {:>9} {:>9} {:>9} {:>10} {:>9}  {}\n", "workload",
                     "engine", "ops/s", "MB/s", "p50 us", "p99 us", "p99.9 us", "vs native",
                     "note");
  out << std::string(110, '-') << "\n";
  // Workload-major: each workload's engines next to each other.
  for (const std::string& w : f.benchmarks) {
    for (const WorkloadResult& r : report.results) {
      if (r.workload != w) continue;
      if (!r.status.ok()) {
        out << fmt::format("{:<17} {:<8} {}\n", r.workload, r.engine,
                           r.skipped ? std::string(r.status.message()) : r.status.ToString());
        continue;
      }
      auto n = native.find(w);
      const std::string ratio = n != native.end() && n->second > 0
                                    ? fmt::format("{:.2f}x", r.OpsPerSec() / n->second)
                                    : "-";
      out << fmt::format("{:<17} {:<8} {:>12} {:>9.1f} {:>9.2f} {:>9.2f} {:>10.2f} {:>9}  {}\n",
                         r.workload, r.engine, Thousands(r.OpsPerSec()), r.MBPerSec(),
                         r.latency.Percentile(50) / 1e3, r.latency.Percentile(99) / 1e3,
                         r.latency.Percentile(99.9) / 1e3, ratio, r.note);
    }
  }

  out << "\nAmplification after each write workload (write: bytes the process wrote to "
         "disk during the phase and the settle step after it, net of pages of files "
         "deleted before writeback, / user bytes; space: directory bytes / live user "
         "bytes, after the settle; settle: seconds the engine took to write out its "
         "memtable and finish its compactions)\n";
  out << fmt::format("{:<17} {:<8} {:>10} {:>10} {:>10}\n", "workload", "engine",
                     "write amp", "space amp", "settle s");
  for (const WorkloadResult& r : report.results) {
    if (!r.status.ok() || (r.write_amp < 0 && r.space_amp < 0)) continue;
    out << fmt::format("{:<17} {:<8} {:>10} {:>10} {:>10}\n", r.workload, r.engine,
                       Amp(r.write_amp), Amp(r.space_amp),
                       r.settle_seconds < 0 ? std::string("-")
                                            : fmt::format("{:.2f}", r.settle_seconds));
  }
  PrintMemory(report, out);
  for (const EngineReport& e : report.engines) {
    if (e.engine_stats.empty()) continue;
    out << fmt::format("\n{} engine counters (its \"stats.json\" property, cumulative):\n",
                       e.engine);
    for (const auto& [k, v] : e.engine_stats) out << fmt::format("  {:<30} {}\n", k, v);
  }
  if (f.histogram) {
    for (const WorkloadResult& r : report.results) {
      if (!r.status.ok()) continue;
      out << fmt::format("\nHistogram {} / {} (latency per op):\n{}", r.workload, r.engine,
                         r.latency.ToString());
    }
  }
}

std::string ReportJson(const BenchReport& report) {
  using nlohmann::json;
  const BenchFlags& f = report.flags;
  json j;
  j["flags"] = {{"benchmarks", f.benchmarks}, {"engines", f.engines},
                {"num", f.num},               {"reads", f.ReadCount()},
                {"key_size", f.key_size},     {"value_size", f.value_size},
                {"threads", f.threads},       {"compression_type", f.compression_type},
                {"cache_size", f.cache_size}, {"bloom_bits", f.bloom_bits},
                {"write_buffer_size", f.write_buffer_size},
                {"block_size", f.block_size}, {"sync", f.sync},
                {"use_direct_reads", f.use_direct_reads}, {"mmap_write", f.mmap_write},
                {"wal_buffer_bytes", f.wal_buffer_bytes.has_value()
                                         ? json(*f.wal_buffer_bytes) : json(nullptr)},
                {"seed", f.seed},             {"seek_nexts", f.seek_nexts},
                {"batch_size", f.batch_size}, {"db", f.db}};
  json engines = json::array();
  for (const EngineReport& e : report.engines) {
    json je = {{"engine", e.engine}, {"ok", e.status.ok()}};
    if (!e.status.ok()) je["error"] = e.status.ToString();
    for (const auto& [k, v] : e.config) je["config"][k] = v;
    for (const auto& [k, v] : e.engine_stats) je["engine_stats"][k] = v;
    engines.push_back(je);
  }
  j["engines"] = engines;
  const std::map<std::string, double> native = NativeOps(report);
  json results = json::array();
  for (const WorkloadResult& r : report.results) {
    json jr = {{"workload", r.workload}, {"engine", r.engine}, {"ok", r.status.ok()}};
    if (!r.status.ok()) {
      jr["error"] = r.status.ToString();
    } else {
      jr["ops"] = r.ops;
      jr["seconds"] = r.seconds;
      jr["ops_per_sec"] = r.OpsPerSec();
      jr["mb_per_sec"] = r.MBPerSec();
      jr["p50_us"] = r.latency.Percentile(50) / 1e3;
      jr["p99_us"] = r.latency.Percentile(99) / 1e3;
      jr["p999_us"] = r.latency.Percentile(99.9) / 1e3;
      jr["note"] = r.note;
      if (r.writer_ops_per_sec >= 0) jr["writer_ops_per_sec"] = r.writer_ops_per_sec;
      const PhaseMemory& m = r.memory;
      if (m.peak_rss >= 0) {
        jr["memory"] = {{"baseline_rss", m.baseline_rss},
                        {"start_rss", m.start_rss},
                        {"peak_rss", m.peak_rss},
                        {"end_heap", m.end_heap},
                        {"block_cache_capacity", m.block_cache_capacity},
                        {"block_cache_usage", m.block_cache_usage},
                        {"block_cache_pinned", m.block_cache_pinned},
                        {"memtable_bytes", m.memtable_bytes},
                        {"memtable_budget", m.memtable_budget},
                        {"memtable_pool", m.memtable_pool},
                        {"accounted", m.AccountedBytes()}};
      }
      if (auto n = native.find(r.workload); n != native.end() && n->second > 0) {
        jr["vs_native"] = r.OpsPerSec() / n->second;
      }
      if (r.write_amp >= 0) jr["write_amp"] = r.write_amp;
      if (r.space_amp >= 0) jr["space_amp"] = r.space_amp;
      if (r.settle_seconds >= 0) jr["settle_seconds"] = r.settle_seconds;
    }
    results.push_back(jr);
  }
  j["results"] = results;
  return j.dump(2);
}

}  // namespace synapsed::storage::bench
