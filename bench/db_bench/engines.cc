#include "bench/db_bench/engines.h"

#include <filesystem>
#include <system_error>

#include "backends/leveldb_store.h"
#include "backends/memory_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "bench/db_bench/secured_engines.h"
#include "crypto/keyring.h"
#include "engine/db.h"
#include "util/status_macros.h"
#include "sstable/format.h"
#include "fmt/format.h"

namespace synapsed::storage::bench {
namespace {

CompressionConfig::Algorithm Algorithm(const std::string& name) {
  if (name == "lz4") return CompressionConfig::Algorithm::kLz4;
  if (name == "zstd") return CompressionConfig::Algorithm::kZstd;
  if (name == "snappy") return CompressionConfig::Algorithm::kSnappy;
  return CompressionConfig::Algorithm::kNone;
}

// The native tables offer LZ4 and Zstandard; Snappy's place (a fast codec)
// is taken by LZ4, and DescribeEngine says so.
sstable::CompressionType NativeCompression(const std::string& name) {
  if (name == "none") return sstable::CompressionType::kNone;
  if (name == "zstd") return sstable::CompressionType::kZstd;
  return sstable::CompressionType::kLz4;
}

std::string Bytes(int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return fmt::format("{} MiB", n >> 20);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} KiB", n >> 10);
  return fmt::format("{} B", n);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenEngine(const std::string& engine,
                                                  const BenchFlags& flags,
                                                  const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(fmt::format("cannot create {}: {}", dir, ec.message()));
  }
  const int bloom = flags.bloom_bits < 0 ? 0 : flags.bloom_bits;
  if (IsSecuredEngine(engine)) {
    // The engine in a subdirectory, the audit files beside it.
    ASSIGN_OR_RETURN(auto native, OpenEngine("native", flags, dir + "/native"));
    return WrapSecured(engine, std::move(native), dir);
  }
  if (engine == "native" || engine == "native_encrypted") {
    engine::EngineOptions o;
    if (engine == "native_encrypted") {
      // A fixed, public benchmark key: the cost of encryption is measured,
      // nothing is protected.
      auto key = crypto::SecureKey::FromHex(std::string(64, 'b'));
      if (!key.ok()) return key.status();
      o.keyring = std::make_shared<crypto::Keyring>();
      RETURN_IF_ERROR(o.keyring->Add(crypto::MasterKey{"bench", *std::move(key)}));
    }
    o.write_buffer_size = static_cast<size_t>(flags.write_buffer_size);
    o.block_cache_size = static_cast<size_t>(flags.cache_size);
    o.table.block_size = static_cast<size_t>(flags.block_size);
    o.table.bloom_bits_per_key = bloom;
    o.table.compression = NativeCompression(flags.compression_type);
    o.use_direct_reads = flags.use_direct_reads;
    o.use_mmap_writes = flags.mmap_write;
    if (flags.wal_buffer_bytes.has_value()) {
      o.wal_buffer_bytes = static_cast<size_t>(*flags.wal_buffer_bytes);
    }
    return engine::OpenNativeStore(o, dir);
  }
  if (engine == "rocksdb") {
    RocksDbStoreOptions o;
    o.block_cache_size = static_cast<size_t>(flags.cache_size);
    o.write_buffer_size = static_cast<size_t>(flags.write_buffer_size);
    o.bloom_bits_per_key = bloom;
    o.block_size = static_cast<size_t>(flags.block_size);
    o.compression = Algorithm(flags.compression_type);
    o.use_direct_reads = flags.use_direct_reads;
    return OpenRocksDbStore(o, dir);
  }
  if (engine == "leveldb") {
    LevelDbStoreOptions o;
    o.block_cache_size = static_cast<size_t>(flags.cache_size);
    o.write_buffer_size = static_cast<size_t>(flags.write_buffer_size);
    o.bloom_bits_per_key = bloom;
    o.block_size = static_cast<size_t>(flags.block_size);
    o.compression = Algorithm(flags.compression_type);
    return OpenLevelDbStore(o, dir);
  }
  if (engine == "sqlite") {
    SqliteStoreOptions o;
    o.cache_size = static_cast<size_t>(flags.cache_size);
    o.page_size = static_cast<size_t>(flags.block_size);
    return OpenSqliteStore(o, dir + "/kv.sqlite");
  }
  if (engine == "memory") return NewMemoryStore();
  return absl::InvalidArgumentError(fmt::format("--engine: unknown engine \"{}\"", engine));
}

std::vector<std::pair<std::string, std::string>> DescribeEngine(
    const std::string& engine, const BenchFlags& flags) {
  const std::string cache = Bytes(flags.cache_size);
  const std::string bloom =
      flags.bloom_bits < 0 ? "none" : fmt::format("{} bits/key", flags.bloom_bits);
  const std::string wbuf = Bytes(flags.write_buffer_size);
  const std::string block = Bytes(flags.block_size);
  const std::string sync = flags.sync ? "every write" : "no (fillsync: every write)";
  const std::string& comp = flags.compression_type;
  const std::string direct = flags.use_direct_reads ? "yes (O_DIRECT)" : "no (page cache)";
  if (IsSecuredEngine(engine)) {
    auto lines = DescribeEngine("native", flags);
    for (auto& line : DescribeSecured(engine)) lines.push_back(std::move(line));
    return lines;
  }
  if (engine == "native" || engine == "native_encrypted") {
    if (engine == "native_encrypted") {
      return {{"block cache", cache + " ARC"},
              {"bloom filter", bloom},
              {"compression", comp == "snappy" ? "lz4 (native has no snappy)" : comp},
              {"encryption", "AES-256-GCM per block and log record (benchmark key)"},
              {"write buffer", wbuf},
              {"block size", block},
              {"sync", sync},
              {"direct reads", direct}};
    }
    return {{"block cache", cache + " ARC"},
            {"bloom filter", bloom},
            {"compression", comp == "snappy" ? "lz4 (native has no snappy)" : comp},
            {"write buffer", wbuf},
            {"block size", block},
            {"sync", sync},
            {"direct reads", direct}};
  }
  if (engine == "rocksdb") {
    return {{"block cache", cache + " LRU"}, {"bloom filter", bloom},
            {"compression", comp},           {"write buffer", wbuf},
            {"block size", block},           {"sync", sync},
            {"direct reads", direct}};
  }
  if (engine == "leveldb") {
    return {{"block cache", cache + " LRU"},
            {"bloom filter", bloom},
            {"compression", comp == "none" || comp == "snappy"
                                ? comp
                                : "snappy (leveldb 1.23 has no " + comp + ")"},
            {"write buffer", wbuf},
            {"block size", block},
            {"sync", sync},
            {"direct reads", flags.use_direct_reads
                                 ? "no (leveldb has no direct-read option: page cache)"
                                 : direct}};
  }
  if (engine == "sqlite") {
    return {{"block cache", cache + " page cache per connection"},
            {"bloom filter", "ignored (B-tree, no filters)"},
            {"compression", "ignored (sqlite stores pages uncompressed)"},
            {"write buffer", "ignored (WAL, autocheckpoint 1000 pages)"},
            {"block size", block + " page size"},
            {"sync", sync + " (synchronous=FULL when syncing, else NORMAL)"}};
  }
  const std::string none = "ignored (in memory)";
  return {{"block cache", none}, {"bloom filter", none}, {"compression", none},
          {"write buffer", none}, {"block size", none},  {"sync", none}};
}

}  // namespace synapsed::storage::bench
