// The value cache layer over the memory backend: hits, invalidation by every
// kind of write, pass-through reads, TTL, max_entries per policy, and the
// race between a filling read and a write (TSan-clean, seed printed).
#include "layers/cache_layer.h"

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backends/memory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

// The counters of GetProperty("cache.stats").
std::map<std::string, std::string> Stats(Store& s) {
  std::map<std::string, std::string> out;
  auto line = s.GetProperty("cache.stats");
  EXPECT_OK(line.status());
  if (!line.ok()) return out;
  size_t pos = 0;
  while (pos < line->size()) {
    size_t end = line->find(' ', pos);
    if (end == std::string::npos) end = line->size();
    const std::string field = line->substr(pos, end - pos);
    const size_t eq = field.find('=');
    out[field.substr(0, eq)] = field.substr(eq + 1);
    pos = end + 1;
  }
  return out;
}
uint64_t Stat(Store& s, const std::string& name) {
  return std::strtoull(Stats(s)[name].c_str(), nullptr, 10);
}

std::string PolicyName(
    const ::testing::TestParamInfo<CacheConfig::Policy>& info) {
  static const char* const kNames[] = {"Lru", "Lfu", "Arc"};
  return kNames[static_cast<int>(info.param)];
}

class CacheLayerTest : public ::testing::TestWithParam<CacheConfig::Policy> {
 protected:
  void Open(size_t max_entries = 100,
            std::optional<uint64_t> ttl = std::nullopt) {
    auto base = NewMemoryStore();
    base_ = base.get();
    CacheConfig config;
    config.policy = GetParam();
    config.max_entries = max_entries;
    config.ttl_seconds = ttl;
    ASSERT_OK_AND_ASSIGN(store_, NewCacheLayer(std::move(base), config,
                                               [this] { return now_; }));
  }
  std::string GetOr(std::string_view key, const ReadOptions& ro = {}) {
    PinnableValue v;
    absl::Status s = store_->Get(ro, key, &v);
    if (absl::IsNotFound(s)) return "<none>";
    if (!s.ok()) return "<" + s.ToString() + ">";
    return v.ToString();
  }

  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  Store* base_ = nullptr;  // owned by store_; written behind the layer's back
  std::unique_ptr<Store> store_;
};

TEST_P(CacheLayerTest, SecondReadIsAPinnedHit) {
  Open();
  ASSERT_OK(store_->Put("k", "v"));
  EXPECT_EQ(GetOr("k"), "v");
  EXPECT_EQ(Stat(*store_, "misses"), 1u);
  PinnableValue v;
  ASSERT_OK(store_->Get(ReadOptions(), "k", &v));
  EXPECT_EQ(v.view(), "v");
  EXPECT_TRUE(v.IsPinned());
  EXPECT_EQ(Stat(*store_, "hits"), 1u);
  // The pin keeps the value valid even after the store is gone.
  store_.reset();
  EXPECT_EQ(v.view(), "v");
}

TEST_P(CacheLayerTest, WritesThroughTheLayerInvalidate) {
  Open();
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK(store_->Put("b", "2"));
  EXPECT_EQ(GetOr("a"), "1");
  EXPECT_EQ(GetOr("b"), "2");
  ASSERT_OK(store_->Put("a", "10"));
  EXPECT_EQ(GetOr("a"), "10");
  ASSERT_OK(store_->Delete("a"));
  EXPECT_EQ(GetOr("a"), "<none>");
  WriteBatch batch;
  ASSERT_OK(batch.Put("b", "20"));
  ASSERT_OK(batch.Put("c", "30"));
  ASSERT_OK(store_->Write(WriteOptions(), batch));
  EXPECT_EQ(GetOr("b"), "20");
  std::string_view gone[] = {"b"};
  ASSERT_OK(store_->BatchDelete(WriteOptions(), gone));
  EXPECT_EQ(GetOr("b"), "<none>");
  EXPECT_EQ(GetOr("c"), "30");
  ASSERT_OK_AND_ASSIGN(bool exists, store_->Exists("c"));
  EXPECT_TRUE(exists);
}

TEST_P(CacheLayerTest, WritesBehindTheLayerAreServedStaleUntilInvalidated) {
  // Shows the cache really serves from memory (and what bypassing it costs).
  Open();
  ASSERT_OK(store_->Put("k", "old"));
  EXPECT_EQ(GetOr("k"), "old");
  ASSERT_OK(base_->Put("k", "new"));
  EXPECT_EQ(GetOr("k"), "old");
  ASSERT_OK(store_->Put("k", "newer"));
  EXPECT_EQ(GetOr("k"), "newer");
}

