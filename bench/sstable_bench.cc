// SSTable micro-benchmarks: block build and seek, bloom probes and the
// measured false-positive rate, table point lookups (hit and miss, with and
// without a filter, through the ARC block cache and without a cache), full
// scans and seeks, and LZ4 vs Zstandard on db_bench-like 4 KiB blocks.
//
// Data follows db_bench: 16-byte keys, 100-byte values that are half random
// and half repeated (compressible to ~0.5). Tables live in memory
// (StringSource copies on every read, as pread would).
//
//   taskset -c 1 build/release/bench/sstable_bench
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line)
#include <benchmark/benchmark.h>
#include <lz4.h>
#include <zstd.h>

#include <memory>
#include <string>
#include <vector>

#include "cache/arc_cache.h"
#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable/block_io.h"
#include "sstable/bloom.h"
#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace synapsed::storage::sstable {
namespace {

constexpr int kTableEntries = 200000;

std::string UserKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(i));
  return buf;
}

// db_bench's generator: a random half and a repeated half.
std::string Value(Random* rnd, size_t len = 100) {
  std::string v = rnd->Bytes(len / 2);
  v.append(len - len / 2, v.empty() ? 'x' : v[0]);
  return v;
}

// Present keys are even numbers; odd numbers are absent but fall inside.
std::string TableKey(uint64_t i) {
  return MakeInternalKey(UserKey(2 * i), 1000 + i, ValueType::kValue);
}

std::string BuildTableBytes(CompressionType c, int bloom_bits, int n,
                            int restart_interval = 16) {
  TableBuilderOptions o;
  o.compression = c;
  o.bloom_bits_per_key = bloom_bits;
  o.restart_interval = restart_interval;
  o.zstd_level = 1;
  std::string out;
  testing::StringSink sink(&out);
  TableBuilder b(o, &sink);
  Random rnd(301);
  for (int i = 0; i < n; ++i) {
    if (!b.Add(TableKey(i), Value(&rnd)).ok()) std::abort();
  }
  if (!b.Finish().ok()) std::abort();
  return out;
}

std::unique_ptr<TableReader> Open(const std::string& bytes,
                                  cache::Cache* cache) {
  auto t = TableReader::Open({}, std::make_unique<testing::StringSource>(bytes),
                             bytes.size(), 1, "bench.sst", cache);
  if (!t.ok()) std::abort();
  return *std::move(t);
}

// One ~4 KiB block of table entries.
std::string BlockContents(int restart_interval, std::vector<std::string>* keys) {
  BlockBuilder b(restart_interval);
  Random rnd(7);
  for (int i = 0; b.EstimatedSize() < 4096; ++i) {
    std::string k = TableKey(i);
    b.Add(k, Value(&rnd));
    if (keys) keys->push_back(std::move(k));
  }
  return std::string(b.Finish());
}

void BM_BlockBuild(benchmark::State& state) {
  Random rnd(1);
  std::vector<std::pair<std::string, std::string>> entries;
  size_t bytes = 0;
  for (int i = 0; bytes < 4096; ++i) {
    entries.emplace_back(TableKey(i), Value(&rnd));
    bytes += entries.back().first.size() + entries.back().second.size() + 3;
  }
  BlockBuilder b(16);
  for (auto _ : state) {
    b.Reset();
    for (const auto& [k, v] : entries) b.Add(k, v);
    benchmark::DoNotOptimize(b.Finish().data());
  }
  state.SetItemsProcessed(state.iterations() * entries.size());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_BlockBuild);

void BM_BlockSeek(benchmark::State& state) {
  std::vector<std::string> keys;
  const std::string contents = BlockContents(state.range(0), &keys);
  BlockBuffer buf(contents.size());
  std::memcpy(buf.data(), contents.data(), contents.size());
  auto block = *Block::Create(std::move(buf), "bench", 0);
  BlockIterator it(block.get(), KeyOrder::kInternal, "bench");
  Random rnd(2);
  for (auto _ : state) {
    it.Seek(keys[rnd.Uniform(keys.size())]);
    benchmark::DoNotOptimize(it.value().data());
  }
  state.counters["entries"] = keys.size();
}
BENCHMARK(BM_BlockSeek)->Arg(4)->Arg(8)->Arg(16);

void BM_BloomProbe(benchmark::State& state) {
  const bool present = state.range(0);
  BloomFilterBuilder b(10);
  constexpr int kKeys = 1 << 20;
  for (int i = 0; i < kKeys; ++i) b.AddKey(UserKey(2 * i));
  std::string s = b.Finish();
  BlockBuffer buf(s.size());
  std::memcpy(buf.data(), s.data(), s.size());
  auto f = *BloomFilter::Create(std::move(buf), "bench", 0);
  std::vector<uint64_t> hashes;
  Random rnd(3);
  for (int i = 0; i < 4096; ++i) {
    hashes.push_back(FilterHash(UserKey(2 * rnd.Uniform(kKeys) + !present)));
  }
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    hits += f->MayMatch(hashes[i++ & 4095]);
  }
  benchmark::DoNotOptimize(hits);
}
BENCHMARK(BM_BloomProbe)->ArgName("present")->Arg(1)->Arg(0);

