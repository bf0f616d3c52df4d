// StorageConfig: which backend to open and which layers to stack on it, as
// the seed describes it. FromJson reads three forms of the same config:
//
// 1. Flat (this library's own; what ToJson writes): the backend's fields next
//    to "type".
//      {"type": "native", "path": "/var/lib/app/db",
//       "write_buffer_size": 4194304, "block_cache_size": 67108864,
//       "cache": {"policy": "arc", "max_entries": 100000, "ttl_seconds": 60},
//       "compression": {"enabled": true, "algorithm": "lz4", "min_size": 1024},
//       "encryption": {"key_file": "/etc/app/db.key", "key_id": "k2"}}
// 2. Nested: "type" names the backend and an object under the same name holds
//    its fields.
//      {"type": "rocks_db", "rocks_db": {"path": "/x", "max_open_files": 1000}}
// 3. Externally tagged, as Rust serde writes the seed's backend enum by
//    default: one key, the variant's name, holding the fields, either as the
//    whole config or under "backend" (next to "cache" and "compression").
//      {"RocksDb": {"path": "/x", "max_open_files": 1000}}
//      {"backend": {"Memory": {"initial_capacity": 1024}}, "cache": {...}}
//
// "encryption" (any form, next to "cache") takes "key_file" or "key_env"
// (one of them) and optionally "key_id"; see encryption.h.
// "access_control" (next to "cache") holds roles, users and grants; see
// AclConfig below and synapsed/storage/access_control.h; "audit" the
// audit log (AuditConfig); "metrics" the metrics layer (true, false, or
// MetricsConfig's fields as an object).
//
// Backends' fields: memory "initial_capacity"; native "path" and
// NativeOptions' fields; rocksdb "path" and RocksDbOptions'; sqlite and
// leveldb "path"; distributed no "path" but "nodes" (required: seed nodes,
// ["10.0.0.1:7000", ...]), "replication_factor", "min_replicas",
// "consistency" ("strong" or "eventual"), "timeout_ms", "retry_timeout_ms",
// "user" and "password_file" (DistributedOptions), e.g.
//      {"type": "distributed", "nodes": ["10.0.0.1:7000"], "timeout_ms": 500}
//      {"type": "distributed", "distributed": {"nodes": ["10.0.0.1:7000"]}}
//      {"Distributed": {"nodes": ["10.0.0.1:7000"], "consistency": "eventual"}}
//
// Backend names: memory, native, rocksdb (the seed's rocks_db), sqlite,
// leveldb, distributed; the variant names Memory, Native, RocksDb, Sqlite,
// LevelDb, Distributed. The seed's sled is refused: it has no C or C++
// interface and no Debian package (leveldb is the nearest peer here). In the
// cache section "cache_type" is the seed's name for "policy"; policies and
// algorithms may be spelled lowercase (lru) or as the seed's variants (Lru).
//
// A form is chosen per config: mixing them (flat fields next to a nested
// object, a tag that disagrees with "type", two tags) is an error, so a config
// cannot say two things at once. Fields of another backend, unknown fields,
// wrong types and unknown backends fail too; every error is InvalidArgument
// and names the field ("rocks_db.max_open_files", "backend", ...).
//
// Defaults follow the seed where it states them (RocksDB: 16 MiB write
// buffer, 1000 open files; compression off unless enabled) and the engine's
// own elsewhere.
#ifndef SYNAPSED_STORAGE_CONFIG_H_
#define SYNAPSED_STORAGE_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "synapsed/storage/encryption.h"

