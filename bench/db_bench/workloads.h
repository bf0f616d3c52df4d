// The db_bench workloads over one open Store (see db_bench.h for what each
// measures). Internal to the benchmark.
#ifndef SYNAPSED_BENCH_DB_BENCH_WORKLOADS_H_
#define SYNAPSED_BENCH_DB_BENCH_WORKLOADS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/db_bench/bench_flags.h"
#include "bench/db_bench/db_bench.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::bench {

// The distinct keys written to the current database (a bitmap over
// [0, num)), for space amplification. Thread-safe.
class LiveKeys {
 public:
  explicit LiveKeys(int64_t num) : words_((num + 63) / 64) {}
  void Set(uint64_t k) {
    words_[k / 64].fetch_or(uint64_t{1} << (k % 64), std::memory_order_relaxed);
  }
  void Clear() {
    for (auto& w : words_) w.store(0, std::memory_order_relaxed);
  }
  int64_t Count() const;

 private:
  std::vector<std::atomic<uint64_t>> words_;
};

// Runs benchmark `name` (one of KnownBenchmarks()) on `store`. `index` is
// its position in --benchmarks, so every engine gets the same keys.
WorkloadResult RunWorkload(const std::string& name, int index, const std::string& engine,
                           Store* store, const BenchFlags& flags, LiveKeys* live);

// True for the benchmarks that start from a fresh database.
bool IsFresh(const std::string& name);
// True for the benchmarks that write (the write-amplification table's rows).
bool IsWrite(const std::string& name);
// True for the benchmarks after which the engine settles: those that write,
// and readwhilewriting's writer.
bool WritesData(const std::string& name);

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_WORKLOADS_H_