TEST_P(CacheLayerTest, TtlExpiresValues) {
  Open(100, /*ttl=*/60);
  ASSERT_OK(store_->Put("k", "old"));
  EXPECT_EQ(GetOr("k"), "old");
  ASSERT_OK(base_->Put("k", "new"));  // behind the layer
  now_ += absl::Seconds(59);
  EXPECT_EQ(GetOr("k"), "old");
  now_ += absl::Seconds(1);
  EXPECT_EQ(GetOr("k"), "new");
  EXPECT_EQ(Stat(*store_, "expired"), 1u);
}

TEST_P(CacheLayerTest, HugeTtlNeverExpires) {
  Open(100, /*ttl=*/~uint64_t{0});
  ASSERT_OK(store_->Put("k", "v"));
  EXPECT_EQ(GetOr("k"), "v");
  now_ += absl::Hours(24 * 365 * 100);
  EXPECT_EQ(GetOr("k"), "v");
  EXPECT_EQ(Stat(*store_, "expired"), 0u);
  EXPECT_EQ(Stat(*store_, "hits"), 1u);
}

TEST_P(CacheLayerTest, SnapshotReadsAndBatchGetBypassTheCache) {
  Open();
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, store_->GetSnapshot());
  ASSERT_OK(store_->Put("a", "2"));
  EXPECT_EQ(GetOr("a"), "2");  // cached now
  ReadOptions at;
  at.snapshot = snap.get();
  EXPECT_EQ(GetOr("a", at), "1");
  std::string_view keys[] = {"a"};
  ASSERT_OK_AND_ASSIGN(auto got, store_->BatchGet(at, keys));
  EXPECT_EQ(got[0], "1");
  ASSERT_OK_AND_ASSIGN(auto scan, store_->Scan(KeyRange::All()));
  ASSERT_EQ(scan.size(), 1u);
  EXPECT_EQ(scan[0].value, "2");
}

TEST_P(CacheLayerTest, NoFillWhenAsked) {
  Open();
  ASSERT_OK(store_->Put("k", "v"));
  ReadOptions ro;
  ro.fill_cache = false;
  EXPECT_EQ(GetOr("k", ro), "v");
  EXPECT_EQ(Stat(*store_, "entries"), 0u);
}

TEST_P(CacheLayerTest, TransactionCommitInvalidatesWrittenKeys) {
  Open();
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK(store_->Put("b", "2"));
  EXPECT_EQ(GetOr("a"), "1");
  EXPECT_EQ(GetOr("b"), "2");
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  ASSERT_OK(txn->Put("a", "10"));
  ASSERT_OK(txn->Delete("b"));
  ASSERT_OK_AND_ASSIGN(std::string mine, txn->Get("a"));
  EXPECT_EQ(mine, "10");       // read-your-writes
  EXPECT_EQ(GetOr("a"), "1");  // others see committed data only
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(GetOr("a"), "10");
  EXPECT_EQ(GetOr("b"), "<none>");
  // A rolled-back transaction changes nothing.
  ASSERT_OK_AND_ASSIGN(auto txn2, store_->BeginTransaction());
  ASSERT_OK(txn2->Put("a", "99"));
  ASSERT_OK(txn2->Rollback());
  EXPECT_EQ(GetOr("a"), "10");
}

TEST_P(CacheLayerTest, MaxEntriesIsRespected) {
  Open(/*max_entries=*/50);
  for (int i = 0; i < 500; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_OK(store_->Put(k, "v"));
    EXPECT_EQ(GetOr(k), "v");
    ASSERT_LE(Stat(*store_, "entries"), 50u);
  }
  EXPECT_GT(Stat(*store_, "entries"), 0u);
  EXPECT_THAT(Stats(*store_)["policy"], ::testing::AnyOf("lru", "lfu", "arc"));
}

TEST_P(CacheLayerTest, OtherPropertiesGoToTheBackend) {
  Open();
  EXPECT_EQ(store_->Name(), "cache(memory)");
  EXPECT_THAT(store_->GetProperty("no.such.property"),
              StatusIs(absl::StatusCode::kNotFound));
}

