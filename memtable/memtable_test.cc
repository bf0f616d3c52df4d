#include "memtable/memtable.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::memtable {
namespace {

constexpr ValueType kV = ValueType::kValue;
constexpr ValueType kD = ValueType::kDeletion;

std::string GetString(const MemTable& mem, std::string_view key,
                      SequenceNumber snap) {
  std::string value;
  switch (mem.Get(key, snap, &value)) {
    case LookupResult::kFound:
      return "found:" + value;
    case LookupResult::kDeleted:
      return "deleted";
    case LookupResult::kNotPresent:
      return "absent";
  }
  return "?";
}

TEST(MemTableTest, EmptyTable) {
  MemTable mem(7);
  EXPECT_TRUE(mem.Empty());
  EXPECT_EQ(mem.log_number(), 7u);
  EXPECT_EQ(mem.num_entries(), 0u);
  EXPECT_EQ(mem.first_sequence(), 0u);
  EXPECT_EQ(GetString(mem, "a", kMaxSequenceNumber), "absent");
  auto it = mem.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

TEST(MemTableTest, GetAtSnapshotsWithOverwritesAndDeletions) {
  MemTable mem(1);
  mem.Add(10, kV, "apple", "a10");
  mem.Add(20, kV, "apple", "a20");
  mem.Add(30, kD, "apple", "");
  mem.Add(40, kV, "apple", "a40");
  mem.Add(15, kV, "banana", "b15");
  mem.Add(25, kD, "banana", "");
  mem.Add(12, kV, "app", "short");     // a prefix of "apple"
  mem.Add(13, kV, "applesauce", "x");  // "apple" is a prefix of it

  EXPECT_EQ(GetString(mem, "apple", 9), "absent");
  EXPECT_EQ(GetString(mem, "apple", 10), "found:a10");
  EXPECT_EQ(GetString(mem, "apple", 19), "found:a10");
  EXPECT_EQ(GetString(mem, "apple", 20), "found:a20");
  EXPECT_EQ(GetString(mem, "apple", 29), "found:a20");
  EXPECT_EQ(GetString(mem, "apple", 30), "deleted");
  EXPECT_EQ(GetString(mem, "apple", 39), "deleted");
  EXPECT_EQ(GetString(mem, "apple", 40), "found:a40");
  EXPECT_EQ(GetString(mem, "apple", kMaxSequenceNumber), "found:a40");
  EXPECT_EQ(GetString(mem, "apple", ~SequenceNumber{0}), "found:a40");
  EXPECT_EQ(GetString(mem, "banana", 14), "absent");
  EXPECT_EQ(GetString(mem, "banana", 24), "found:b15");
  EXPECT_EQ(GetString(mem, "banana", 100), "deleted");
  EXPECT_EQ(GetString(mem, "app", 12), "found:short");
  EXPECT_EQ(GetString(mem, "app", 11), "absent");
  EXPECT_EQ(GetString(mem, "applesauce", 100), "found:x");
  EXPECT_EQ(GetString(mem, "appl", 100), "absent");
  EXPECT_EQ(GetString(mem, "", 100), "absent");
  EXPECT_EQ(GetString(mem, "zzz", 100), "absent");

  SequenceNumber seq = 0;
  std::string value;
  EXPECT_EQ(mem.Get("apple", 35, &value, &seq), LookupResult::kDeleted);
  EXPECT_EQ(seq, 30u);
  std::string_view view;
  EXPECT_EQ(mem.GetView("apple", 25, &view, &seq), LookupResult::kFound);
  EXPECT_EQ(view, "a20");
  EXPECT_EQ(seq, 20u);

  EXPECT_FALSE(mem.Empty());
  EXPECT_EQ(mem.num_entries(), 8u);
  EXPECT_EQ(mem.num_deletions(), 2u);
  EXPECT_EQ(mem.first_sequence(), 10u);
  EXPECT_EQ(mem.last_sequence(), 40u);
}

TEST(MemTableTest, IteratorOrderWithVersions) {
  MemTable mem(1);
  mem.Add(5, kV, "b", "b5");
  mem.Add(7, kD, "b", "");
  mem.Add(6, kV, "a", "a6");
  mem.Add(9, kV, "c", "c9");
  mem.Add(8, kV, "b", "b8");
  mem.Add(1, kV, "a", "a1");
  // Internal-key order: user key ascending, sequence descending.
  const std::vector<std::tuple<std::string, SequenceNumber, ValueType,
                               std::string>>
      want = {{"a", 6, kV, "a6"}, {"a", 1, kV, "a1"}, {"b", 8, kV, "b8"},
              {"b", 7, kD, ""},   {"b", 5, kV, "b5"}, {"c", 9, kV, "c9"}};
  auto it = mem.NewIterator();
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, want.size());
    const auto& [uk, seq, type, value] = want[i];
    EXPECT_EQ(it->key(), MakeInternalKey(uk, seq, type));
    EXPECT_EQ(it->value(), value);
  }
  EXPECT_EQ(i, want.size());
  i = want.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    EXPECT_EQ(ExtractUserKey(it->key()), std::get<0>(want[i]));
    EXPECT_EQ(ExtractSequence(it->key()), std::get<1>(want[i]));
  }
  EXPECT_EQ(i, 0u);

  // Seek to (b, 7): lands on (b, 7); to (b, 6) on (b, 5); past b on c.
  it->Seek(MakeInternalKey("b", 7, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), MakeInternalKey("b", 7, kD));
  it->Seek(MakeInternalKey("b", 6, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), MakeInternalKey("b", 5, kV));
  it->Seek(MakeInternalKey("b", 0, ValueType::kDeletion));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), MakeInternalKey("c", 9, kV));
  it->SeekForPrev(MakeInternalKey("b", 6, kValueTypeForSeek));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), MakeInternalKey("b", 7, kD));
  it->Seek(MakeInternalKey("d", kMaxSequenceNumber, kValueTypeForSeek));
  EXPECT_FALSE(it->Valid());
}

