// Memtable micro-benchmarks: insert into 4/16/64 MiB memtables (random and
// sequential keys), Get hits and misses. Keys are db_bench's: 16 bytes,
// zero-padded decimal of a number in [0, 1M·2), values 100 bytes.
//
//   taskset -c 1 build/<dir>/bench/memtable_bench
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "memtable/memtable.h"
#include "util/random.h"

namespace synapsed::storage::memtable {
namespace {

constexpr size_t kMiB = 1 << 20;
constexpr size_t kValueSize = 100;
constexpr uint64_t kKeySpace = 1'000'000;

std::string KeyOf(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(n));
  return std::string(buf, 16);
}

// Pre-formatted keys so the timed loop measures the memtable only. Even
// numbers are inserted; odd ones are the misses (they fall between keys).
const std::vector<std::string>& RandomKeys() {
  static const auto* keys = [] {
    auto* v = new std::vector<std::string>;
    Random rnd(301);
    v->reserve(1 << 21);
    for (int i = 0; i < (1 << 21); ++i) v->push_back(KeyOf(2 * rnd.Uniform(kKeySpace)));
    return v;
  }();
  return *keys;
}

const std::string& Value() {
  static const std::string* v = new std::string(Random(7).Bytes(kValueSize, true));
  return *v;
}

MemTableOptions OptionsFor(int64_t variant) {
  MemTableOptions o;
  if (variant == 1) {  // 2 MiB blocks with transparent huge pages
    o.arena_block_size = 2 * kMiB;
    o.arena_huge_pages = true;
  }
  return o;
}

MemTableOptions OptionsFor(int64_t variant, size_t limit) {
  MemTableOptions o = OptionsFor(variant);
  if (variant == 2) o.bloom_bytes = limit / 64;  // with the bloom filter
  if (variant == 3) {
    // Blocks recycled from one memtable to the next, as the engine would.
    o.arena_pool = std::make_shared<ArenaBlockPool>(ArenaBlockPool::Options{
        .block_size = o.arena_block_size, .max_pooled_bytes = limit + kMiB});
  }
  return o;
}

// Fills memtables of range(0) MiB again and again; each iteration is one Add.
void BM_RandomInsert(benchmark::State& state) {
  const size_t limit = state.range(0) * kMiB;
  const MemTableOptions options = OptionsFor(state.range(1), limit);
  const auto& keys = RandomKeys();
  auto mem = std::make_unique<MemTable>(1, options);
  SequenceNumber seq = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (mem->ApproximateMemoryUsage() >= limit) {
      state.PauseTiming();
      mem = std::make_unique<MemTable>(1, options);
      state.ResumeTiming();
    }
    mem->Add(++seq, ValueType::kValue, keys[i], Value());
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RandomInsert)
    // variant: 0 plain, 1 huge pages, 2 bloom, 3 block pool
    ->ArgNames({"MiB", "variant"})
    ->Args({4, 0})->Args({16, 0})->Args({64, 0})
    ->Args({4, 1})->Args({64, 1})
    ->Args({4, 2})->Args({64, 2})
    ->Args({4, 3})->Args({64, 3});

void BM_SequentialInsert(benchmark::State& state) {
  const size_t limit = state.range(0) * kMiB;
  std::vector<std::string> keys;
  keys.reserve(1 << 20);
  for (uint64_t n = 0; n < (1 << 20); ++n) keys.push_back(KeyOf(n));
  auto mem = std::make_unique<MemTable>(1);
  SequenceNumber seq = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (mem->ApproximateMemoryUsage() >= limit || i == keys.size()) {
      state.PauseTiming();
      mem = std::make_unique<MemTable>(1);
      i = 0;
      state.ResumeTiming();
    }
    mem->Add(++seq, ValueType::kValue, keys[i++], Value());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SequentialInsert)->ArgName("MiB")->Arg(4)->Arg(16)->Arg(64);

// A memtable of range(0) MiB filled with random even keys; Gets of keys it
// holds (hit) or odd keys it cannot hold (miss).
std::unique_ptr<MemTable> FilledMemTable(size_t limit, bool bloom,
                                         size_t* inserted) {
  const auto& keys = RandomKeys();
  // The suggested bloom size: write_buffer_size / 64.
  auto mem = std::make_unique<MemTable>(
      1, MemTableOptions{.bloom_bytes = bloom ? limit / 64 : 0});
  SequenceNumber seq = 0;
  size_t i = 0;
  while (mem->ApproximateMemoryUsage() < limit) {
    mem->Add(++seq, ValueType::kValue, keys[i++], Value());
  }
  *inserted = i;
  return mem;
}

void BM_Get(benchmark::State& state, bool hit) {
  size_t inserted = 0;
  auto mem = FilledMemTable(state.range(0) * kMiB, state.range(1) != 0,
                            &inserted);
  const auto& keys = RandomKeys();
  std::vector<std::string> probes;
  Random rnd(42);
  for (int i = 0; i < (1 << 16); ++i) {
    const std::string& k = keys[rnd.Uniform(inserted)];
    probes.push_back(hit ? k : KeyOf(std::stoull(k) + 1));
  }
  std::string value;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    const LookupResult r = mem->Get(probes[i], kMaxSequenceNumber, &value);
    found += r == LookupResult::kFound;
    benchmark::DoNotOptimize(value);
    i = (i + 1) & (probes.size() - 1);
  }
  if (found != (hit ? static_cast<size_t>(state.iterations()) : 0)) {
    state.SkipWithError("wrong Get result");
  }
  state.counters["entries"] = static_cast<double>(mem->num_entries());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Get, hit, true)
    ->ArgNames({"MiB", "bloom"})
    ->ArgsProduct({{4, 16, 64}, {0, 1}});
BENCHMARK_CAPTURE(BM_Get, miss, false)
    ->ArgNames({"MiB", "bloom"})
    ->ArgsProduct({{4, 16, 64}, {0, 1}});

}  // namespace
}  // namespace synapsed::storage::memtable

BENCHMARK_MAIN();