// Readers read the keys of a batch one by one while a writer rewrites the
// whole batch with increasing numbers: a reader must never see a key older
// than one it read before it (which a stale fill would cause), and once the
// writer is done every read returns the last batch.
TEST_P(CacheLayerTest, ConcurrentFillsNeverResurrectOldValues) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Open(/*max_entries=*/1000);
  constexpr int kKeys = 8;
  constexpr int kRounds = 1500;
  auto key = [](int i) { return "key" + std::to_string(i); };
  {
    WriteBatch b;
    for (int i = 0; i < kKeys; ++i) ASSERT_OK(b.Put(key(i), "0"));
    ASSERT_OK(store_->Write(WriteOptions(), b));
  }
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  auto reader = [&](uint64_t s) {
    Random rnd(s);
    while (!done.load()) {
      int last = 0;
      const int start = static_cast<int>(rnd.Uniform(kKeys));
      for (int j = 0; j < kKeys; ++j) {
        const int v = std::stoi(GetOr(key((start + j) % kKeys)));
        if (v < last) backwards.fetch_add(1);
        last = v;
      }
    }
  };
  std::thread r1(reader, seed), r2(reader, seed + 1);
  for (int round = 1; round <= kRounds; ++round) {
    WriteBatch b;
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_OK(b.Put(key(i), std::to_string(round)));
    }
    if (round % 3 == 0) {
      // Also through a transaction.
      ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
      for (int i = 0; i < kKeys; ++i) {
        ASSERT_OK(txn->Put(key(i), std::to_string(round)));
      }
      ASSERT_OK(txn->Commit());
    } else {
      ASSERT_OK(store_->Write(WriteOptions(), b));
    }
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(backwards.load(), 0);
  // Read back twice: the second read is served by the cache whatever the
  // readers managed above (on a loaded machine they may have had no turn
  // between two writes of a key).
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < kKeys; ++i) {
      EXPECT_EQ(GetOr(key(i)), std::to_string(kRounds)) << key(i);
    }
  }
  EXPECT_GT(Stat(*store_, "hits"), 0u);
}

// A backend that runs a hook in the middle of a Get (after reading) or of a
// Put (before writing): the interleavings a filling read and a write can
// have, made deterministic.
class HookedStore final : public Store {
 public:
  explicit HookedStore(std::unique_ptr<Store> base) : base_(std::move(base)) {}
  std::function<void()> after_get;
  std::function<void()> before_put;

  std::string Name() const override { return "hooked"; }
  absl::Status Get(const ReadOptions& o, std::string_view k,
                   PinnableValue* v) override {
    absl::Status s = base_->Get(o, k, v);
    if (auto hook = std::exchange(after_get, nullptr)) hook();
    return s;
  }
  absl::Status Put(const WriteOptions& o, std::string_view k,
                   std::string_view v) override {
    if (auto hook = std::exchange(before_put, nullptr)) hook();
    return base_->Put(o, k, v);
  }
  absl::Status Delete(const WriteOptions& o, std::string_view k) override {
    return base_->Delete(o, k);
  }
  absl::Status Flush() override { return base_->Flush(); }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    return base_->GetSnapshot();
  }
  absl::Status Write(const WriteOptions& o, const WriteBatch& b) override {
    return base_->Write(o, b);
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& o,
                                        const KeyRange& r) override {
    return base_->NewIterator(o, r);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& o) override {
    return base_->BeginTransaction(o);
  }

 private:
  std::unique_ptr<Store> base_;
};

class CacheLayerInterleavingTest : public CacheLayerTest {
 protected:
  void SetUp() override {
    auto hooked = std::make_unique<HookedStore>(NewMemoryStore());
    hooked_ = hooked.get();
    CacheConfig config;
    config.policy = GetParam();
    ASSERT_OK_AND_ASSIGN(store_, NewCacheLayer(std::move(hooked), config));
  }
  HookedStore* hooked_ = nullptr;
};

TEST_P(CacheLayerInterleavingTest, WriteDuringAFillingReadWins) {
  ASSERT_OK(store_->Put("k", "old"));
  // The read has fetched "old" from the backend; before it can fill the
  // cache, a write of "new" starts and completes.
  hooked_->after_get = [&] { ASSERT_OK(store_->Put("k", "new")); };
  EXPECT_EQ(GetOr("k"), "old");  // it read before the write: fine
  EXPECT_EQ(GetOr("k"), "new");  // but "old" must not have been cached
  EXPECT_EQ(GetOr("k"), "new");
}

TEST_P(CacheLayerInterleavingTest, ReadDuringAWriteDoesNotFill) {
  ASSERT_OK(store_->Put("k", "old"));
  // A write of "new" is in progress (its keys erased, the backend not yet
  // written) when a read misses and fetches "old".
  hooked_->before_put = [&] { EXPECT_EQ(GetOr("k"), "old"); };
  ASSERT_OK(store_->Put("k", "new"));
  EXPECT_EQ(GetOr("k"), "new");
}

INSTANTIATE_TEST_SUITE_P(Policies, CacheLayerInterleavingTest,
                         ::testing::Values(CacheConfig::Policy::kLru,
                                           CacheConfig::Policy::kLfu,
                                           CacheConfig::Policy::kArc),
                         PolicyName);

INSTANTIATE_TEST_SUITE_P(Policies, CacheLayerTest,
                         ::testing::Values(CacheConfig::Policy::kLru,
                                           CacheConfig::Policy::kLfu,
                                           CacheConfig::Policy::kArc),
                         PolicyName);

TEST(CacheLayerConfigTest, ZeroMaxEntriesIsRejected) {
  CacheConfig config;
  config.max_entries = 0;
  EXPECT_THAT(
      NewCacheLayer(NewMemoryStore(), config),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_entries")));
}

}  // namespace
}  // namespace synapsed::storage
