// The seed's config forms (nested, externally tagged, its spellings and
// defaults) next to this library's flat one: each parses to the config the
// flat form describes, survives parse -> ToJson -> parse, and every mistake
// is an InvalidArgument naming its field.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "synapsed/storage/config.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

StorageConfig Parse(const std::string& json) {
  auto c = StorageConfig::FromJson(json);
  EXPECT_TRUE(c.ok()) << json << ": " << c.status();
  return c.ok() ? *c : StorageConfig();
}

// Each group: JSON texts in different forms that must give one config.
struct Group {
  std::vector<std::string> forms;
};

const std::vector<Group>& Groups() {
  static const auto* groups = new std::vector<Group>{
      {{R"({"type": "rocksdb", "path": "/x", "max_open_files": 7, "write_buffer_size": 1048576})",
        R"({"type": "rocks_db", "path": "/x", "max_open_files": 7, "write_buffer_size": 1048576})",
        R"({"type": "rocks_db", "rocks_db": {"path": "/x", "max_open_files": 7, "write_buffer_size": 1048576}})",
        R"({"type": "rocksdb", "rocksdb": {"path": "/x", "max_open_files": 7, "write_buffer_size": 1048576}})",
        R"({"RocksDb": {"path": "/x", "max_open_files": 7, "write_buffer_size": 1048576}})",
        R"({"backend": {"RocksDb": {"path": "/x", "max_open_files": 7, "write_buffer_size": 1048576}}})",
        R"({"type": "rocks_db", "backend": {"RocksDb": {"path": "/x", "max_open_files": 7, "write_buffer_size": 1048576}}})"}},
      {{R"({"type": "memory", "initial_capacity": 1024, "cache": {"policy": "lfu"}})",
        R"({"type": "memory", "memory": {"initial_capacity": 1024}, "cache": {"cache_type": "Lfu"}})",
        R"({"Memory": {"initial_capacity": 1024}, "cache": {"cache_type": "lfu"}})",
        R"({"backend": {"Memory": {"initial_capacity": 1024}}, "cache": {"policy": "Lfu", "cache_type": "lfu"}})"}},
      {{R"({"type": "memory"})", R"({"Memory": {}})", R"({"backend": "Memory"})",
        R"({"type": "memory", "memory": {}})"}},
      {{R"({"type": "native", "path": "/n", "block_cache_size": 4096, "create_if_missing": false,
           "compression_per_level": ["none", "lz4", "zstd"], "adaptive_compression": true,
           "compression": {"enabled": true, "algorithm": "zstd"}})",
        R"({"type": "native", "native": {"path": "/n", "block_cache_size": 4096, "create_if_missing": false,
           "compression_per_level": ["None", "Lz4", "Zstd"], "adaptive_compression": true},
           "compression": {"enabled": true, "algorithm": "Zstd"}})",
        R"({"Native": {"path": "/n", "block_cache_size": 4096, "create_if_missing": false,
           "compression_per_level": ["none", "lz4", "zstd"], "adaptive_compression": true},
           "compression": {"enabled": true, "algorithm": "zstd"}})"}},
      {{R"({"type": "sqlite", "path": "/s.db"})", R"({"Sqlite": {"path": "/s.db"}})",
        R"({"type": "sqlite", "sqlite": {"path": "/s.db"}})"}},
      {{R"({"type": "leveldb", "path": "/l"})", R"({"LevelDb": {"path": "/l"}})",
        R"({"type": "level_db", "level_db": {"path": "/l"}})"}},
      {{R"({"type": "rocksdb", "path": "/r", "encryption": {"key_file": "/k", "key_id": "k-2"}})",
        R"({"RocksDb": {"path": "/r"}, "encryption": {"key_id": "k-2", "key_file": "/k"}})",
        R"({"backend": {"RocksDb": {"path": "/r"}}, "encryption": {"key_file": "/k", "key_id": "k-2"}})",
        R"({"type": "rocks_db", "rocks_db": {"path": "/r"}, "encryption": {"key_file": "/k", "key_id": "k-2"}})"}},
      {{R"({"type": "memory", "encryption": {"key_env": "APP_KEYS"}})",
        R"({"Memory": {}, "encryption": {"key_env": "APP_KEYS"}, "cache": null})"}},
      {{R"({"type": "distributed", "nodes": ["10.0.0.1:7000"]})",
        R"({"type": "distributed", "distributed": {"nodes": ["10.0.0.1:7000"]}})",
        R"({"Distributed": {"nodes": ["10.0.0.1:7000"]}})",
        R"({"backend": {"Distributed": {"nodes": ["10.0.0.1:7000"]}}})",
        R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "timeout_ms": 2000,
           "retry_timeout_ms": 10000, "replication_factor": null, "consistency": null})"}},
      {{R"({"type": "distributed", "nodes": ["10.0.0.1:7000", "127.0.0.1:65535", "0.0.0.0:1"],
           "replication_factor": 3, "min_replicas": 2, "consistency": "eventual",
           "timeout_ms": 1, "retry_timeout_ms": 0, "user": "app", "password_file": "/etc/pw"})",
        R"({"type": "distributed", "distributed": {"nodes": ["10.0.0.1:7000", "127.0.0.1:65535",
           "0.0.0.0:1"], "replication_factor": 3, "min_replicas": 2, "consistency": "Eventual",
           "timeout_ms": 1, "retry_timeout_ms": 0, "user": "app", "password_file": "/etc/pw"}})",
        R"({"Distributed": {"nodes": ["10.0.0.1:7000", "127.0.0.1:65535", "0.0.0.0:1"],
           "replication_factor": 3, "min_replicas": 2, "consistency": "eventual",
           "timeout_ms": 1, "retry_timeout_ms": 0, "user": "app", "password_file": "/etc/pw"}})"}},
  };
  return *groups;
}

