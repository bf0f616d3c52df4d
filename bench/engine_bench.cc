// Put throughput of the native engine: 1 and 2 writer threads, with and
// without sync, 16-byte keys and 100-byte values, on a real directory (so
// sync=true pays the device's fdatasync). Run with:
//   build/release/bench/engine_bench --benchmark_repetitions=3
// SYNAPSED_BENCH_DIR chooses the directory (default /tmp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include "engine/db.h"
#include "util/random.h"

namespace synapsed::storage {
namespace {

std::string BenchDir() {
  const char* d = std::getenv("SYNAPSED_BENCH_DIR");
  return std::string(d ? d : "/tmp") + "/synapsed_engine_bench";
}

// One database shared by the threads of a benchmark run.
std::mutex db_mu;
std::unique_ptr<Store> shared_db;
std::atomic<uint64_t> key_counter{0};

void Put(benchmark::State& state) {
  const bool sync = state.range(0) != 0;
  if (state.thread_index() == 0) {
    std::lock_guard<std::mutex> l(db_mu);
    std::filesystem::remove_all(BenchDir());
    engine::EngineOptions options;
    options.write_buffer_size = 64 << 20;  // no memtable switch inside the run
    options.use_io_uring = std::getenv("SYNAPSED_NO_URING") == nullptr;
    shared_db = std::move(engine::OpenNativeStore(options, BenchDir()).value());
    key_counter = 0;
  }
  WriteOptions wo;
  wo.sync = sync;
  Random rnd(state.thread_index() + 1);
  const std::string value = rnd.Bytes(100, true);
  char key[17];
  for (auto _ : state) {
    std::snprintf(key, sizeof(key), "%016llu",
                  static_cast<unsigned long long>(key_counter.fetch_add(1)));
    absl::Status s = shared_db->Put(wo, std::string_view(key, 16), value);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (16 + 100));
  if (state.thread_index() == 0) {
    std::lock_guard<std::mutex> l(db_mu);
    shared_db.reset();
  }
}

BENCHMARK(Put)->ArgName("sync")->Arg(0)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(Put)->ArgName("sync")->Arg(1)->Threads(1)->Threads(2)->UseRealTime()->Iterations(2000);

}  // namespace
}  // namespace synapsed::storage

BENCHMARK_MAIN();
