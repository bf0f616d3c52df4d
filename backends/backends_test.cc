// Backend-specific behaviour the conformance suite does not cover: a second
// open of a locked database, LevelDB's missing transactions, options taking
// effect, reopening with create_if_missing=false, and read-only opens.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "backends/backend_registry.h"
#include "backends/leveldb_store.h"
#include "backends/memory_store.h"
#include "backends/rocksdb_store.h"
#include "backends/sqlite_store.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;

// The value of `key`, or "<status>" if the read failed.
std::string Read(Store& store, std::string_view key, const ReadOptions& ro = {}) {
  auto v = store.Get(key, ro);
  return v.ok() ? *v : "<" + v.status().ToString() + ">";
}

// The peers are build options (SYNAPSED_WITH_ROCKSDB, ...): tests of a peer
// this build lacks are skipped.
#define SKIP_WITHOUT(type)     \
  if (!BackendAvailable(type)) \
  GTEST_SKIP() << "this build has no " << BackendTypeName(type) << " backend"

// node_heap_bytes from the memory store's stats.
size_t NodeHeapBytes(Store& store) {
  auto stats = store.GetProperty("stats");
  EXPECT_TRUE(stats.ok()) << stats.status();
  if (!stats.ok()) return 0;
  const std::string tag = "node_heap_bytes: ";
  const size_t at = stats->find(tag);
  EXPECT_NE(at, std::string::npos) << *stats;
  return at == std::string::npos ? 0 : std::stoull(stats->substr(at + tag.size()));
}

// initial_capacity reserves map nodes up front: filling the store to that
// many keys takes no node from the heap; without it every key does.
TEST(MemoryStore, InitialCapacityReservesNodes) {
  constexpr int kKeys = 1000;
  auto fill = [](Store& s) {
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(s.Put("key" + std::to_string(i), "v"));
    }
  };
  MemoryOptions reserved;
  reserved.initial_capacity = kKeys;
  auto store = NewMemoryStore(reserved);
  const size_t at_open = NodeHeapBytes(*store);
  EXPECT_GT(at_open, 0u);
  fill(*store);
  EXPECT_EQ(NodeHeapBytes(*store), at_open);
  EXPECT_EQ(Read(*store, "key999"), "v");

  auto plain = NewMemoryStore();
  const size_t plain_at_open = NodeHeapBytes(*plain);  // the pool's bookkeeping
  fill(*plain);
  // A node holds at least the key string and the version vector.
  EXPECT_GT(NodeHeapBytes(*plain), plain_at_open + kKeys * 2 * sizeof(std::string));
}

class BackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_backends_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(BackendsTest, SecondOpenOfALockedDatabaseFails) {
  SKIP_WITHOUT(BackendType::kRocksDb);
  SKIP_WITHOUT(BackendType::kLevelDb);
  SKIP_WITHOUT(BackendType::kSqlite);
  ASSERT_OK_AND_ASSIGN(auto r1, OpenRocksDbStore({}, root_ + "/r"));
  EXPECT_THAT(OpenRocksDbStore({}, root_ + "/r"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(auto l1, OpenLevelDbStore({}, root_ + "/l"));
  EXPECT_THAT(OpenLevelDbStore({}, root_ + "/l"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(auto s1, OpenSqliteStore({}, root_ + "/s.db"));
  EXPECT_THAT(OpenSqliteStore({}, root_ + "/s.db"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Once closed, the database opens again with its data.
  ASSERT_OK(s1->Put("k", "v"));
  s1.reset();
  ASSERT_OK_AND_ASSIGN(s1, OpenSqliteStore({}, root_ + "/s.db"));
  EXPECT_EQ(Read(*s1, "k"), "v");
}

TEST_F(BackendsTest, LevelDbHasNoTransactions) {
  SKIP_WITHOUT(BackendType::kLevelDb);
  ASSERT_OK_AND_ASSIGN(auto store, OpenLevelDbStore({}, root_ + "/l"));
  EXPECT_THAT(store->BeginTransaction(),
              StatusIs(absl::StatusCode::kUnimplemented, ::testing::HasSubstr("leveldb")));
}

TEST_F(BackendsTest, MissingDatabaseWithoutCreate) {
  SKIP_WITHOUT(BackendType::kRocksDb);
  SKIP_WITHOUT(BackendType::kLevelDb);
  SKIP_WITHOUT(BackendType::kSqlite);
  RocksDbStoreOptions r;
  r.create_if_missing = false;
  EXPECT_FALSE(OpenRocksDbStore(r, root_ + "/none").ok());
  LevelDbStoreOptions l;
  l.create_if_missing = false;
  EXPECT_FALSE(OpenLevelDbStore(l, root_ + "/none").ok());
  SqliteStoreOptions s;
  s.create_if_missing = false;
  EXPECT_THAT(OpenSqliteStore(s, root_ + "/none.db"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BackendsTest, RocksDbFlushWritesATableAndKeepsData) {
  SKIP_WITHOUT(BackendType::kRocksDb);
  RocksDbStoreOptions o;
  o.compression = CompressionConfig::Algorithm::kNone;
  o.write_buffer_size = 64 << 10;
  ASSERT_OK_AND_ASSIGN(auto store, OpenRocksDbStore(o, root_ + "/r"));
  // 200 small values stay well inside one 64 KiB memtable: no table exists
  // until the explicit flush.
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(store->Put("key" + std::to_string(i), std::string(100, 'v')));
  }
  auto tables = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(root_ + "/r")) {
      n += e.path().extension() == ".sst";
    }
    return n;
  };
  ASSERT_EQ(tables(), 0);
  ASSERT_OK(store->Flush());
  // The flush wrote a table file: what the test is named for, checked on
  // disk rather than in a stats dump that always has the same headings.
  EXPECT_GT(tables(), 0);
  EXPECT_EQ(Read(*store, "key199"), std::string(100, 'v'));
  // A transaction that began before a flush still validates correctly.
  ASSERT_OK_AND_ASSIGN(auto txn, store->BeginTransaction());
  ASSERT_OK(txn->Put("key1", "mine"));
  ASSERT_OK(store->Put("key1", "theirs"));
  ASSERT_OK(store->Flush());
  EXPECT_THAT(txn->Commit(), StatusIs(absl::StatusCode::kAborted,
                                      ::testing::HasSubstr("key1")));
}

TEST_F(BackendsTest, SqliteSnapshotSurvivesManyWritesAndCommits) {
  SKIP_WITHOUT(BackendType::kSqlite);
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore({}, root_ + "/s.db"));
  ASSERT_OK(store->Put("a", "old"));
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, store->GetSnapshot());
  for (int i = 0; i < 3000; ++i) ASSERT_OK(store->Put("k" + std::to_string(i), "v"));
  ASSERT_OK(store->Put("a", "new"));
  ReadOptions ro;
  ro.snapshot = snap.get();
  EXPECT_EQ(Read(*store, "a", ro), "old");
  ASSERT_OK_AND_ASSIGN(auto all, store->Scan(KeyRange::All(), 0, Direction::kForward, ro));
  EXPECT_EQ(all.size(), 1u);
  snap.reset();
  ASSERT_OK(store->Flush());
  EXPECT_EQ(Read(*store, "a"), "new");
  ASSERT_OK_AND_ASSIGN(std::string stats, store->GetProperty("stats"));
  EXPECT_THAT(stats, ::testing::HasSubstr("tracked_keys: 0"));
}

// Every file under `dir` (or the file `dir` itself) with its bytes, to
// show that a read-only open changed nothing.
std::map<std::string, std::string> Files(const std::string& path) {
  std::map<std::string, std::string> out;
  auto read = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    out[p.string()] = bytes.str();
  };
  if (std::filesystem::is_regular_file(path)) {
    read(path);
    return out;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
    if (e.is_regular_file()) read(e.path());
  }
  return out;
}

// Writes k1..k3 through a read-write open, closes, then opens read-only:
// the data reads back, every kind of write fails with FailedPrecondition,
// and `watched` (the store's files) is byte-identical afterwards.
void CheckReadOnlyOpen(StorageConfig config, const std::string& watched) {
  {
    ASSERT_OK_AND_ASSIGN(auto rw, OpenBackend(config));
    for (int i = 1; i <= 3; ++i) {
      ASSERT_OK(rw->Put("k" + std::to_string(i), "v" + std::to_string(i)));
    }
    ASSERT_OK(rw->Delete("k3"));
    ASSERT_OK(rw->Flush());
  }
  const auto before = Files(watched);
  {
    ASSERT_OK_AND_ASSIGN(auto ro, OpenBackend(config, OpenMode::kReadOnly));
    EXPECT_EQ(Read(*ro, "k1"), "v1");
    EXPECT_EQ(Read(*ro, "k2"), "v2");
    EXPECT_THAT(ro->Get("k3"), StatusIs(absl::StatusCode::kNotFound));
    ASSERT_OK_AND_ASSIGN(auto all, ro->Scan(KeyRange::All()));
    EXPECT_EQ(all.size(), 2u);
    ASSERT_OK_AND_ASSIGN(auto snap, ro->GetSnapshot());
    ReadOptions at;
    at.snapshot = snap.get();
    EXPECT_EQ(Read(*ro, "k1", at), "v1");

    const auto read_only = StatusIs(absl::StatusCode::kFailedPrecondition,
                                    ::testing::HasSubstr("read-only"));
    EXPECT_THAT(ro->Put("k1", "changed"), read_only);
    EXPECT_THAT(ro->Delete("k1"), read_only);
    WriteBatch batch;
    ASSERT_OK(batch.Put("k9", "v9"));
    EXPECT_THAT(ro->Write(WriteOptions(), batch), read_only);
    auto txn = ro->BeginTransaction();
    if (txn.ok()) {
      // The native engine lends a transaction; its commit is refused.
      ASSERT_OK((*txn)->Put("k1", "changed"));
      EXPECT_THAT((*txn)->Commit(), read_only);
    } else {
      EXPECT_THAT(txn.status(), read_only);
    }
    const absl::Status compact = ro->CompactRange(std::nullopt, std::nullopt);
    EXPECT_TRUE(absl::IsFailedPrecondition(compact) || absl::IsUnimplemented(compact))
        << compact;
    EXPECT_THAT(ro->Flush(), read_only);
    EXPECT_EQ(Read(*ro, "k1"), "v1");
  }
  auto after = Files(watched);
  // SQLite may leave the companion files of a WAL-mode reader.
  std::erase_if(after, [&](const auto& kv) {
    return before.count(kv.first) == 0 &&
           (kv.first.ends_with("-wal") || kv.first.ends_with("-shm"));
  });
  EXPECT_EQ(after.size(), before.size());
  for (const auto& [name, bytes] : before) {
    auto it = after.find(name);
    ASSERT_NE(it, after.end()) << name << " disappeared";
    EXPECT_TRUE(it->second == bytes) << name << " changed";
  }
}

TEST_F(BackendsTest, ReadOnlyNativeChangesNothing) {
  CheckReadOnlyOpen(StorageConfig::Native(root_ + "/n"), root_ + "/n");
}

TEST_F(BackendsTest, ReadOnlyRocksDbChangesNothing) {
  SKIP_WITHOUT(BackendType::kRocksDb);
  StorageConfig c;
  c.type = BackendType::kRocksDb;
  c.path = root_ + "/r";
  CheckReadOnlyOpen(c, c.path);
}

TEST_F(BackendsTest, ReadOnlySqliteChangesNothing) {
  SKIP_WITHOUT(BackendType::kSqlite);
  StorageConfig c;
  c.type = BackendType::kSqlite;
  c.path = root_ + "/s.db";
  CheckReadOnlyOpen(c, root_);
  // A file that is not a synapsed store is refused, and left alone.
  std::ofstream(root_ + "/other.db") << "";
  c.path = root_ + "/other.db";
  EXPECT_THAT(OpenBackend(c, OpenMode::kReadOnly),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("not a synapsed sqlite store")));
}

TEST_F(BackendsTest, ReadOnlyLevelDbAndMemoryAreRefused) {
  StorageConfig m;
  m.type = BackendType::kMemory;
  EXPECT_THAT(OpenBackend(m, OpenMode::kReadOnly),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("nothing to open read-only")));
  SKIP_WITHOUT(BackendType::kLevelDb);
  StorageConfig l;
  l.type = BackendType::kLevelDb;
  l.path = root_ + "/l";
  EXPECT_THAT(OpenBackend(l, OpenMode::kReadOnly),
              StatusIs(absl::StatusCode::kUnimplemented,
                       ::testing::HasSubstr("no read-only open")));
  EXPECT_FALSE(std::filesystem::exists(l.path));
}