// The false-positive rate of the filter at 10 bits per key, measured over a
// million absent keys; reported as the counter fp_rate_pct.
void BM_BloomFalsePositiveRate(benchmark::State& state) {
  const int bits = state.range(0);
  constexpr int kKeys = 1000000;
  double rate = 0;
  for (auto _ : state) {
    BloomFilterBuilder b(bits);
    for (int i = 0; i < kKeys; ++i) b.AddKey(UserKey(2 * i));
    std::string s = b.Finish();
    BlockBuffer buf(s.size());
    std::memcpy(buf.data(), s.data(), s.size());
    auto f = *BloomFilter::Create(std::move(buf), "bench", 0);
    int fp = 0;
    for (int i = 0; i < kKeys; ++i) fp += f->MayMatch(FilterHash(UserKey(2 * i + 1)));
    rate = 100.0 * fp / kKeys;
  }
  state.counters["fp_rate_pct"] = rate;
  state.counters["bits_per_key"] = bits;
}
BENCHMARK(BM_BloomFalsePositiveRate)->Arg(10)->Arg(6)->Arg(16)->Iterations(1)
    ->Unit(benchmark::kMillisecond);

struct TableFixture {
  TableFixture(int bloom_bits, bool use_cache)
      : bytes(BuildTableBytes(CompressionType::kLz4, bloom_bits, kTableEntries)) {
    if (use_cache) {
      cache::CacheOptions o;
      o.capacity = 256 << 20;
      block_cache = cache::NewArcCache(o);
    }
    table = Open(bytes, block_cache.get());
  }
  std::string bytes;
  std::unique_ptr<cache::Cache> block_cache;
  std::unique_ptr<TableReader> table;
};

// Args: hit (1) or miss (0), bloom bits (10 or 0), block cache (1/0).
void BM_TableGet(benchmark::State& state) {
  const bool hit = state.range(0);
  TableFixture fx(state.range(1), state.range(2));
  Random rnd(4);
  std::vector<std::string> lookups;
  for (int i = 0; i < 8192; ++i) {
    const uint64_t k = 2 * rnd.Uniform(kTableEntries) + (hit ? 0 : 1);
    lookups.push_back(MakeInternalKey(UserKey(k), kMaxSequenceNumber,
                                      kValueTypeForSeek));
  }
  // Warm the cache so the hit path is measured.
  GetResult r;
  for (const auto& k : lookups) (void)fx.table->Get({}, k, &r);
  size_t i = 0, found = 0;
  for (auto _ : state) {
    if (!fx.table->Get({}, lookups[i++ & 8191], &r).ok()) std::abort();
    found += r.found;
  }
  if (hit && found != static_cast<size_t>(state.iterations())) {
    state.SkipWithError("hit lookups missed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TableGet)
    ->ArgNames({"hit", "bloom", "cache"})
    ->Args({1, 10, 1})
    ->Args({0, 10, 1})
    ->Args({1, 0, 1})
    ->Args({0, 0, 1})
    ->Args({1, 10, 0})
    ->Args({0, 0, 0});

void BM_TableScan(benchmark::State& state) {
  TableFixture fx(10, /*use_cache=*/false);
  ReadOptions ro;
  ro.fill_cache = false;
  size_t n = 0;
  for (auto _ : state) {
    auto it = fx.table->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      benchmark::DoNotOptimize(it->value().data());
      ++n;
    }
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(state.iterations() * fx.bytes.size());
}
BENCHMARK(BM_TableScan)->Unit(benchmark::kMillisecond);

void BM_TableSeek(benchmark::State& state) {
  TableFixture fx(10, /*use_cache=*/true);
  auto it = fx.table->NewIterator({});
  Random rnd(5);
  for (auto _ : state) {
    it->Seek(MakeInternalKey(UserKey(rnd.Uniform(2 * kTableEntries)),
                             kMaxSequenceNumber, kValueTypeForSeek));
    benchmark::DoNotOptimize(it->Valid());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TableSeek);

void BM_TableBuild(benchmark::State& state) {
  const auto c = static_cast<CompressionType>(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes += BuildTableBytes(c, 10, 50000).size();
  }
  state.SetItemsProcessed(state.iterations() * 50000);
  state.counters["file_bytes"] =
      benchmark::Counter(bytes / state.iterations());
}
BENCHMARK(BM_TableBuild)->ArgName("codec")->Arg(0)->Arg(1)->Arg(2)
    ->Unit(benchmark::kMillisecond);

// Codec on one realistic 4 KiB data block: range(0) = 0 LZ4, 1..3 Zstd level.
void BM_Compress(benchmark::State& state) {
  const std::string raw = BlockContents(16, nullptr);
  const CompressionType c =
      state.range(0) == 0 ? CompressionType::kLz4 : CompressionType::kZstd;
  std::string out;
  for (auto _ : state) {
    CompressBlock(raw, c, static_cast<int>(state.range(0)), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * raw.size());
  state.counters["ratio"] = static_cast<double>(raw.size()) / out.size();
}
BENCHMARK(BM_Compress)->ArgName("zstd_level")->Arg(0)->Arg(1)->Arg(3);

void BM_Decompress(benchmark::State& state) {
  const std::string raw = BlockContents(16, nullptr);
  const CompressionType c =
      state.range(0) == 0 ? CompressionType::kLz4 : CompressionType::kZstd;
  std::string payload;
  const CompressionType used =
      CompressBlock(raw, c, static_cast<int>(state.range(0)), &payload);
  if (used != c) {
    state.SkipWithError("block did not compress");
    return;
  }
  for (auto _ : state) {
    auto buf = DecodePayload(payload, static_cast<uint8_t>(c), "bench", 0);
    benchmark::DoNotOptimize(buf->data());
  }
  state.SetBytesProcessed(state.iterations() * raw.size());
}
BENCHMARK(BM_Decompress)->ArgName("zstd_level")->Arg(0)->Arg(1)->Arg(3);

}  // namespace
}  // namespace synapsed::storage::sstable

BENCHMARK_MAIN();