TEST(ConfigForms, EveryFormGivesTheSameConfigAndRoundTrips) {
  for (const Group& g : Groups()) {
    const StorageConfig first = Parse(g.forms[0]);
    for (const std::string& form : g.forms) {
      SCOPED_TRACE(form);
      const StorageConfig c = Parse(form);
      EXPECT_EQ(c, first) << c.ToJson() << " vs " << first.ToJson();
      auto again = StorageConfig::FromJson(c.ToJson());
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(*again, c) << c.ToJson();
    }
  }
}

TEST(ConfigForms, TheFormsCarryTheirValues) {
  StorageConfig r = Parse(Groups()[0].forms[4]);
  EXPECT_EQ(r.type, BackendType::kRocksDb);
  EXPECT_EQ(r.path, "/x");
  EXPECT_EQ(r.rocksdb.max_open_files, 7);
  EXPECT_EQ(r.rocksdb.write_buffer_size, 1u << 20);
  StorageConfig m = Parse(Groups()[1].forms[3]);
  EXPECT_EQ(m.type, BackendType::kMemory);
  EXPECT_EQ(m.memory.initial_capacity, 1024u);
  ASSERT_TRUE(m.cache.has_value());
  EXPECT_EQ(m.cache->policy, CacheConfig::Policy::kLfu);
  EXPECT_NE(m, Parse(R"({"type": "memory"})"));
}

TEST(ConfigForms, EncryptionCarriesItsFields) {
  StorageConfig r = Parse(Groups()[6].forms[1]);
  ASSERT_TRUE(r.encryption.has_value());
  EXPECT_EQ(r.encryption->key_file, "/k");
  EXPECT_EQ(r.encryption->key_id, "k-2");
  EXPECT_EQ(r.encryption->key_env, "");
  EXPECT_EQ(r.encryption->provider, nullptr);
  StorageConfig m = Parse(Groups()[7].forms[0]);
  ASSERT_TRUE(m.encryption.has_value());
  EXPECT_EQ(m.encryption->key_env, "APP_KEYS");
  EXPECT_FALSE(Parse(R"({"type": "memory", "encryption": null})").encryption.has_value());
  EXPECT_NE(r.ToJson().find(R"("encryption":{"key_file":"/k","key_id":"k-2"})"),
            std::string::npos)
      << r.ToJson();
}

