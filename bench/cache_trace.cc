// Trace-driven hit rates, ARC against LRU: zipfian point reads with a full
// scan mixed in every N reads, the pattern ARC was chosen for (a compaction
// or a range read sweeping the table while point reads continue).
//
// The workload, exactly (defaults; flags override):
//   - K = 100,000 distinct blocks; key = fixed64 file number (id / 1000) +
//     fixed64 offset ((id % 1000) * 4096); every block charges 4096 bytes.
//   - The cache holds 10% of the blocks: 10,000 * 4096 = 40,960,000 bytes,
//     shards derived as in production (CacheOptions::num_shard_bits = -1).
//   - 1,000,000 point reads; block id = rank drawn from a zipfian
//     distribution over [0, K) with theta 0.99 (the YCSB generator of Gray
//     et al., "Quickly generating billion-record synthetic databases"),
//     seed 42.
//   - Every `scan_every` point reads, one scan: ids 0..K-1 in order, each
//     read once (so with scan_every = 100,000 there are 10 scans, 1,000,000
//     scan reads).
//   - A read is Lookup; on a miss, Insert (a table reader filling the cache)
//     and the handle is released at once. One thread.
// Printed: hit rate of the point reads (what users feel), of the scan reads,
// and overall, for each policy and scan frequency. Then (alone with
// --memory) the heap a full 40 MB cache really holds, against its capacity.
//
//   build/<dir>/bench/cache_trace [--keys=N] [--ops=N] [--theta=F]
//                                 [--cache_pct=F] [--scan_every=N]
#include <malloc.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cache/arc_cache.h"
#include "cache/cache.h"
#include "cache/lru_cache.h"
#include "util/coding.h"
#include "util/random.h"

namespace synapsed::storage::cache {
namespace {

constexpr size_t kBlockCharge = 4096;
constexpr uint64_t kSeed = 42;

class BlockValue : public CacheValue {};

// YCSB's zipfian generator over [0, n): rank 0 is the most popular.
class Zipfian {
 public:
  Zipfian(uint64_t n, double theta, uint64_t seed)
      : n_(n), theta_(theta), rnd_(seed) {
    for (uint64_t i = 1; i <= n; ++i) zetan_ += 1.0 / std::pow(i, theta);
    const double zeta2 = 1.0 + 1.0 / std::pow(2.0, theta);
    alpha_ = 1.0 / (1.0 - theta);
    eta_ = (1.0 - std::pow(2.0 / n, 1.0 - theta)) / (1.0 - zeta2 / zetan_);
  }
  uint64_t Next() {
    const double u = static_cast<double>(rnd_.Next64() >> 11) * 0x1.0p-53;
    const double uz = u * zetan_;
    if (uz < 1.0) return 0;
    if (uz < 1.0 + std::pow(0.5, theta_)) return 1;
    const auto r =
        static_cast<uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return r < n_ ? r : n_ - 1;
  }

 private:
  const uint64_t n_;
  const double theta_;
  Random rnd_;
  double zetan_ = 0;
  double alpha_ = 0;
  double eta_ = 0;
};

struct Workload {
  uint64_t keys = 100'000;
  uint64_t ops = 1'000'000;
  double theta = 0.99;
  double cache_pct = 10;
  uint64_t scan_every = 100'000;  // 0: no scans
};

struct Rates {
  uint64_t point_hits = 0, point_reads = 0, scan_hits = 0, scan_reads = 0;
  double Point() const { return 100.0 * point_hits / point_reads; }
  double Scan() const {
    return scan_reads ? 100.0 * scan_hits / scan_reads : 0.0;
  }
  double All() const {
    return 100.0 * (point_hits + scan_hits) / (point_reads + scan_reads);
  }
};

// Reads one block through the cache; true on a hit.
bool Read(Cache& c, uint64_t id) {
  char key[16];
  EncodeFixed64(key, id / 1000);
  EncodeFixed64(key + 8, (id % 1000) * kBlockCharge);
  const std::string_view k(key, sizeof(key));
  if (Handle h = c.Lookup(k)) return true;
  (void)c.Insert(k, std::make_unique<BlockValue>(), kBlockCharge);
  return false;
}

Rates Run(Cache& c, const Workload& w) {
  Zipfian zipf(w.keys, w.theta, kSeed);
  Rates r;
  for (uint64_t op = 1; op <= w.ops; ++op) {
    r.point_hits += Read(c, zipf.Next()) ? 1 : 0;
    ++r.point_reads;
    if (w.scan_every != 0 && op % w.scan_every == 0) {
      for (uint64_t id = 0; id < w.keys; ++id) {
        r.scan_hits += Read(c, id) ? 1 : 0;
        ++r.scan_reads;
      }
    }
  }
  return r;
}

void Report(const Workload& w) {
  const size_t capacity = static_cast<size_t>(
      std::llround(w.keys * w.cache_pct / 100.0) * kBlockCharge);
  const CacheOptions options{.capacity = capacity};
  std::printf("keys=%llu ops=%llu theta=%.2f cache=%.1f%% (%zu bytes) ",
              static_cast<unsigned long long>(w.keys),
              static_cast<unsigned long long>(w.ops), w.theta, w.cache_pct,
              capacity);
  if (w.scan_every == 0) {
    std::printf("no scans\n");
  } else {
    std::printf("full scan every %llu point reads\n",
                static_cast<unsigned long long>(w.scan_every));
  }
  for (auto f : {&NewArcCache, &NewLruCache}) {
    std::unique_ptr<Cache> c = f(options);
    const Rates r = Run(*c, w);
    std::printf(
        "  %-3s point-read hit rate %6.2f%%   scan %6.2f%%   all %6.2f%%\n",
        std::string(c->Name()).c_str(), r.Point(), r.Scan(), r.All());
  }
}

// A block with its bytes really allocated, for the memory measurement.
class RealBlock : public CacheValue {
 public:
  RealBlock() : bytes_(new char[kBlockCharge]) {
    std::memset(bytes_.get(), 1, kBlockCharge);
  }

