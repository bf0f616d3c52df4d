#include "tests/conformance/backend_factory.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "backends/leveldb_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "backends/distributed_store.h"
#include "cluster/local_cluster_test_util.h"
#include "cluster/raft_test_util.h"
#include "cluster/replicated_store.h"
#include "crypto/keyring.h"
#include "engine/db.h"
#include "fmt/format.h"
#include "layers/cache_layer.h"
#include "layers/compression_layer.h"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/encryption.h"
#include "util/status_macros.h"

namespace synapsed::storage::testing {
namespace {

// The master key of the envelope cases: fixed, so a reopen reads the store.
class FixedKeyProvider final : public KeyProvider {
 public:
  absl::StatusOr<std::vector<std::string>> KeyIds() override {
    return std::vector<std::string>{"conformance-1"};
  }
  absl::Status ReadKey(std::string_view id,
                       std::span<uint8_t, kMasterKeySize> out) override {
    if (id != "conformance-1") return absl::NotFoundError("no such key");
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<uint8_t>(0xc0 + i);
    }
    return absl::OkStatus();
  }
};

// Tiny memtables, tables and levels: every test runs across many flushes
// and compactions, several levels deep.
engine::EngineOptions TinyBuffers() {
  engine::EngineOptions o;
  o.write_buffer_size = 4096;
  o.table.block_size = 256;
  o.target_file_size = 8 << 10;
  o.base_level_bytes = 16 << 10;
  o.level_multiplier = 4;
  o.l0_compaction_trigger = 2;
  o.l0_slowdown_trigger = 4;
  o.l0_stop_trigger = 8;
  o.block_cache_size = 64 << 10;
  return o;
}

// One principal, "everything", that may read and write every key and
// administer the ACL.
AclConfig AllowEverything() {
  AclConfig acl;
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  acl.roles["all"].rules = {all};
  acl.roles["all"].admin = true;
  acl.users = {"everything"};
  acl.grants["everything"] = {"all"};
  return acl;
}

// A store that owns what it needs to run: the cluster a distributed store
// is a client of, stopped after the store closes.
class OwningStore final : public Store {
 public:
  OwningStore(std::shared_ptr<void> owned, std::unique_ptr<Store> store)
      : owned_(std::move(owned)), store_(std::move(store)) {}
  ~OwningStore() override { store_.reset(); }
  std::string Name() const override { return store_->Name(); }
  absl::Status Get(const ReadOptions& o, std::string_view k, PinnableValue* v) override {
    return store_->Get(o, k, v);
  }
  absl::StatusOr<bool> Exists(const ReadOptions& o, std::string_view k) override {
    return store_->Exists(o, k);
  }
  absl::Status Put(const WriteOptions& o, std::string_view k, std::string_view v) override {
    return store_->Put(o, k, v);
  }
  absl::Status Delete(const WriteOptions& o, std::string_view k) override {
    return store_->Delete(o, k);
  }
  absl::Status Flush() override { return store_->Flush(); }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override { return store_->GetSnapshot(); }
  absl::Status Write(const WriteOptions& o, const WriteBatch& b) override {
    return store_->Write(o, b);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& o, std::span<const std::string_view> keys) override {
    return store_->BatchGet(o, keys);
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& o, const KeyRange& r) override {
    return store_->NewIterator(o, r);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& o) override {
    return store_->BeginTransaction(o);
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    return store_->GetProperty(name);
  }
  absl::Status CompactRange(std::optional<std::string_view> b,
                            std::optional<std::string_view> e) override {
    return store_->CompactRange(b, e);
  }
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(const KeyRange& r,
                                                          const SubscribeOptions& o) override {
    return store_->Subscribe(r, o);
  }