TEST(ConfigForms, DistributedCarriesItsFields) {
  const StorageConfig d = Parse(Groups()[9].forms[2]);
  EXPECT_EQ(d.type, BackendType::kDistributed);
  EXPECT_EQ(d.path, "");
  EXPECT_EQ(d.distributed.nodes,
            (std::vector<std::string>{"10.0.0.1:7000", "127.0.0.1:65535", "0.0.0.0:1"}));
  EXPECT_EQ(d.distributed.replication_factor, 3);
  EXPECT_EQ(d.distributed.min_replicas, 2);
  EXPECT_EQ(d.distributed.consistency, ReadConsistency::kEventual);
  EXPECT_EQ(d.distributed.timeout_ms, 1u);
  EXPECT_EQ(d.distributed.retry_timeout_ms, 0u);
  EXPECT_EQ(d.distributed.user, "app");
  EXPECT_EQ(d.distributed.password_file, "/etc/pw");
  // Defaults: no expectations of the cluster's map, 2 s waits, 10 s retries.
  const StorageConfig plain = Parse(Groups()[8].forms[0]);
  EXPECT_FALSE(plain.distributed.replication_factor.has_value());
  EXPECT_FALSE(plain.distributed.min_replicas.has_value());
  EXPECT_FALSE(plain.distributed.consistency.has_value());
  EXPECT_EQ(plain.distributed.timeout_ms, 2000u);
  EXPECT_EQ(plain.distributed.retry_timeout_ms, 10000u);
  EXPECT_EQ(plain.distributed.user, "");
  EXPECT_EQ(plain.distributed.password_file, "");
  // ToJson writes the optional fields only when set, and never a path.
  EXPECT_EQ(plain.ToJson().find("replication_factor"), std::string::npos) << plain.ToJson();
  EXPECT_EQ(plain.ToJson().find("password_file"), std::string::npos) << plain.ToJson();
  EXPECT_NE(d.ToJson().find(R"("consistency":"eventual")"), std::string::npos) << d.ToJson();
  EXPECT_NE(d.ToJson().find(R"("min_replicas":2)"), std::string::npos) << d.ToJson();

  // A config built in code survives ToJson -> FromJson, each field set.
  StorageConfig c;
  c.type = BackendType::kDistributed;
  c.distributed.nodes = {"192.168.1.20:6379"};
  c.distributed.replication_factor = 5;
  c.distributed.min_replicas = 5;
  c.distributed.consistency = ReadConsistency::kStrong;
  c.distributed.timeout_ms = 250;
  c.distributed.retry_timeout_ms = 3000;
  c.distributed.user = "";
  c.distributed.password_file = "/run/secrets/pw";
  c.cache = CacheConfig();
  EXPECT_EQ(Parse(c.ToJson()), c) << c.ToJson();
  c.distributed.user = "ops";
  EXPECT_EQ(Parse(c.ToJson()), c) << c.ToJson();
  // A path set in code is not the distributed backend's: left out, so that
  // the JSON still parses.
  c.path = "/unused";
  StorageConfig without_path = c;
  without_path.path.clear();
  EXPECT_EQ(Parse(c.ToJson()), without_path) << c.ToJson();
}