 private:
  std::unique_ptr<char[]> bytes_;
};

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// What a RealBlock really costs: its 4096 bytes and its object, each with
// malloc's 16-byte chunk header. A table reader should charge the same way.
constexpr size_t kRealBlockCharge = (kBlockCharge + 16) + (16 + 16);
static_assert(sizeof(RealBlock) <= 24, "a RealBlock fits a 32-byte chunk");

// Heap the process holds for a full cache of real 4 KiB blocks after 50,000
// distinct inserts (5x capacity), charging each block what it really costs,
// with and without CacheOptions::charge_metadata: what capacity promises
// against what it costs.
void MeasureMemory() {
  const size_t capacity = 40'960'000;
  std::printf(
      "memory: capacity %zu bytes, 16-byte keys, 4096-byte blocks "
      "charged %zu, 50,000 distinct inserts\n",
      capacity, kRealBlockCharge);
  for (bool metadata : {false, true}) {
    for (auto f : {&NewArcCache, &NewLruCache}) {
      const size_t before = HeapInUse();
      std::unique_ptr<Cache> c =
          f(CacheOptions{.capacity = capacity, .charge_metadata = metadata});
      for (uint64_t id = 0; id < 50'000; ++id) {
        char key[16];
        EncodeFixed64(key, id / 1000);
        EncodeFixed64(key + 8, (id % 1000) * kBlockCharge);
        (void)c->Insert(std::string_view(key, sizeof(key)),
                        std::make_unique<RealBlock>(), kRealBlockCharge);
      }
      const size_t held = HeapInUse() - before;
      std::printf(
          "  %-3s charge_metadata=%d: Usage() %zu, heap held %zu = "
          "%.2f%% of capacity\n",
          std::string(c->Name()).c_str(), metadata, c->Usage(), held,
          100.0 * held / capacity);
    }
  }
}

bool Flag(const char* arg, const char* name, double* out) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *out = std::strtod(arg + n + 1, nullptr);
  return true;
}

}  // namespace
}  // namespace synapsed::storage::cache

int main(int argc, char** argv) {
  using synapsed::storage::cache::Flag;
  if (argc == 2 && std::strcmp(argv[1], "--memory") == 0) {
    synapsed::storage::cache::MeasureMemory();
    return 0;
  }
  using synapsed::storage::cache::Report;
  using synapsed::storage::cache::Workload;
  if (argc > 1) {
    Workload w;
    for (int i = 1; i < argc; ++i) {
      double v;
      if (Flag(argv[i], "--keys", &v)) {
        w.keys = static_cast<uint64_t>(v);
      } else if (Flag(argv[i], "--ops", &v)) {
        w.ops = static_cast<uint64_t>(v);
      } else if (Flag(argv[i], "--theta", &v)) {
        w.theta = v;
      } else if (Flag(argv[i], "--cache_pct", &v)) {
        w.cache_pct = v;
      } else if (Flag(argv[i], "--scan_every", &v)) {
        w.scan_every = static_cast<uint64_t>(v);
      } else {
        std::fprintf(stderr, "unknown flag %s\n", argv[i]);
        return 2;
      }
    }
    Report(w);
    return 0;
  }
  // The default matrix: the headline workload, then without scans and with
  // rarer or more frequent ones.
  for (uint64_t scan_every : {100'000, 0, 250'000, 50'000}) {
    Workload w;
    w.scan_every = scan_every;
    Report(w);
  }
  synapsed::storage::cache::MeasureMemory();
  return 0;
}