 private:
  std::shared_ptr<void> owned_;
  std::unique_ptr<Store> store_;
};

// A one-node, one-partition cluster in this process, its map kept in
// dir/cluster.json so that a reopen finds the same node, and the
// distributed backend connected to it through the builder.
absl::StatusOr<std::unique_ptr<Store>> OpenOnePartitionCluster(const std::string& dir) {
  const std::string map = dir + "/cluster.json";
  cluster::ClusterConfig config;
  if (std::filesystem::exists(map)) {
    ASSIGN_OR_RETURN(config, cluster::ReadClusterConfig(map));
  } else {
    ASSIGN_OR_RETURN(config, cluster::testing::LocalClusterConfig(1, 1, 1));
    std::filesystem::create_directories(dir);
    std::ofstream(map) << cluster::ClusterConfigToJson(config);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<cluster::testing::LocalNode> node,
                   cluster::testing::LocalNode::Start(config, 1, dir));
  StorageConfig c;
  c.type = BackendType::kDistributed;
  c.distributed.nodes = {node->address()};
  c.distributed.replication_factor = 1;
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, StorageBuilder(c).Build());
  return std::make_unique<OwningStore>(std::move(node), std::move(store));
}

std::optional<BackendType> BackendTypeOf(std::string_view name) {
  for (BackendType t : {BackendType::kMemory, BackendType::kNative, BackendType::kRocksDb,
                        BackendType::kSqlite, BackendType::kLevelDb}) {
    if (name == BackendTypeName(t)) return t;
  }
  return std::nullopt;
}

}  // namespace