namespace synapsed::storage {

enum class BackendType {
  kMemory,
  kNative,
  kRocksDb,
  kSqlite,
  kLevelDb,  // a benchmark peer; stands in for the seed's sled backend
  kDistributed,
};

// The value cache layer (layers/): whole values by key.
struct CacheConfig {
  enum class Policy { kLru, kLfu, kArc };
  Policy policy = Policy::kLru;  // JSON: "policy" or the seed's "cache_type"
  size_t max_entries = 10000;
  std::optional<uint64_t> ttl_seconds;  // nullopt: entries never expire
  friend bool operator==(const CacheConfig&, const CacheConfig&) = default;
};

// The value compression layer (layers/).
struct CompressionConfig {
  // kAdaptive: the layer picks none, LZ4 or Zstandard per value from
  // measured ratio and speed (layers/adaptive_codec.h).
  enum class Algorithm { kLz4, kZstd, kSnappy, kNone, kAdaptive };
  // Off unless asked for, as in the seed: compressing costs CPU on every
  // read and write and only pays for values that compress.
  bool enabled = false;
  Algorithm algorithm = Algorithm::kLz4;
  size_t min_size = 1024;  // values shorter than this are stored as they are
  friend bool operator==(const CompressionConfig&,
                         const CompressionConfig&) = default;
};

// The metrics layer (layers/metrics_layer.h): counts, errors, bytes and
// latency per operation, as GetProperty("metrics") (JSON) and
// ("metrics.prometheus"). JSON "metrics": true, or an object of these fields.
struct MetricsConfig {
  // Also report the backend's own statistics (the native engine's levels,
  // compactions, stalls, block cache...): one read of the engine's
  // statistics, under its lock, per metrics read. Off: the layer's numbers
  // only.
  bool engine_stats = true;
  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

// The native LSM engine.
// NativeOptions::wal_flush_interval_ms's largest value (a minute).
inline constexpr uint64_t kMaxWalFlushIntervalMs = 60000;

struct NativeOptions {
  // Bytes of writes buffered in a memtable before it is flushed to a table:
  // bigger absorbs more overwrites, smaller stays in CPU cache.
  size_t write_buffer_size = 4 << 20;
  // Bytes of blocks the block cache may hold.
  size_t block_cache_size = 64 << 20;
  // Create the database if the directory holds none.
  bool create_if_missing = true;
  // Fail to open if a database already exists.
  bool error_if_exists = false;
  // Codec of the tables written to each level (kNone, kLz4 or kZstd; tables
  // have no Snappy or adaptive codec): level i uses entry i, or the last entry
  // past the end. Empty: LZ4 everywhere. E.g. {kNone, kLz4, kZstd}: L0 is
  // rewritten soon and read hot, L1 takes cheap LZ4, and L2 and below, where
  // most bytes rest, take Zstandard's smaller output.
  std::vector<CompressionConfig::Algorithm> compression_per_level;
  // Sample blocks and stop compressing data that does not compress: after
  // a run of blocks that did not shrink, only one block in 16 is tried until
  // one pays (sstable/compression_sampler.h). The table format is unchanged.
  bool adaptive_compression = false;
  // Bytes of write-ahead log kept after its writes are in tables, so that a
  // change stream can resume from a past sequence (Store::Subscribe,
  // change_stream.h); the newest obsolete logs are kept up to this total.
  // 0: only the logs recovery needs. More: longer resumable history, at
  // that much disk.
  uint64_t log_retention_bytes = 0;
  // Bytes of unsynced log records kept in user space before they are
  // written to the log file: fewer system calls (and, encrypted, one seal
  // per buffer rather than per record), at the price of a process crash
  // losing what the buffer holds. 0: every write reaches the OS before it is
  // acknowledged. Unset: 0 for a plain database, 64 KiB for an encrypted
  // one. Synced writes are durable either way.
  std::optional<uint64_t> wal_buffer_bytes;
  // With a log buffer: the longest a buffered record waits before it is
  // written to the file when no later write fills the buffer or syncs
  // (at most 60000). 0: it waits for one.
  uint64_t wal_flush_interval_ms = 10;
  friend bool operator==(const NativeOptions&, const NativeOptions&) = default;
};

// The RocksDB backend (as the seed's RocksDbOptions, with its defaults).
struct RocksDbOptions {
  size_t block_cache_size = 64 << 20;
  // Memtable bytes before a flush: RocksDB's own default is 64 MiB; the
  // seed's 16 MiB keeps an embedded store's memory small.
  size_t write_buffer_size = 16 << 20;
  // Table files kept open (-1: all). The seed's 1000 bounds descriptors.
  int max_open_files = 1000;
  friend bool operator==(const RocksDbOptions&, const RocksDbOptions&) = default;
};

// The memory backend.
struct MemoryOptions {
  // Keys to reserve room for when the store opens (the seed's
  // initial_capacity): that many map nodes are allocated up front and reused,
  // so filling the store to this size allocates no nodes. 0: allocate as
  // keys arrive.
  size_t initial_capacity = 0;
  friend bool operator==(const MemoryOptions&, const MemoryOptions&) = default;
};

// What a read of the `distributed` backend asks of the cluster, as its
// cluster.json's "consistency" (docs/format/cluster_config.md). kStrong:
// the partition's leader confirms through Raft that it still leads before
// reading (linearizable, a round trip in the group per read). kEventual: a
// replica reads what it has applied (cheaper; may miss the latest writes).
enum class ReadConsistency { kStrong, kEventual };

// The `distributed` backend: a client of a `synapsed serve --cluster`
// cluster (docs/cluster.md), speaking RESP over TCP. JSON (flat form):
//   {"type": "distributed", "nodes": ["10.0.0.1:7000", "10.0.0.2:7000"],
//    "replication_factor": 3, "min_replicas": 2, "consistency": "strong",
//    "timeout_ms": 2000, "retry_timeout_ms": 10000,
//    "user": "app", "password_file": "/etc/app/db.password"}
struct DistributedOptions {
  // Seed nodes, "host:port" with a numeric IPv4 host; at least one. The
  // client learns the rest of the cluster (CLUSTER SHARDS) from the first
  // one that answers.
  std::vector<std::string> nodes;
  // Optional expectations of the cluster's map: when set, opening fails
  // (FailedPrecondition) if the cluster says otherwise. At least 1 each, and
  // min_replicas <= replication_factor when both are set.
  std::optional<int> replication_factor;
  std::optional<int> min_replicas;
  std::optional<ReadConsistency> consistency;
  // Bound of every network wait (connect, send, one reply), milliseconds;
  // at least 1. Shorter notices a dead node sooner but fails slow replies.
  uint64_t timeout_ms = 2000;
  // How long one operation keeps retrying while a partition elects a leader
  // or a node is unreachable (-TRYAGAIN, -MOVED, a refused connection).
  // 0: do not retry.
  uint64_t retry_timeout_ms = 10000;
  // AUTH on every connection when password_file is set: the file's first
  // line is the password (never logged); user "" means AUTH <password>.
  // A user without a password file is refused.
  std::string user;
  std::string password_file;
  friend bool operator==(const DistributedOptions&,
                         const DistributedOptions&) = default;
};

// Access control (security/, see synapsed/storage/access_control.h): who
// may read and write which keys. A principal (a user) is granted roles; a
// role holds rules and may hold the admin permission (to change grants at
// run time). JSON "access_control":
//   {"roles": {"reader": {"rules": [{"prefix": "a/", "access": "read"}]},
//              "ops": {"rules": [{"begin": "m", "end": "n",
//                                 "access": "readwrite"}], "admin": true}},
//    "users": ["alice", "bob"],
//    "grants": {"alice": ["reader"], "bob": ["reader", "ops"]}}
// Keys are the JSON strings' bytes (UTF-8).
struct AclRule {
  // Stored by the ACL (security/acl_state_codec.h): values do not change.
  enum class Access { kRead = 0, kWrite = 1, kReadWrite = 2 };
  // Every key starting with `prefix` ("" is every key); or, when unset,
  // [begin, end), an unset end being open.
  std::optional<std::string> prefix;
  std::string begin;
  std::optional<std::string> end;
  Access access = Access::kRead;
  friend bool operator==(const AclRule&, const AclRule&) = default;
};

struct AclRole {
  std::vector<AclRule> rules;
  // May grant, revoke and define roles (SecuredStore's admin calls).
  bool admin = false;
  friend bool operator==(const AclRole&, const AclRole&) = default;
};

struct AclConfig {
  std::map<std::string, AclRole> roles;
  // The principals. A store used directly (not through AsPrincipal) acts as
  // "anonymous", which has no rights unless listed and granted here.
  std::vector<std::string> users;
  // Principal -> the roles granted to it.
  std::map<std::string, std::vector<std::string>> grants;
  // Principal -> its password as a salted scrypt hash (never the password:
  // docs/format/password_hash.md; `synapsed acl passwd` makes one). What
  // `synapsed serve` checks AUTH against; a principal without one cannot
  // log in over the network. JSON "passwords": {"alice": "$scrypt$..."}.
  std::map<std::string, std::string> passwords;
  friend bool operator==(const AclConfig&, const AclConfig&) = default;
};

// Receives each signed checkpoint of the audit log, as the line the
// checkpoint file would hold (docs/format/audit.md). Called with the log's
// lock held: export quickly (or queue), and do not call the store.
class AuditCheckpointSink {
 public:
  virtual ~AuditCheckpointSink() = default;
  virtual void Export(std::string_view checkpoint_line) = 0;
};

// The tamper-evident audit log (security/audit_log.h, docs/format/audit.md):
// one record per operation through the access control layer, allowed or
// denied, never a value. Needs access control. JSON "audit":
//   {"path": "/var/log/app/db.audit", "hmac_key_file": "/etc/app/audit.key",
//    "checkpoint_path": "/backup/db.audit.checkpoints",
//    "sensitive_prefixes": ["pii/"], "checkpoint_every_records": 100000,
//    "checkpoint_every_seconds": 1}
struct AuditConfig {
  // The audit file, appended to (created if missing).
  std::string path;
  // A key file (the format of docs/format/encryption.md; its last key is
  // used) for the checkpoints' and sensitive keys' HMAC. Keep it apart from
  // the data and the audit file: whoever holds it can forge checkpoints.
  std::string hmac_key_file;
  // Where checkpoints are appended (one line each), and/or the sink; at
  // least one of the two.
  std::string checkpoint_path;
  std::shared_ptr<AuditCheckpointSink> checkpoint_sink;
  // Keys starting with one of these are recorded as their HMAC.
  std::vector<std::string> sensitive_prefixes;
  // A checkpoint after this many records, or at the first record this many
  // seconds after the last one (0: never on that count). Each costs two
  // syncs (the audit file's, the checkpoint's) and an HMAC in the writer
  // that triggers it; less often leaves a longer tail whose deletion only
  // the chain, not a signature, would show. The default bounds that tail
  // to about a second, as Redis's `appendfsync everysec` bounds its loss.
  uint64_t checkpoint_every_records = 100000;
  uint64_t checkpoint_every_seconds = 1;
  friend bool operator==(const AuditConfig&, const AuditConfig&) = default;
};

struct StorageConfig {
  BackendType type = BackendType::kMemory;
  // The database directory (native, rocksdb, leveldb) or file (sqlite).
  // Not used by memory, nor by distributed, whose data lives on the
  // cluster's nodes (distributed.nodes); neither takes a "path" in JSON.
  std::string path;
  NativeOptions native;
  RocksDbOptions rocksdb;
  MemoryOptions memory;
  DistributedOptions distributed;
  std::optional<CacheConfig> cache;
  std::optional<CompressionConfig> compression;
  // Encrypts at rest: the integrity envelope layer over the memory, rocksdb,
  // sqlite and leveldb backends; for native, file encryption (not built yet:
  // StorageBuilder refuses the combination).
  std::optional<EncryptionConfig> encryption;
  // Checks every operation against a principal's rules (above).
  std::optional<AclConfig> access_control;
  // Records every operation through access control (above).
  std::optional<AuditConfig> audit;
  // Counts and times every operation (above); nullopt: no metrics layer.
  std::optional<MetricsConfig> metrics;

  static StorageConfig Memory() { return StorageConfig(); }
  static StorageConfig Native(std::string path) {
    StorageConfig c;
    c.type = BackendType::kNative;
    c.path = std::move(path);
    return c;
  }

  // Reads any of the forms above.
  [[nodiscard]] static absl::StatusOr<StorageConfig> FromJson(
      std::string_view json);
  // Writes the flat form, every field of the chosen backend included.
  std::string ToJson() const;

  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

// The canonical (flat-form) name: "memory", "native", "rocksdb", ...
std::string_view BackendTypeName(BackendType type);

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_CONFIG_H_