// Every behaviour must be the same with and without the bloom filter (a tiny
// one, so false positives occur and take the skiplist path).
class MemTableBloomParamTest : public ::testing::TestWithParam<size_t> {};
INSTANTIATE_TEST_SUITE_P(Bloom, MemTableBloomParamTest,
                         ::testing::Values(size_t{0}, size_t{512}));

TEST_P(MemTableBloomParamTest, RandomOperationsMatchModel) {
  const uint64_t seed = testing::TestSeed();
  Random rnd(seed);
  MemTable mem(3, MemTableOptions{.arena_block_size = 16384,
                                  .bloom_bytes = GetParam(),
                                  .skiplist_seed = seed});
  // Model: user key -> (seq -> value or nullopt for deletion).
  std::map<std::string, std::map<SequenceNumber, std::optional<std::string>>>
      model;
  SequenceNumber seq = 0;
  for (int i = 0; i < 5000; ++i) {
    // Keys of varied length and shared prefixes exercise the word compare.
    std::string key = "key" + std::to_string(rnd.Uniform(300));
    if (rnd.OneIn(3)) key += std::string(rnd.Uniform(20), 'x');
    ++seq;
    if (rnd.OneIn(4)) {
      mem.Add(seq, kD, key, "");
      model[key][seq] = std::nullopt;
    } else {
      std::string value = rnd.Bytes(rnd.Uniform(40));
      mem.Add(seq, kV, key, value);
      model[key][seq] = value;
    }
  }
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key" + std::to_string(rnd.Uniform(320));
    if (rnd.OneIn(3)) key += std::string(rnd.Uniform(20), 'x');
    const SequenceNumber snap = rnd.Uniform(seq + 2);
    std::string want = "absent";
    auto m = model.find(key);
    if (m != model.end()) {
      auto v = m->second.upper_bound(snap);
      if (v != m->second.begin()) {
        --v;
        want = v->second ? "found:" + *v->second : "deleted";
      }
    }
    ASSERT_EQ(GetString(mem, key, snap), want) << key << " @" << snap;
  }
  // The iterator visits exactly the model's versions in order.
  auto it = mem.NewIterator();
  it->SeekToFirst();
  for (const auto& [key, versions] : model) {
    for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(ExtractUserKey(it->key()), key);
      EXPECT_EQ(ExtractSequence(it->key()), v->first);
      EXPECT_EQ(ExtractValueType(it->key()), v->second ? kV : kD);
      if (v->second) {
        EXPECT_EQ(it->value(), *v->second);
      }
      it->Next();
    }
  }
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(mem.num_entries(), seq);
}

