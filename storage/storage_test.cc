// Tests of the builder: the backends it opens, the layers it stacks, a
// user-supplied backend, and the peers a build can be configured without.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/config.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Builder, MemoryBackendAndAnUnreachableCluster) {
  ASSERT_OK_AND_ASSIGN(auto store,
                       StorageBuilder(StorageConfig::Memory()).Build());
  EXPECT_EQ(store->Name(), "memory");
  ASSERT_OK(store->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  EXPECT_EQ(v, "1");
  // A distributed store is a client: with no node answering it does not open.
  StorageConfig d;
  d.type = BackendType::kDistributed;
  d.distributed.nodes = {"127.0.0.1:1"};
  d.distributed.timeout_ms = 500;
  EXPECT_THAT(StorageBuilder(d).Build(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
  d.cache = CacheConfig();
  EXPECT_THAT(StorageBuilder(d).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cache.ttl_seconds")));
}

// The metrics layer goes above the cache (a hit is timed as the caller sees
// it) and, with access control, just inside it.
TEST(Builder, MetricsLayerStacksAboveTheCacheAndInsideAccessControl) {
  StorageConfig c = StorageConfig::Memory();
  c.cache = CacheConfig();
  ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(c).WithMetrics().Build());
  EXPECT_EQ(store->Name(), "metrics(cache(memory))");
  ASSERT_OK(store->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  ASSERT_OK_AND_ASSIGN(std::string text, store->GetProperty("metrics"));
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["operations"]["put"]["count"], 1);
  EXPECT_EQ(j["operations"]["get"]["count"], 1);
  // The cache layer below still answers its own property.
  ASSERT_OK(store->GetProperty("cache.stats").status());

  ASSERT_OK_AND_ASSIGN(auto from_json,
                       StorageConfig::FromJson(R"({"type": "memory", "metrics": true})"));
  ASSERT_OK_AND_ASSIGN(auto built, StorageBuilder(from_json).Build());
  EXPECT_EQ(built->Name(), "metrics(memory)");
  ASSERT_OK(built->GetProperty("metrics.prometheus").status());

  AclConfig acl;
  acl.roles["admin"].admin = true;
  acl.users = {"root"};
  acl.grants["root"] = {"admin"};
  ASSERT_OK_AND_ASSIGN(auto secured,
                       StorageBuilder(StorageConfig::Memory()).WithMetrics().WithAccessControl(acl)
                           .BuildSecured());
  ASSERT_OK_AND_ASSIGN(auto root, secured->AsPrincipal("root"));
  // Through access control the metrics are an operational property any
  // principal may read, the anonymous one too (access_control.h); other
  // properties are for an admin, and the anonymous principal is refused
  // before the layers below see the call.
  ASSERT_OK(root->GetProperty("metrics").status());
  ASSERT_OK(secured->GetProperty("metrics").status());
  EXPECT_THAT(secured->GetProperty("options.json").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(Builder, UserBackendGetsTheConfigAndTheLayers) {
  StorageConfig config = StorageConfig::Memory();
  config.path = "/where/the/user/wants";
  std::string seen_path;
  auto store = StorageBuilder(config)
                   .WithCache(CacheConfig{})
                   .WithBackend([&](const StorageConfig& c) {
                     seen_path = c.path;
                     // Any Store will do; the memory one stands in for the
                     // user's.
                     return StorageBuilder(StorageConfig::Memory()).Build();
                   })
                   .Build();
  ASSERT_OK(store.status());
  EXPECT_EQ(seen_path, "/where/the/user/wants");
  EXPECT_EQ((*store)->Name(), "cache(memory)");
  ASSERT_OK((*store)->Put("k", "v"));
  ASSERT_OK_AND_ASSIGN(std::string v, (*store)->Get("k"));
  EXPECT_EQ(v, "v");
}

TEST(Builder, UserBackendErrorsAndNullAreReported) {
  StorageBuilder failing =
      StorageBuilder(StorageConfig::Memory())
          .WithBackend([](const StorageConfig&)
                           -> absl::StatusOr<std::unique_ptr<Store>> {
            return absl::UnavailableError("user backend is down");
          });
  EXPECT_THAT(failing.Build(), StatusIs(absl::StatusCode::kUnavailable,
                                        HasSubstr("user backend is down")));
  StorageBuilder null =
      StorageBuilder(StorageConfig::Memory())
          .WithBackend([](const StorageConfig&)
                           -> absl::StatusOr<std::unique_ptr<Store>> {
            return std::unique_ptr<Store>();
          });
  EXPECT_THAT(null.Build(), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A peer configured off (SYNAPSED_WITH_ROCKSDB=OFF, ...) answers a clear
// Unimplemented; one configured on opens. Which branch runs depends on the
// build's options (-DSYNAPSED_WITH_ROCKSDB=OFF etc. runs the other).
TEST(Builder, PeersOpenOrSayTheBuildLacksThem) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string root = std::string(tmp ? tmp : "/tmp") +
                           "/synapsed_storage_test_" +
                           std::to_string(::getpid());
  for (auto [type, name] : {std::pair{BackendType::kRocksDb, "rocksdb"},
                            std::pair{BackendType::kLevelDb, "leveldb"},
                            std::pair{BackendType::kSqlite, "sqlite"}}) {
    StorageConfig c;
    c.type = type;
    c.path = root + "_" + name;
    auto store = StorageBuilder(c).Build();
    if (StorageBuilder::HasBackend(type)) {
      EXPECT_TRUE(store.ok()) << name << ": " << store.status();
      if (store.ok()) store->reset();
      std::filesystem::remove_all(c.path);
    } else {
      EXPECT_THAT(store, StatusIs(absl::StatusCode::kUnimplemented,
                                  HasSubstr(std::string("this build has no ") +
                                            name + " backend")));
    }
  }
  EXPECT_TRUE(StorageBuilder::HasBackend(BackendType::kMemory));
  EXPECT_TRUE(StorageBuilder::HasBackend(BackendType::kNative));
  EXPECT_TRUE(StorageBuilder::HasBackend(BackendType::kDistributed));
}

// Compaction and properties through the builder's full layer stack (cache
// over compression over the backend), with no cast to a backend class: the
// layers must forward both. For the native engine the compaction is seen in
// its shape: nothing left in L0 after compacting everything.
TEST(Builder, CompactRangeAndPropertiesReachThroughTheLayers) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string root = std::string(tmp ? tmp : "/tmp") +
                           "/synapsed_storage_compact_" + std::to_string(::getpid());
  for (auto [type, name] : {std::pair{BackendType::kNative, "native"},
                            std::pair{BackendType::kRocksDb, "rocksdb"},
                            std::pair{BackendType::kLevelDb, "leveldb"}}) {
    SCOPED_TRACE(name);
    if (!StorageBuilder::HasBackend(type)) continue;  // PeersOpenOrSay... covers it
    StorageConfig c;
    c.type = type;
    c.path = root + "_" + name;
    c.cache = CacheConfig{};
    c.compression = CompressionConfig{};
    c.compression->enabled = true;
    c.compression->min_size = 0;
    {
      ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(c).Build());
      EXPECT_THAT(store->Name(), HasSubstr("cache(compression("));
      for (int i = 0; i < 500; ++i) {
        ASSERT_OK(store->Put("key" + std::to_string(1000 + i), std::string(200, 'v')));
      }
      ASSERT_OK(store->Flush());
      for (int i = 0; i < 500; i += 2) ASSERT_OK(store->Delete("key" + std::to_string(1000 + i)));
      ASSERT_OK(store->Flush());
      ASSERT_OK(store->CompactRange("key1100", "key1200"));
      ASSERT_OK(store->CompactRange(std::nullopt, std::nullopt));
      ASSERT_OK_AND_ASSIGN(std::string v, store->Get("key1001"));
      EXPECT_EQ(v, std::string(200, 'v'));
      EXPECT_THAT(store->Get("key1000"), StatusIs(absl::StatusCode::kNotFound));
      // The cache answers its own property and forwards the backend's.
      EXPECT_OK(store->GetProperty("cache.stats").status());
      EXPECT_OK(store->GetProperty("stats").status());
      if (type == BackendType::kNative) {
        ASSERT_OK_AND_ASSIGN(std::string js, store->GetProperty("stats.json"));
        const auto j = nlohmann::json::parse(js);
        EXPECT_EQ(j["levels"][0]["files"].get<int>(), 0) << js;
        EXPECT_GT(j["live_tables"].get<int>(), 0) << js;
      }
    }
    std::filesystem::remove_all(c.path);
  }
}

// The seed's externally tagged memory config reaches the memory backend: its
// reservation shows as node bytes held before any write.
// ReadOnly() stacks the configured layers on a read-only open: what the
// compression layer wrote reads back decoded, writes are refused, and a
// user's factory cannot be made read-only.
TEST(Builder, ReadOnlyReadsThroughTheLayers) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/synapsed_storage_ro_" +
                          std::to_string(::getpid());
  StorageConfig c = StorageConfig::Native(dir);
  c.compression = CompressionConfig{};
  c.compression->enabled = true;
  c.compression->min_size = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(c).Build());
    ASSERT_OK(store->Put("k", std::string(300, 'x')));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(c).WithCache(CacheConfig{}).ReadOnly().Build());
    EXPECT_EQ(store->Name(), "cache(compression(native))");
    ASSERT_OK_AND_ASSIGN(std::string v, store->Get("k"));
    EXPECT_EQ(v, std::string(300, 'x'));
    EXPECT_THAT(store->Put("k", "y"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("read-only")));
    ASSERT_OK_AND_ASSIGN(v, store->Get("k"));
    EXPECT_EQ(v, std::string(300, 'x'));
  }
  std::filesystem::remove_all(dir);
  EXPECT_THAT(StorageBuilder(c).ReadOnly().Build(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_THAT(StorageBuilder(StorageConfig::Memory())
                  .WithBackend([](const StorageConfig&) {
                    return StorageBuilder(StorageConfig::Memory()).Build();
                  })
                  .ReadOnly()
                  .Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ReadOnly()")));
}

TEST(Builder, SeedMemoryConfigReservesNodes) {
  auto node_bytes = [](Store& s) -> std::string {
    auto stats = s.GetProperty("stats");
    if (!stats.ok()) return stats.status().ToString();
    const size_t at = stats->find("node_heap_bytes: ");
    return at == std::string::npos ? *stats : stats->substr(at);
  };
  ASSERT_OK_AND_ASSIGN(StorageConfig reserved, StorageConfig::FromJson(
      R"({"backend": {"Memory": {"initial_capacity": 4096}}})"));
  ASSERT_OK_AND_ASSIGN(auto with, StorageBuilder(reserved).Build());
  ASSERT_OK_AND_ASSIGN(auto without, StorageBuilder(StorageConfig::Memory()).Build());
  const std::string a = node_bytes(*with), b = node_bytes(*without);
  ASSERT_EQ(a.rfind("node_heap_bytes: ", 0), 0u) << a;
  ASSERT_EQ(b.rfind("node_heap_bytes: ", 0), 0u) << b;
  // 4096 nodes hold far more than the empty store's bookkeeping.
  EXPECT_GT(std::stoull(a.substr(17)), std::stoull(b.substr(17)) + 4096 * 32);
}

}  // namespace
}  // namespace synapsed::storage
