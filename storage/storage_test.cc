// Tests of the builder: the backends it opens, and the peers a build can be
// configured without.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/config.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Builder, MemoryBackendAndUnbuiltOnes) {
  ASSERT_OK_AND_ASSIGN(auto store,
                       StorageBuilder(StorageConfig::Memory()).Build());
  EXPECT_EQ(store->Name(), "memory");
  ASSERT_OK(store->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  EXPECT_EQ(v, "1");
  StorageConfig d;
  d.type = BackendType::kDistributed;
  d.path = "/tmp/nowhere";
  EXPECT_THAT(
      StorageBuilder(d).Build(),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("distributed")));
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
  EXPECT_FALSE(StorageBuilder::HasBackend(BackendType::kDistributed));
}

}  // namespace
}  // namespace synapsed::storage