std::vector<BackendFactory> AllBackends() {
  std::vector<BackendFactory> all;
  all.push_back({"memory", [](const std::string&) {
                   return StorageBuilder(StorageConfig::Memory()).Build();
                 }});
  all.push_back({"native",
                 [](const std::string& dir) {
                   return StorageBuilder(StorageConfig::Native(dir)).Build();
                 },
                 /*persistent=*/true});
  all.push_back({"native_tiny_buffers",  // TinyBuffers()
                 [](const std::string& dir) {
                   return engine::OpenNativeStore(TinyBuffers(), dir);
                 },
                 /*persistent=*/true});
  // One replica of a replicated partition: every write a Raft entry (a
  // one-voter group on loopback) applied to a native engine, every read
  // after a barrier, transactions checked where they are applied.
  all.push_back({"replicated_native_tiny_buffers",
                 [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<Store>> {
                   cluster::ReplicaOptions o;
                   o.dir = dir;
                   o.raft.id = 1;
                   o.raft.address = fmt::format("127.0.0.1:{}", cluster::testing::FreePort());
                   o.raft.voters = {{1, o.raft.address}};
                   o.raft.cluster_secret = &cluster::testing::TestSecret();
                   o.raft.election_timeout = std::chrono::milliseconds(100);
                   o.raft.heartbeat_timeout = std::chrono::milliseconds(20);
                   o.engine = TinyBuffers();
                   ASSIGN_OR_RETURN(std::unique_ptr<cluster::ReplicatedStore> store,
                                    cluster::ReplicatedStore::Open(o));
                   cluster::ReplicatedStore* raw = store.get();
                   if (!cluster::testing::WaitFor(
                           [raw] { return raw->node()->Status().is_leader; },
                           std::chrono::seconds(10))) {
                     return absl::DeadlineExceededError("the replica did not become leader");
                   }
                   return std::unique_ptr<Store>(std::move(store));
                 },
                 /*persistent=*/true});
  // The distributed backend, a client of a cluster over RESP: every call
  // a round trip to the node, every write a Raft entry.
  all.push_back({"distributed_one_partition", OpenOnePartitionCluster, /*persistent=*/true});
  all.back().snapshots = false;
  all.back().compacts_ranges = false;
  all.back().snapshot_reads = false;
  all.back().subscribes = false;
  // The peers, through the builder as an embedder would reach them.
  all.push_back({"rocksdb",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kRocksDb;
                   c.path = dir;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  // Tiny memtables: transactions validated across memtable flushes.
  all.push_back({"rocksdb_tiny_buffers",
                 [](const std::string& dir) {
                   RocksDbStoreOptions o;
                   o.write_buffer_size = 16 << 10;
                   return OpenRocksDbStore(o, dir);
                 },
                 /*persistent=*/true});
  all.push_back({"sqlite",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kSqlite;
                   c.path = dir;  // the database file
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true});
  all.back().compacts_ranges = false;  // VACUUM rewrites the whole file, not a range
  // LevelDB offers no transactions (BeginTransaction is Unimplemented).
  all.push_back({"leveldb",
                 [](const std::string& dir) {
                   StorageConfig c;
                   c.type = BackendType::kLevelDb;
                   c.path = dir;
                   return StorageBuilder(c).Build();
                 },
                 /*persistent=*/true, /*transactions=*/false});
  all.push_back({"leveldb_tiny_buffers",
                 [](const std::string& dir) {
                   LevelDbStoreOptions o;
                   o.write_buffer_size = 16 << 10;
                   return OpenLevelDbStore(o, dir);
                 },
                 /*persistent=*/true, /*transactions=*/false});

  // The peers are build options (SYNAPSED_WITH_ROCKSDB, ...): a build
  // without one skips its tests, and the layers' tests over it, by name.
  for (BackendFactory& f : all) {
    for (auto [type, name] : {std::pair{BackendType::kRocksDb, "rocksdb"},
                              std::pair{BackendType::kLevelDb, "leveldb"},
                              std::pair{BackendType::kSqlite, "sqlite"}}) {
      if (f.name.starts_with(name) && !StorageBuilder::HasBackend(type)) {
        f.missing = std::string("this build has no ") + name + " backend";
      }
    }
  }

  // Every backend again under the value cache layer (the three policies in
  // turn, a small cache so eviction runs), and some under the compression
  // layer, alone and beneath a cache: a layer must keep every contract.
  const std::vector<BackendFactory> bases = all;
  const CacheConfig::Policy policies[] = {CacheConfig::Policy::kLru,
                                          CacheConfig::Policy::kLfu,
                                          CacheConfig::Policy::kArc};
  const char* policy_names[] = {"lru", "lfu", "arc"};
  for (size_t i = 0; i < bases.size(); ++i) {
    // A Raft round per write makes the replicated store the suite's slowest;
    // a cache over it would test the cache layer once more, not the store.
    if (bases[i].name.starts_with("replicated") || bases[i].name.starts_with("distributed")) {
      continue;
    }
    BackendFactory f = bases[i];
    const size_t p = i % 3;
    f.name = std::string("cache_") + policy_names[p] + "_" + bases[i].name;
    f.open = [open = bases[i].open, policy = policies[p]](const std::string& dir)
        -> absl::StatusOr<std::unique_ptr<Store>> {
      auto inner = open(dir);
      if (!inner.ok()) return inner.status();
      CacheConfig c;
      c.policy = policy;
      c.max_entries = 64;
      return NewCacheLayer(std::move(*inner), c);
    };
    all.push_back(std::move(f));
  }
  for (const char* base : {"memory", "native", "sqlite"}) {
    for (const BackendFactory& b : bases) {
      if (b.name != base) continue;
      BackendFactory f = b;
      f.name = std::string("compression_") + base;
      const bool cached = b.name == std::string("native");
      if (cached) f.name = "cache_compression_native";
      f.open = [open = b.open, cached](const std::string& dir)
          -> absl::StatusOr<std::unique_ptr<Store>> {
        auto inner = open(dir);
        if (!inner.ok()) return inner.status();
        CompressionConfig cc;
        cc.enabled = true;  // off by default, as in the seed
        cc.algorithm = CompressionConfig::Algorithm::kZstd;
        cc.min_size = 8;
        auto compressed = layers::NewCompressionLayer(std::move(*inner), cc);
        if (!compressed.ok() || !cached) return compressed;
        CacheConfig c;
        c.policy = CacheConfig::Policy::kArc;
        c.max_entries = 64;
        return NewCacheLayer(std::move(*compressed), c);
      };
      all.push_back(std::move(f));
    }
  }
  // The native engine with its files encrypted (the builder's
  // WithEncryption), with default and with tiny buffers (every test across
  // many flushes and compactions, so across many data keys).
  {
    const auto native_keys = std::make_shared<FixedKeyProvider>();
    all.push_back({"encrypted_native",
                   [native_keys](const std::string& dir) {
                     EncryptionConfig e;
                     e.provider = native_keys;
                     return StorageBuilder(StorageConfig::Native(dir)).WithEncryption(e).Build();
                   },
                   /*persistent=*/true});
    all.push_back({"encrypted_native_tiny_buffers",
                   [native_keys](const std::string& dir) {
                     EncryptionConfig e;
                     e.provider = native_keys;
                     auto keyring = crypto::LoadKeyring(e);
                     if (!keyring.ok()) return absl::StatusOr<std::unique_ptr<Store>>(keyring.status());
                     engine::EngineOptions o = TinyBuffers();
                     o.keyring = std::shared_ptr<crypto::Keyring>(*std::move(keyring));
                     return engine::OpenNativeStore(o, dir);
                   },
                   /*persistent=*/true});
  }
  // Memory and the peers again under the integrity envelope, stacked by the
  // builder's WithEncryption as an embedder would, and memory once more under
  // the builder's whole stack (cache over compression over the envelope).
  // One fixed key for every open, so that persistent stores reopen.
  const auto keys = std::make_shared<FixedKeyProvider>();
  for (BackendType type : {BackendType::kMemory, BackendType::kRocksDb,
                           BackendType::kSqlite, BackendType::kLevelDb}) {
    for (const BackendFactory& b : bases) {
      if (b.name != BackendTypeName(type)) continue;
      BackendFactory f = b;
      f.name = "encryption_" + b.name;
      f.open = [type, keys](const std::string& dir) {
        StorageConfig c;
        c.type = type;
        if (type != BackendType::kMemory) c.path = dir;
        EncryptionConfig e;
        e.provider = keys;
        return StorageBuilder(c).WithEncryption(e).Build();
      };
      all.push_back(std::move(f));
      if (type != BackendType::kMemory) continue;
      f = b;
      f.name = "cache_compression_encryption_memory";
      f.open = [keys](const std::string&) {
        StorageConfig c = StorageConfig::Memory();
        c.cache = CacheConfig();
        c.cache->policy = CacheConfig::Policy::kArc;
        c.cache->max_entries = 64;
        c.compression = CompressionConfig();
        c.compression->enabled = true;
        c.compression->algorithm = CompressionConfig::Algorithm::kZstd;
        c.compression->min_size = 8;
        EncryptionConfig e;
        e.provider = keys;
        c.encryption = e;
        return StorageBuilder(c).Build();
      };
      all.push_back(std::move(f));
    }
  }
  // Every backend under the access control layer, stacked by the builder's
  // WithAccessControl, acting as a principal allowed everything: checking
  // must change no result.
  for (const BackendFactory& b : bases) {
    if (b.name.find("tiny") != std::string::npos || !BackendTypeOf(b.name)) continue;
    BackendFactory f = b;
    f.name = "acl_" + b.name;
    f.open = [type = *BackendTypeOf(b.name)](const std::string& dir)
        -> absl::StatusOr<std::unique_ptr<Store>> {
      StorageConfig c;
      c.type = type;
      if (type != BackendType::kMemory) c.path = dir;
      auto secured = StorageBuilder(c).WithAccessControl(AllowEverything()).BuildSecured();
      if (!secured.ok()) return secured.status();
      return (*secured)->AsPrincipal("everything");
    };
    all.push_back(std::move(f));
  }
  // The metrics layer over memory and native, stacked by the builder's
  // WithMetrics (over the whole stack for memory): counting must change no
  // result.
  for (const char* base : {"memory", "native"}) {
    for (const BackendFactory& b : bases) {
      if (b.name != base) continue;
      BackendFactory f = b;
      f.name = std::string("metrics_") + base;
      f.open = [type = *BackendTypeOf(base)](const std::string& dir) {
        StorageConfig c;
        c.type = type;
        if (type != BackendType::kMemory) c.path = dir;
        return StorageBuilder(c).WithMetrics().Build();
      };
      all.push_back(f);
      if (std::string_view(base) == "memory") {
        f.name = "metrics_cache_compression_memory";
        f.open = [](const std::string&) {
          StorageConfig c = StorageConfig::Memory();
          c.cache = CacheConfig();
          c.cache->max_entries = 64;
          c.compression = CompressionConfig();
          c.compression->enabled = true;
          c.compression->min_size = 8;
          return StorageBuilder(c).WithMetrics().Build();
        };
        all.push_back(std::move(f));
      }
    }
  }
  return all;
}

}  // namespace synapsed::storage::testing
