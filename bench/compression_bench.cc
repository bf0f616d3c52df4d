// Space and throughput of each fixed codec and of the adaptive modes, on
// three data sets, at both places the project compresses:
//
//   BM_Table/<data>/<mode>  the native engine's tables: TableBuilder writes a
//       table of 16-byte keys and 100-byte values (db_bench's shape) into
//       memory, compressing 4 KiB blocks. Modes: none, lz4, zstd (level 3,
//       the engine's default), adaptive = zstd with
//       TableBuilderOptions::adaptive_compression (block sampling).
//   BM_Layer/<data>/<mode>  the compression layer: EncodeCompressedValue on
//       1000-byte values (min_size 64). Modes: none, lz4, zstd, adaptive
//       (AdaptiveCodec's per-value choice).
//
// Data sets: `dbbench` is db_bench's value generator (bench/db_bench/
// data_gen.h, compression ratio 0.5); `random` is uniformly random bytes;
// `json` is JSON-like records (field names repeat, values vary).
//
// Counters: `space` = stored bytes / raw bytes (lower is smaller), and
// bytes_per_second of raw input. Run pinned to one core:
//
//   taskset -c 1 build/rel/bench/compression_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
// (one command line)
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/db_bench/data_gen.h"
#include "fmt/format.h"
#include "layers/compression_layer.h"
#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace synapsed::storage {
namespace {

enum Data { kDbBench = 0, kRandom = 1, kJson = 2 };
enum Mode { kNone = 0, kLz4 = 1, kZstd = 2, kAdaptive = 3 };
constexpr const char* kDataNames[] = {"dbbench", "random", "json"};
constexpr const char* kModeNames[] = {"none", "lz4", "zstd", "adaptive"};

// JSON-like text: records with fixed field names and varying values, as an
// API's documents would look.
std::string JsonRecord(Random* rnd) {
  static const char* kNames[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
  static const char* kTags[] = {"red", "green", "blue", "admin", "beta", "eu", "us"};
  return fmt::format(
      R"({{"id":{},"user":"{}{}","email":"{}@example.com","age":{},)"
      R"("score":{}.{:03},"active":{},"tags":["{}","{}"],"note":"{}"}})",
      rnd->Uniform(1000000), kNames[rnd->Uniform(6)], rnd->Uniform(10000),
      kNames[rnd->Uniform(6)], 18 + rnd->Uniform(60), rnd->Uniform(100),
      rnd->Uniform(1000), rnd->OneIn(2) ? "true" : "false", kTags[rnd->Uniform(7)],
      kTags[rnd->Uniform(7)], rnd->Bytes(8, /*printable=*/true));
}

// `count` values of `len` bytes of the data set.
std::vector<std::string> Values(Data data, size_t len, int count) {
  std::vector<std::string> out;
  Random rnd(301);
  bench::ValueGenerator gen(301, 0.5);
  for (int i = 0; i < count; ++i) {
    std::string v;
    switch (data) {
      case kDbBench:
        v = gen.Next(len);
        break;
      case kRandom:
        v = rnd.Bytes(len);
        break;
      case kJson:
        while (v.size() < len) v += JsonRecord(&rnd);
        v.resize(len);
        break;
    }
    out.push_back(std::move(v));
  }
  return out;
}

void BM_Table(benchmark::State& state, Data data, Mode mode) {
  constexpr int kEntries = 40000;  // ~4.6 MiB of keys and values
  const std::vector<std::string> values = Values(data, 100, kEntries);
  std::vector<std::string> keys;
  size_t raw = 0;
  for (int i = 0; i < kEntries; ++i) {
    std::string k;
    bench::MakeKey(i, 16, &k);
    keys.push_back(MakeInternalKey(k, 1, ValueType::kValue));
    raw += keys.back().size() + values[i].size();
  }
  sstable::TableBuilderOptions o;
  o.bloom_bits_per_key = 0;  // measure the blocks, not the filter
  o.compression = mode == kNone   ? sstable::CompressionType::kNone
                  : mode == kLz4 ? sstable::CompressionType::kLz4
                                 : sstable::CompressionType::kZstd;
  o.adaptive_compression = mode == kAdaptive;
  std::string table;
  for (auto _ : state) {
    table.clear();
    sstable::testing::StringSink sink(&table);
    sstable::TableBuilder b(o, &sink);
    for (int i = 0; i < kEntries; ++i) {
      if (!b.Add(keys[i], values[i]).ok()) state.SkipWithError("add failed");
    }
    if (!b.Finish().ok()) state.SkipWithError("finish failed");
  }
  state.SetBytesProcessed(state.iterations() * raw);
  state.counters["space"] = static_cast<double>(table.size()) / raw;
}

void BM_Layer(benchmark::State& state, Data data, Mode mode) {
  const std::vector<std::string> values = Values(data, 1000, 4096);
  CompressionConfig c;
  c.enabled = true;  // off by default, as the seed has it
  c.min_size = 64;
  c.algorithm = mode == kNone   ? CompressionConfig::Algorithm::kNone
                : mode == kLz4 ? CompressionConfig::Algorithm::kLz4
                : mode == kZstd ? CompressionConfig::Algorithm::kZstd
                                : CompressionConfig::Algorithm::kAdaptive;
  // One chooser for the whole run, as one layer keeps one.
  layers::AdaptiveCodec adaptive;
  size_t raw = 0;
  size_t stored = 0;
  for (auto _ : state) {
    raw = stored = 0;
    for (const std::string& v : values) {
      std::string enc = layers::EncodeCompressedValue(v, c, &adaptive);
      raw += v.size();
      stored += enc.size();
      benchmark::DoNotOptimize(enc.data());
    }
  }
  // Compressible data stored whole means the layer compressed nothing: the
  // measurement would be of copying, so say so instead of reporting it.
  if (mode != kNone && data != kRandom && stored >= raw) {
    state.SkipWithError("the layer stored every value raw (is compression enabled?)");
  }
  state.SetBytesProcessed(state.iterations() * raw);
  state.counters["space"] = static_cast<double>(stored) / raw;
}

}  // namespace
}  // namespace synapsed::storage

// Registered by name ("BM_Table/json/adaptive") rather than by numeric
// arguments, so the report reads as the table in docs/performance.md.
int main(int argc, char** argv) {
  using namespace synapsed::storage;  // NOLINT: a benchmark's main
  for (int d = kDbBench; d <= kJson; ++d) {
    for (int m = kNone; m <= kAdaptive; ++m) {
      const auto data = static_cast<Data>(d);
      const auto mode = static_cast<Mode>(m);
      benchmark::RegisterBenchmark(
          fmt::format("BM_Table/{}/{}", kDataNames[d], kModeNames[m]).c_str(),
          [=](benchmark::State& s) { BM_Table(s, data, mode); })
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(
          fmt::format("BM_Layer/{}/{}", kDataNames[d], kModeNames[m]).c_str(),
          [=](benchmark::State& s) { BM_Layer(s, data, mode); })
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