TEST(MemTableTest, BloomFilterCountsInMemoryAndKeepsAnswers) {
  MemTable plain(1);
  MemTable filtered(1, MemTableOptions{.bloom_bytes = 64 * 1024});
  EXPECT_GE(filtered.ApproximateMemoryUsage(),
            plain.ApproximateMemoryUsage() + 64 * 1024);
  for (int i = 0; i < 1000; i += 2) {
    filtered.Add(i + 1, kV, "k" + std::to_string(i), "v");
  }
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i);
    EXPECT_EQ(GetString(filtered, key, 5000),
              i % 2 == 0 ? "found:v" : "absent");
    std::string_view view;
    EXPECT_EQ(filtered.GetViewWithHash(key, MemTable::KeyHash(key), 5000, &view),
              i % 2 == 0 ? LookupResult::kFound : LookupResult::kNotPresent);
    EXPECT_EQ(plain.GetViewWithHash(key, MemTable::KeyHash(key), 5000, &view),
              LookupResult::kNotPresent);
  }
}

TEST(MemTableTest, MemTablesReuseArenaBlocksFromAPool) {
  auto pool = std::make_shared<ArenaBlockPool>(
      ArenaBlockPool::Options{.block_size = 16384});
  for (int round = 0; round < 3; ++round) {
    // Blocks come back dirty from the previous memtable: contents must not
    // leak into the next one (bloom bits, tower pointers).
    MemTable mem(round, MemTableOptions{.arena_pool = pool,
                                        .bloom_bytes = 1024});
    for (int i = 0; i < 2000; ++i) {
      mem.Add(i + 1, kV, "r" + std::to_string(round) + "k" + std::to_string(i),
              std::string(50, 'a' + round));
    }
    for (int i = 0; i < 2000; i += 7) {
      EXPECT_EQ(GetString(mem, "r" + std::to_string(round) + "k" +
                                   std::to_string(i), 5000),
                "found:" + std::string(50, 'a' + round));
      if (round > 0) {
        EXPECT_EQ(GetString(mem, "r0k" + std::to_string(i), 5000), "absent");
      }
    }
    auto it = mem.NewIterator();
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_EQ(n, 2000);
  }
  EXPECT_GT(pool->PooledBytes(), 0u);
}

TEST(MemTableTest, LargeKeysAndValues) {
  MemTable mem(1);
  Random rnd(testing::TestSeed());
  const std::string big_key = rnd.Bytes(16 * 1024);
  const std::string big_value = rnd.Bytes(32 << 20);
  const std::string mid_value = rnd.Bytes(300);  // two-byte varint length
  mem.Add(1, kV, big_key, big_value);
  mem.Add(2, kV, "k", mid_value);
  mem.Add(3, kV, big_key + "a", "v");
  std::string value;
  ASSERT_EQ(mem.Get(big_key, 5, &value), LookupResult::kFound);
  EXPECT_TRUE(value == big_value);
  ASSERT_EQ(mem.Get("k", 5, &value), LookupResult::kFound);
  EXPECT_EQ(value, mid_value);
  ASSERT_EQ(mem.Get(big_key + "a", 5, &value), LookupResult::kFound);
  EXPECT_EQ(value, "v");
  EXPECT_GT(mem.ApproximateMemoryUsage(), size_t{32} << 20);
}