TEST(ConfigForms, MetricsIsABoolOrAnObject) {
  EXPECT_FALSE(Parse(R"({"type": "memory"})").metrics.has_value());
  EXPECT_FALSE(Parse(R"({"type": "memory", "metrics": false})").metrics.has_value());
  StorageConfig on = Parse(R"({"type": "memory", "metrics": true})");
  ASSERT_TRUE(on.metrics.has_value());
  EXPECT_TRUE(on.metrics->engine_stats);
  StorageConfig off = Parse(R"({"type": "native", "path": "/x", "metrics": {"engine_stats": false}})");
  ASSERT_TRUE(off.metrics.has_value());
  EXPECT_FALSE(off.metrics->engine_stats);
  EXPECT_EQ(Parse(off.ToJson()), off);
  EXPECT_EQ(Parse(on.ToJson()), on);
  EXPECT_THAT(StorageConfig::FromJson(R"({"type": "memory", "metrics": {"latency": 1}})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metrics.latency")));
  EXPECT_THAT(StorageConfig::FromJson(R"({"type": "memory", "metrics": 1})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metrics")));
  EXPECT_THAT(
      StorageConfig::FromJson(R"({"type": "memory", "metrics": {"engine_stats": "yes"}})")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metrics.engine_stats")));
}

TEST(ConfigForms, SeedDefaults) {
  StorageConfig r = Parse(R"({"RocksDb": {"path": "/x"}})");
  EXPECT_EQ(r.rocksdb.write_buffer_size, 16u << 20);
  EXPECT_EQ(r.rocksdb.max_open_files, 1000);
  StorageConfig c = Parse(R"({"type": "memory", "compression": {"algorithm": "lz4"}})");
  ASSERT_TRUE(c.compression.has_value());
  EXPECT_FALSE(c.compression->enabled);
  EXPECT_EQ(Parse(R"({"type": "memory"})").memory.initial_capacity, 0u);
}

TEST(ConfigForms, SledIsRefusedNamingTheBackendsThatExist) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "sled", "path": "/x"})", "\"type\""},
      {R"({"type": "sled", "sled": {"path": "/x"}})", "\"type\""},
      {R"({"Sled": {"path": "/x"}})", "\"Sled\""},
      {R"({"backend": {"Sled": {"path": "/x"}}})", "\"backend.Sled\""},
      {R"({"backend": "Sled"})", "\"backend\""},
  };
  for (const auto& [json, field] : cases) {
    EXPECT_THAT(StorageConfig::FromJson(json),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(field), HasSubstr("no C or C++ interface"),
                               HasSubstr("no Debian package"), HasSubstr("rocksdb"),
                               HasSubstr("native"), HasSubstr("leveldb"))))
        << json;
  }
}

// Found by tests/fuzz/config_fuzzer (corpus/config/crash-max-open-files-wraps):
// a number past int's range was narrowed (10052183648 became 1462249056),
// so the store opened with a limit the config never gave.
TEST(ConfigForms, MaxOpenFilesOutsideAnIntIsRefusedNotWrapped) {
  for (const char* n :
       {"10052183648", "2147483648", "-2147483649", "18446744073709551615"}) {
    const std::string json =
        std::string(R"({"RocksDb": {"path": "/x", "max_open_files": )") + n +
        "}}";
    EXPECT_THAT(StorageConfig::FromJson(json),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("\"RocksDb.max_open_files\""),
                               HasSubstr("out of range"))))
        << json;
  }
  for (int n : {-1, 0, 2147483647, -2147483647 - 1}) {
    const std::string json =
        R"({"type": "rocksdb", "path": "/x", "max_open_files": )" +
        std::to_string(n) + "}";
    EXPECT_EQ(Parse(json).rocksdb.max_open_files, n) << json;
  }
}

