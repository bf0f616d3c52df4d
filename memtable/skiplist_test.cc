#include "memtable/skiplist.h"

#include <atomic>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "memtable/arena.h"
#include "util/coding.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::memtable {
namespace {

// Test entries: an 8-byte key followed by an 8-byte check word derived from
// it, so a reader that saw a half-written entry would notice.
constexpr size_t kEntrySize = 16;
uint64_t Check(uint64_t key) { return ~key * 0x9e3779b97f4a7c15ULL; }

struct U64Comparator {
  using DecodedKey = uint64_t;
  DecodedKey Decode(const char* entry) const { return DecodeFixed64(entry); }
  int Compare(const char* entry, const DecodedKey& key) const {
    const uint64_t k = DecodeFixed64(entry);
    return k < key ? -1 : (k > key ? 1 : 0);
  }
};
using List = InlineSkipList<U64Comparator>;

bool Insert(List* list, uint64_t key) {
  char* e = list->AllocateEntry(kEntrySize);
  EncodeFixed64(e, key);
  EncodeFixed64(e + 8, Check(key));
  return list->Insert(e);
}

uint64_t KeyOf(const List::Iterator& it) {
  const uint64_t k = DecodeFixed64(it.entry());
  EXPECT_EQ(DecodeFixed64(it.entry() + 8), Check(k)) << "torn entry " << k;
  return k;
}

// Checks every way of moving through `list` against the model.
void CheckAgainstModel(const List& list, const std::set<uint64_t>& model,
                       Random* rnd) {
  List::Iterator it(&list);
  // Forward.
  it.SeekToFirst();
  for (uint64_t k : model) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(KeyOf(it), k);
    it.Next();
  }
  ASSERT_FALSE(it.Valid());
  // Backward.
  it.SeekToLast();
  for (auto r = model.rbegin(); r != model.rend(); ++r) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(KeyOf(it), *r);
    it.Prev();
  }
  ASSERT_FALSE(it.Valid());
  // Seeks at random targets, present or not, then a few steps each way.
  for (int i = 0; i < 500; ++i) {
    const uint64_t target = rnd->Uniform(model.empty() ? 100 : *model.rbegin() + 10);
    it.Seek(target);
    auto m = model.lower_bound(target);
    if (m == model.end()) {
      ASSERT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(KeyOf(it), *m);
      EXPECT_EQ(list.Contains(target), *m == target);
      for (int s = 0; s < 3 && m != model.begin(); ++s) {
        it.Prev();
        --m;
        ASSERT_TRUE(it.Valid());
        ASSERT_EQ(KeyOf(it), *m);
      }
    }
    it.SeekForPrev(target);
    auto p = model.upper_bound(target);
    if (p == model.begin()) {
      ASSERT_FALSE(it.Valid());
    } else {
      --p;
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(KeyOf(it), *p);
      for (int s = 0; s < 3; ++s) {
        it.Next();
        ++p;
        if (p == model.end()) {
          ASSERT_FALSE(it.Valid());
          break;
        }
        ASSERT_TRUE(it.Valid());
        ASSERT_EQ(KeyOf(it), *p);
      }
    }
  }
}

TEST(SkipListTest, Empty) {
  Arena arena;
  List list(U64Comparator{}, &arena);
  List::Iterator it(&list);
  EXPECT_FALSE(list.Contains(10));
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(100);
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev(100);
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, RandomInsertsMatchSetModel) {
  const uint64_t seed = testing::TestSeed();
  Random rnd(seed);
  Arena arena(Arena::Options{.block_size = 8192});
  List list(U64Comparator{}, &arena, seed);
  std::set<uint64_t> model;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 3000; ++i) {
      // A small key space makes duplicates common: they must be refused.
      const uint64_t k = rnd.Uniform(20000);
      const bool fresh = model.insert(k).second;
      ASSERT_EQ(Insert(&list, k), fresh) << "key " << k;
    }
    CheckAgainstModel(list, model, &rnd);
  }
}

