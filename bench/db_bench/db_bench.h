// `synapsed bench`: db_bench's workloads run on several engines side by
// side, with one table of throughput and latency and each engine's ratio to
// the native engine.
//
// For each engine in turn (fresh directory <db>/<engine>), every benchmark
// of --benchmarks runs in order on one database; fill* start from a fresh
// database as in db_bench. Each op is timed with steady_clock (one clock
// read per op, reused as the next op's start: ~20-25 ns of the reported
// latency is the clock itself) into a per-thread histogram.
//
// Measured besides throughput, for write workloads and every engine:
//   write amplification  bytes the process wrote to disk during the phase
//                        (/proc/self/io write_bytes - cancelled_write_bytes)
//                        / user bytes written (keys + values). A log
//                        deleted before the kernel wrote it back cancels
//                        its pages, so this can be below 1. Background
//                        work still running when the phase ends counts in
//                        the next phase.
//   space amplification  bytes of files in the engine's directory after the
//                        phase / live user bytes (distinct keys written x
//                        (key_size + value_size)); n/a with --use_existing_db.
// Resident memory, every phase and engine: the process's peak RSS during
// the phase (VmHWM, reset at the phase's start) above its RSS before the
// engine opened, next to the block cache and memtable bytes the engine
// reports (PhaseMemory): the memory bound the report shows.
// The native engine's own counters (table write amplification, block cache
// hit rate, stall time, flushes, compactions; cumulative over the engine's
// last database) are read from GetProperty("stats.json") (or "stats") and
// shown when present, "n/a" otherwise.
//
// RunBench is called from one thread; it starts its own worker threads.
#ifndef SYNAPSED_BENCH_DB_BENCH_DB_BENCH_H_
#define SYNAPSED_BENCH_DB_BENCH_DB_BENCH_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/db_bench/bench_flags.h"
#include "bench/db_bench/histogram.h"

namespace synapsed::storage::bench {

// Resident memory around one phase (bench/db_bench/process_memory.h), and
// what the engine says its parts held at the phase's end (-1: not reported;
// only the native engine reports them, in its "stats.json").
struct PhaseMemory {
  int64_t baseline_rss = -1;  // before this engine's first database opened
  int64_t start_rss = -1;     // when the phase began
  int64_t peak_rss = -1;      // the most during the phase
  int64_t end_heap = -1;      // malloc'd and not freed when the phase ended
  int64_t block_cache_capacity = -1;
  int64_t block_cache_usage = -1;   // includes pinned index and filter blocks
  int64_t block_cache_pinned = -1;
  int64_t memtable_bytes = -1;
  int64_t memtable_budget = -1;     // the most the memtables may hold
  int64_t memtable_pool = -1;       // free arena blocks kept for reuse

  // What the engine accounts for: the block cache (its capacity, or its
  // usage if pins pushed it past) plus the memtable budget. -1 if not
  // reported.
  int64_t AccountedBytes() const;
};

struct WorkloadResult {
  std::string workload;
  std::string engine;
  absl::Status status;   // not OK: the workload failed (or was skipped)
  bool skipped = false;
  int64_t ops = 0;       // multireadrandom counts keys, as db_bench does
  int64_t bytes = 0;     // user bytes (keys + values) written or read
  double seconds = 0;
  Histogram latency;     // per op (multireadrandom: per batch)
  std::string note;      // e.g. "(632120 of 1000000 found)"
  // readwhilewriting: the background writer's puts per second over the
  // readers' run (< 0: no writer ran).
  double writer_ops_per_sec = -1;
  double write_amp = -1; // < 0: n/a
  double space_amp = -1; // < 0: n/a
  // Seconds the settle step after a writing workload took (< 0: none ran).
  double settle_seconds = -1;
  PhaseMemory memory;

  double OpsPerSec() const { return seconds > 0 ? ops / seconds : 0; }
  double MBPerSec() const { return seconds > 0 ? bytes / seconds / 1048576.0 : 0; }
};

struct EngineReport {
  std::string engine;
  absl::Status status;  // not OK: the engine did not open
  std::vector<std::pair<std::string, std::string>> config;
  // (counter, value or "n/a") from the engine's own stats (native only).
  std::vector<std::pair<std::string, std::string>> engine_stats;
};

struct BenchReport {
  BenchFlags flags;
  std::vector<EngineReport> engines;
  std::vector<WorkloadResult> results;  // engine-major, in run order
};

// Runs everything. Fails only on bad flags; per-engine and per-workload
// failures are recorded in the report.
[[nodiscard]] absl::StatusOr<BenchReport> RunBench(const BenchFlags& flags);

// The configuration of each engine, the side-by-side table (workload x
// engine, ratio to native) and the amplification table; --histogram adds
// each row's histogram.
void PrintReport(const BenchReport& report, std::ostream& out);
// A rate rounded to a whole number with thousands separators ("1,234,567"),
// as the reports print ops/s.
std::string Thousands(double v);
std::string ReportJson(const BenchReport& report);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_DB_BENCH_H_