TEST(ConfigForms, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      // unknown fields, in each form
      {R"({"type": "rocks_db", "rocks_db": {"path": "/x", "max_open_file": 1}})",
       "\"rocks_db.max_open_file\""},
      {R"({"RocksDb": {"path": "/x", "max_open_file": 1}})", "\"RocksDb.max_open_file\""},
      {R"({"backend": {"RocksDb": {"path": "/x", "max_open_file": 1}}})",
       "\"backend.RocksDb.max_open_file\""},
      {R"({"RocksDb": {"path": "/x"}, "extra": 1})", "\"extra\""},
      {R"({"Memory": {"initial_capacity": 1, "path": "/x"}})", "\"Memory.path\""},
      {R"({"type": "memory", "cache": {"cache_typ": "lru"}})", "\"cache.cache_typ\""},
      // wrong types
      {R"({"RocksDb": {"path": "/x", "max_open_files": "many"}})", "\"RocksDb.max_open_files\""},
      {R"({"Memory": {"initial_capacity": -1}})", "\"Memory.initial_capacity\""},
      {R"({"type": "memory", "initial_capacity": "big"})", "\"initial_capacity\""},
      {R"({"RocksDb": 5})", "\"RocksDb\""},
      {R"({"type": "rocks_db", "rocks_db": [1]})", "\"rocks_db\""},
      {R"({"backend": 5})", "\"backend\""},
      {R"({"backend": {}})", "\"backend\""},
      {R"({"type": "memory", "cache": {"cache_type": 1}})", "\"cache.cache_type\""},
      {R"({"type": 3})", "\"type\""},
      // unknown backends
      {R"({"type": "rocks"})", "\"type\""},
      {R"({"backend": {"Rocks": {}}})", "\"backend.Rocks\""},
      {R"({"backend": "Rocks"})", "\"backend\""},
      {R"({"type": "memory", "cache": {"cache_type": "Fifo"}})", "\"cache.cache_type\""},
      // missing
      {R"({"RocksDb": {}})", "\"RocksDb.path\""},
      {R"({"type": "rocks_db", "rocks_db": {}})", "\"rocks_db.path\""},
      // conflicting forms
      {R"({"type": "memory", "RocksDb": {"path": "/x"}})", "\"type\""},
      {R"({"type": "sqlite", "backend": {"RocksDb": {"path": "/x"}}})", "\"type\""},
      {R"({"RocksDb": {"path": "/x"}, "Memory": {}})", "\"RocksDb\""},
      {R"({"backend": {"Memory": {}}, "RocksDb": {"path": "/x"}})", "\"RocksDb\""},
      {R"({"backend": {"Memory": {}, "RocksDb": {"path": "/x"}}})", "\"backend\""},
      {R"({"type": "rocks_db", "sqlite": {"path": "/x"}})", "\"sqlite\""},
      {R"({"type": "rocks_db", "rocks_db": {"path": "/x"}, "rocksdb": {"path": "/x"}})",
       "\"rocksdb\""},
      {R"({"type": "rocks_db", "path": "/y", "rocks_db": {"path": "/x"}})", "\"path\""},
      {R"({"type": "memory", "cache": {"policy": "lru", "cache_type": "Arc"}})",
       "\"cache.cache_type\""},
      // native table codecs: tables have no snappy or adaptive codec
      {R"({"type": "native", "path": "/x", "compression_per_level": ["lz4", "snappy"]})",
       "\"compression_per_level[1]\""},
      {R"({"Native": {"path": "/x", "compression_per_level": ["adaptive"]}})",
       "\"Native.compression_per_level[0]\""},
      {R"({"type": "native", "path": "/x", "compression_per_level": "zstd"})",
       "\"compression_per_level\""},
      {R"({"type": "native", "path": "/x", "compression_per_level": [3]})",
       "\"compression_per_level[0]\""},
      {R"({"type": "native", "path": "/x", "adaptive_compression": "yes"})",
       "\"adaptive_compression\""},
      // encryption: unknown fields, wrong types, missing or doubled sources
      {R"({"type": "memory", "encryption": {"key_file": "/k", "keyfile": "/k"}})",
       "\"encryption.keyfile\""},
      {R"({"type": "memory", "encryption": {"key_file": "/k", "key_id": "k1", "cipher": "aes"}})",
       "\"encryption.cipher\""},
      {R"({"type": "memory", "encryption": "/k"})", "\"encryption\""},
      {R"({"type": "memory", "encryption": {"key_file": 7}})", "\"encryption.key_file\""},
      {R"({"type": "memory", "encryption": {"key_file": ""}})", "\"encryption.key_file\""},
      {R"({"type": "memory", "encryption": {"key_env": ["A"]}})", "\"encryption.key_env\""},
      {R"({"type": "memory", "encryption": {"key_file": "/k", "key_id": 2}})",
       "\"encryption.key_id\""},
      {R"({"type": "memory", "encryption": {"key_file": "/k", "key_id": "a b"}})",
       "\"encryption.key_id\""},
      {R"({"type": "memory", "encryption": {}})", "\"encryption.key_file\""},
      {R"({"type": "memory", "encryption": {"key_id": "k1"}})", "\"encryption.key_file\""},
      {R"({"type": "memory", "encryption": {"key_file": "/k", "key_env": "K"}})",
       "\"encryption.key_env\""},
      {R"({"RocksDb": {"path": "/x", "encryption": {"key_file": "/k"}}})",
       "\"RocksDb.encryption\""},
      // distributed: no path; nodes required, each a numeric IPv4 "host:port"
      {R"({"type": "distributed", "path": "/d", "nodes": ["10.0.0.1:7000"]})", "\"path\""},
      {R"({"Distributed": {"path": "/d"}})", "\"Distributed.path\""},
      {R"({"type": "distributed"})", "\"nodes\""},
      {R"({"Distributed": {}})", "\"Distributed.nodes\""},
      {R"({"backend": "Distributed"})", "\"backend.nodes\""},
      {R"({"type": "distributed", "distributed": {}})", "\"distributed.nodes\""},
      {R"({"type": "distributed", "nodes": []})", "\"nodes\""},
      {R"({"type": "distributed", "nodes": "10.0.0.1:7000"})", "\"nodes\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000", 7000]})", "\"nodes[1]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000", "db.example.com:7000"]})",
       "\"nodes[1]\""},
      {R"({"Distributed": {"nodes": ["10.0.0.1"]}})", "\"Distributed.nodes[0]\""},
      {R"({"type": "distributed", "distributed": {"nodes": ["10.0.0.1:0"]}})",
       "\"distributed.nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:65536"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.256:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1.2:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.01:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10..0.1:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": [":7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["[::1]:7000"]})", "\"nodes[0]\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:+7000"]})", "\"nodes[0]\""},
      // distributed: counts, consistency, waits, credentials
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "replication_factor": 0})",
       "\"replication_factor\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "replication_factor": -1})",
       "\"replication_factor\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "replication_factor": "3"})",
       "\"replication_factor\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "replication_factor": 4294967297})",
       "\"replication_factor\""},
      {R"({"Distributed": {"nodes": ["10.0.0.1:7000"], "min_replicas": 0}})",
       "\"Distributed.min_replicas\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "min_replicas": 1.5})",
       "\"min_replicas\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "replication_factor": 3,
           "min_replicas": 4})",
       "\"min_replicas\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "consistency": "linearizable"})",
       "\"consistency\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "consistency": true})",
       "\"consistency\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "timeout_ms": 0})",
       "\"timeout_ms\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "timeout_ms": "2s"})",
       "\"timeout_ms\""},
      {R"({"Distributed": {"nodes": ["10.0.0.1:7000"], "retry_timeout_ms": -1}})",
       "\"Distributed.retry_timeout_ms\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "user": 7,
           "password_file": "/pw"})",
       "\"user\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "user": "app"})", "\"user\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "password_file": ""})",
       "\"password_file\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "password_file": ["/pw"]})",
       "\"password_file\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "password": "hunter2"})",
       "\"password\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"], "initial_capacity": 1})",
       "\"initial_capacity\""},
      {R"({"type": "distributed", "nodes": ["10.0.0.1:7000"],
           "distributed": {"nodes": ["10.0.0.1:7000"]}})",
       "\"nodes\""},
  };
  for (const auto& [json, field] : cases) {
    EXPECT_THAT(StorageConfig::FromJson(json),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)))
        << json;
  }
}

}  // namespace
}  // namespace synapsed::storage