TEST(SkipListTest, SequentialAndPatternedInserts) {
  // In-order, reverse-order and interleaved runs exercise the splice paths
  // (the O(1) hint, climbing a few levels, and falling back to the head).
  const uint64_t seed = testing::TestSeed();
  Random rnd(seed);
  Arena arena;
  List list(U64Comparator{}, &arena, seed);
  std::set<uint64_t> model;
  auto add = [&](uint64_t k) {
    ASSERT_EQ(Insert(&list, k), model.insert(k).second) << "key " << k;
  };
  for (uint64_t k = 1000; k < 6000; k += 2) add(k);      // ascending
  for (uint64_t k = 999; k > 0; k -= 1) add(k);          // descending
  for (uint64_t k = 1001; k < 6000; k += 20) add(k);     // gaps, ascending
  for (int i = 0; i < 2000; ++i) {                       // local runs
    const uint64_t base = rnd.Uniform(10000);
    for (uint64_t k = base; k < base + 5; ++k) add(k);
  }
  for (uint64_t k = 1000; k < 1010; ++k) add(k);          // all duplicates
  CheckAgainstModel(list, model, &rnd);
}

TEST(SkipListTest, TowerHeightsAreBoundedAndGeometric) {
  // Indirectly: a list of many entries must still search correctly, and
  // the arena cost per node must match ~1.58 pointers of tower on average
  // (1 / (1 - 1/e)).
  Arena arena(Arena::Options{.block_size = 1 << 20});
  List list(U64Comparator{}, &arena, testing::TestSeed());
  const size_t before = arena.AllocatedBytes();
  const int n = 100000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(Insert(&list, i));
  const double per_node =
      static_cast<double>(arena.AllocatedBytes() - before) / n;
  // 16 entry bytes + 8 * 1.58 tower bytes = 28.7 on average.
  EXPECT_GT(per_node, 27.5);
  EXPECT_LT(per_node, 30.0);
  for (int i = 0; i < n; i += 997) EXPECT_TRUE(list.Contains(i));
  EXPECT_FALSE(list.Contains(n));
}

// One writer inserts while readers walk the list: every pass must be
// strictly ascending with intact entries, and every key a reader has seen
// must stay findable. TSan checks the publication protocol.
TEST(SkipListTest, ConcurrentReadersDuringInserts) {
  const uint64_t seed = testing::TestSeed();
  Arena arena;
  List list(U64Comparator{}, &arena, seed);
  constexpr int kInserts = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};

  auto reader = [&](uint64_t reader_seed) {
    Random rnd(reader_seed);
    std::vector<uint64_t> seen;
    int passes = 0;
    while (!done.load(std::memory_order_acquire) || passes < 2) {
      ++passes;
      List::Iterator it(&list);
      const int floor = inserted.load(std::memory_order_acquire);
      int count = 0;
      uint64_t prev = 0;
      bool first = true;
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        const uint64_t k = KeyOf(it);
        if (!first) {
          ASSERT_LT(prev, k);
        }
        first = false;
        prev = k;
        ++count;
        if (rnd.OneIn(50)) seen.push_back(k);
      }
      // Everything inserted before the pass started is in the pass.
      ASSERT_GE(count, floor);
      for (int i = 0; i < 20 && !seen.empty(); ++i) {
        const uint64_t k = seen[rnd.Uniform(seen.size())];
        ASSERT_TRUE(list.Contains(k)) << "lost key " << k;
        it.Seek(k);
        ASSERT_TRUE(it.Valid());
        ASSERT_EQ(KeyOf(it), k);
      }
      // Walk backwards a little from a random spot.
      it.Seek(rnd.Next64());
      if (!it.Valid()) it.SeekToLast();
      for (int i = 0; i < 10 && it.Valid(); ++i) {
        const uint64_t k = KeyOf(it);
        it.Prev();
        if (it.Valid()) {
          ASSERT_LT(KeyOf(it), k);
        }
      }
    }
    for (uint64_t k : seen) ASSERT_TRUE(list.Contains(k)) << "lost key " << k;
  };

  std::thread r1(reader, seed + 1);
  std::thread r2(reader, seed + 2);
  Random rnd(seed);
  for (int i = 0; i < kInserts; ++i) {
    // Mix random keys with ascending runs, so both insert paths race readers.
    const uint64_t k = i % 4 == 0 ? rnd.Next64() : (uint64_t{1} << 40) + i;
    if (Insert(&list, k)) inserted.fetch_add(1, std::memory_order_release);
  }
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
}

}  // namespace
}  // namespace synapsed::storage::memtable