// Nothing to open is NotFound, and nothing is created.
TEST_F(BackendsTest, ReadOnlyOfAMissingStoreIsNotFound) {
  std::vector<StorageConfig> configs = {StorageConfig::Native(root_ + "/none")};
  for (BackendType type : {BackendType::kRocksDb, BackendType::kSqlite}) {
    if (!BackendAvailable(type)) continue;
    StorageConfig c;
    c.type = type;
    c.path = root_ + "/none";
    configs.push_back(c);
  }
  for (const StorageConfig& c : configs) {
    EXPECT_THAT(OpenBackend(c, OpenMode::kReadOnly),
                StatusIs(absl::StatusCode::kNotFound))
        << BackendTypeName(c.type);
    EXPECT_FALSE(std::filesystem::exists(c.path)) << BackendTypeName(c.type);
  }
}

// A peer this build lacks answers a clear Unimplemented through the
// registry (what StorageBuilder and configs reach).
TEST_F(BackendsTest, AbsentPeersSayTheBuildLacksThem) {
  int absent = 0;
  for (BackendType type :
       {BackendType::kRocksDb, BackendType::kLevelDb, BackendType::kSqlite}) {
    if (BackendAvailable(type)) continue;
    ++absent;
    StorageConfig c;
    c.type = type;
    c.path = root_ + "/absent";
    EXPECT_THAT(OpenBackend(c),
                StatusIs(absl::StatusCode::kUnimplemented,
                         ::testing::HasSubstr(
                             "this build has no " +
                             std::string(BackendTypeName(type)) + " backend")));
    EXPECT_FALSE(std::filesystem::exists(c.path))
        << "an absent backend changed the disk";
  }
  if (absent == 0) GTEST_SKIP() << "this build has every peer backend";
}

}  // namespace
}  // namespace synapsed::storage
