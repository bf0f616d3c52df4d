// The flags of `synapsed bench`: RocksDB db_bench's names, meanings and (where
// the engines share them) defaults, plus --engine and --json.
//
// One difference in shape: --benchmarks and --engine are comma lists parsed
// by the command; here they are vectors.
#ifndef SYNAPSED_BENCH_DB_BENCH_BENCH_FLAGS_H_
#define SYNAPSED_BENCH_DB_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/options.h"

namespace synapsed::storage::bench {

struct BenchFlags {
  // Run in order on one database per engine. fill* start from a fresh
  // database (as in db_bench); the others use what the earlier ones left.
  std::vector<std::string> benchmarks = {"fillseq", "fillrandom", "overwrite",
                                         "readrandom", "readseq", "seekrandom"};
  // native, native_encrypted (files sealed with AES-256-GCM under a fixed
  // benchmark key), native_acl and native_audit (native under access
  // control, and audit: db_bench/secured_engines.h), rocksdb, leveldb,
  // sqlite, memory: each in <db>/<engine>.
  std::vector<std::string> engines = {"native"};
  int64_t num = 1000000;      // keys written by fill*/overwrite (fillsync: num/1000)
  int64_t reads = -1;         // ops of read workloads (<0: num)
  int key_size = 16;
  int value_size = 100;
  int threads = 1;            // threads per workload (readwhilewriting: readers)
  std::string compression_type = "snappy";  // none, snappy, lz4, zstd
  double compression_ratio = 0.5;           // of generated values
  int64_t cache_size = 8 << 20;             // block cache bytes
  int bloom_bits = -1;                      // bits per key; <0: no filter
  int64_t write_buffer_size = 64 << 20;
  int block_size = 4096;
  bool sync = false;          // sync every write (fillsync always does)
  uint64_t seed = 301;        // same seed for every engine: same keys and values
  int seek_nexts = 10;        // Next() calls after each seekrandom Seek
  int batch_size = 16;        // keys per multireadrandom BatchGet
  bool histogram = false;     // print the full latency histogram per row
  bool use_existing_db = false;  // skip fill* and keep the directories
  // Table reads around the page cache where the engine can (native and
  // RocksDB: use_direct_reads; LevelDB has no such option).
  bool use_direct_reads = false;
  // Native log appends through a shared mapping (EngineOptions::
  // use_mmap_writes; db_bench's mmap_write). Default: the engine's.
  bool mmap_write = engine::EngineOptions{}.use_mmap_writes;
  // Native log buffer (EngineOptions::wal_buffer_bytes): unsynced writes
  // wait in user space up to this many bytes (an encrypted log seals them
  // as one run), and a process crash may lose them. 0: every write reaches
  // the OS before it is acknowledged. Unset: the engine's default (0 plain,
  // a buffer encrypted).
  std::optional<uint64_t> wal_buffer_bytes;
  std::string db;             // root directory (default /tmp/synapsed_bench-<uid>)
  std::string json;           // write a JSON report here ("-": stdout)
  bool progress = false;      // progress lines on stderr (the command sets it on a tty)

  // InvalidArgument naming the flag if a value is out of range or unknown.
  absl::Status Validate() const;
  int64_t ReadCount() const { return reads < 0 ? num : reads; }
};

// Every --benchmarks name this tool runs.
const std::vector<std::string>& KnownBenchmarks();
// Every --engine name.
const std::vector<std::string>& KnownEngines();

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_BENCH_FLAGS_H_