TEST(MemTableTest, DuplicateAddKeepsFirst) {
  MemTable mem(1);
  mem.Add(5, kV, "k", "first");
  mem.Add(5, kV, "k", "second");
  EXPECT_EQ(GetString(mem, "k", 5), "found:first");
  EXPECT_EQ(mem.num_entries(), 1u);
}

TEST(MemTableTest, MemoryAccountingGrows) {
  MemTable mem(1, MemTableOptions{.arena_block_size = 64 * 1024});
  const size_t empty_usage = mem.ApproximateMemoryUsage();
  size_t last = empty_usage;
  size_t payload = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "user" + std::to_string(i);
    mem.Add(i + 1, kV, key, std::string(100, 'v'));
    payload += key.size() + 100;
    const size_t now = mem.ApproximateMemoryUsage();
    EXPECT_GT(now, last);
    last = now;
  }
  EXPECT_GE(last - empty_usage, payload);
  // Overhead per entry (8-byte trailer, 2 length bytes, tower, padding)
  // stays small: under 32 bytes on average.
  EXPECT_LT(last - empty_usage, payload + 10000 * 32);
  EXPECT_GE(mem.ArenaMemoryReserved() + sizeof(MemTable), last);
}

// A writer adds while readers Get and iterate. A reader reads at the
// sequence the writer published (release) and must see exactly that state
// for the keys it checks.
TEST_P(MemTableBloomParamTest, ConcurrentReadersDuringAdds) {
  const uint64_t seed = testing::TestSeed();
  auto mem = std::make_shared<MemTable>(
      1, MemTableOptions{.bloom_bytes = GetParam()});
  constexpr int kKeys = 200;
  constexpr int kWrites = 20000;
  std::atomic<SequenceNumber> published{0};
  // Write i writes key (i % kKeys) with value std::to_string(i), sequence
  // i+1: the expected state at any snapshot is computable.
  auto expected = [](int key, SequenceNumber snap) -> std::string {
    // Latest write index j <= snap-1 with j % kKeys == key.
    if (snap == 0 || static_cast<int>(snap - 1) < key) return "absent";
    const int last = static_cast<int>(snap - 1);
    const int j = last - ((last - key) % kKeys);
    return "found:" + std::to_string(j);
  };
  std::atomic<bool> done{false};
  std::atomic<int> rounds[2] = {0, 0};
  auto reader = [&](uint64_t s, int id) {
    Random rnd(s);
    // A failed ASSERT returns from the lambda; the count then stops and the
    // writer's bounded wait below gives up.
    do {
      const SequenceNumber snap = published.load(std::memory_order_acquire);
      for (int n = 0; n < 50; ++n) {
        const int key = static_cast<int>(rnd.Uniform(kKeys));
        ASSERT_EQ(GetString(*mem, "key" + std::to_string(key), snap),
                  expected(key, snap))
            << "key" << key << " @" << snap;
      }
      auto it = mem->NewIterator();
      std::string prev;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string cur(it->key());
        if (!prev.empty()) {
          ASSERT_LT(CompareInternalKeys(prev, cur), 0);
        }
        prev = cur;
      }
      rounds[id].fetch_add(1);
    } while (!done.load(std::memory_order_acquire));
  };
  std::thread r1(reader, seed + 1, 0), r2(reader, seed + 2, 1);
  int mid[2] = {0, 0};
  for (int i = 0; i < kWrites; ++i) {
    mem->Add(i + 1, kV, "key" + std::to_string(i % kKeys), std::to_string(i));
    published.store(i + 1, std::memory_order_release);
    if (i == kWrites / 2) {
      // Half way, wait (bounded) until both readers have finished a round,
      // so reads are known to run while the skiplist grows.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while ((rounds[0].load() == 0 || rounds[1].load() == 0) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      mid[0] = rounds[0].load();
      mid[1] = rounds[1].load();
    }
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_EQ(mem->num_entries(), static_cast<uint64_t>(kWrites));
  EXPECT_GT(mid[0], 0);
  EXPECT_GT(mid[1], 0);
}

}  // namespace
}  // namespace synapsed::storage::memtable
