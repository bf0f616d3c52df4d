// IndexFences: Find against a lower bound over the sorted separators, for
// key shapes that stress the fences (shared prefixes, zero bytes, keys that
// are prefixes of each other, one user key at several sequence numbers, a
// short last separator), and the blocks it must refuse.
#include "sstable/index_fences.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "sstable/block_builder.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/test_seed.h"

namespace synapsed::storage::sstable {
namespace {

struct Index {
  std::vector<std::string> keys;  // internal keys, sorted
  std::unique_ptr<Block> block;
};

BlockHandle HandleOf(size_t i) { return BlockHandle{i * 4096, 4000 + i}; }

// An index block over `user_keys` (sorted, repeats allowed): one entry per
// key, each repeat at a lower sequence number, as internal keys sort.
Index MakeIndex(std::vector<std::string> user_keys, int restart_interval = 1) {
  std::sort(user_keys.begin(), user_keys.end());
  Index ix;
  BlockBuilder b(restart_interval);
  SequenceNumber seq = 1000000;
  for (size_t i = 0; i < user_keys.size(); ++i) {
    seq = (i > 0 && user_keys[i] == user_keys[i - 1]) ? seq - 7 : 1000000;
    ix.keys.push_back(MakeInternalKey(user_keys[i], seq, ValueType::kValue));
    std::string v;
    HandleOf(i).EncodeTo(&v);
    b.Add(ix.keys.back(), v);
  }
  const std::string_view contents = b.Finish();
  BlockBuffer buf(contents.size());
  std::memcpy(buf.data(), contents.data(), contents.size());
  auto block = Block::Create(std::move(buf), "index", 0);
  EXPECT_TRUE(block.ok()) << block.status();
  ix.block = *std::move(block);
  return ix;
}

size_t Expected(const Index& ix, std::string_view target) {
  return static_cast<size_t>(
      std::lower_bound(ix.keys.begin(), ix.keys.end(), std::string(target),
                       InternalKeyLess()) -
      ix.keys.begin());
}

// Every key at its own, a higher and a lower sequence number; every user
// key with a byte added or dropped; and `extra` targets.
void CheckFind(const Index& ix, const std::vector<std::string>& extra) {
  std::unique_ptr<IndexFences> f = IndexFences::Build(*ix.block);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->size(), ix.keys.size());
  for (size_t i = 0; i < ix.keys.size(); ++i) EXPECT_EQ(f->handle(i), HandleOf(i));
  std::vector<std::string> targets;
  for (const std::string& k : ix.keys) {
    const std::string u(ExtractUserKey(k));
    const SequenceNumber seq = ExtractSequence(k);
    for (SequenceNumber s : {seq, seq + 1, seq - 1, kMaxSequenceNumber, SequenceNumber{0}}) {
      targets.push_back(MakeInternalKey(u, s, ValueType::kValue));
    }
    targets.push_back(MakeInternalKey(u + '\0', 5, ValueType::kValue));
    targets.push_back(MakeInternalKey(u + '\xff', 5, ValueType::kValue));
    if (!u.empty()) {
      targets.push_back(MakeInternalKey(u.substr(0, u.size() - 1), 5, ValueType::kValue));
    }
  }
  for (const std::string& u : extra) {
    targets.push_back(MakeInternalKey(u, 5, ValueType::kValue));
  }
  for (const std::string& t : targets) {
    EXPECT_EQ(f->Find(t, *ix.block), Expected(ix, t))
        << "target user key '" << ExtractUserKey(t) << "' (" << t.size() << " bytes)";
  }
}

std::string Decimal(uint64_t n) { return fmt::format("{:016}", n); }

TEST(IndexFencesTest, DecimalKeysLikeDbBench) {
  Random rnd(testing::TestSeed());
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back(Decimal(rnd.Uniform(1000000)));
  std::vector<std::string> extra = {"", "0", "00000000009", "1", "9999999999999999999",
                                    Decimal(0), Decimal(999999999)};
  for (int i = 0; i < 300; ++i) extra.push_back(Decimal(rnd.Uniform(1000000)));
  CheckFind(MakeIndex(keys), extra);
}

TEST(IndexFencesTest, ShortLastSeparatorOutsideThePrefix) {
  // A table's last separator is often a short successor ("1" after keys
  // that all start with "0"): it shares no prefix with the others.
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.push_back(Decimal(1000 + 37 * i));
  keys.push_back("1");
  CheckFind(MakeIndex(keys), {"", "0", "0000000000001", "1", "10", "2", "\xff"});
}

TEST(IndexFencesTest, ZeroBytesAndKeysThatArePrefixesOfEachOther) {
  std::vector<std::string> keys = {
      std::string("ab"), std::string("ab\0", 3), std::string("ab\0\0", 4),
      std::string("ab\0\0\0\0\0\0\0\0\0", 11), std::string("ab\0\0\0\0\0\0\0\0\1", 11),
      std::string("ab\1"), std::string("abcdefghij"), std::string("abcdefghijk"),
      std::string("abcdefghijk\0", 12), std::string("abcdefghz"), std::string("ac")};
  CheckFind(MakeIndex(keys), {"", "a", "aa", "ab", "abc", "abcdefghi", "abcdefghijj", "b"});
}

TEST(IndexFencesTest, OneUserKeyAtManySequenceNumbers) {
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("key-00000042");
  for (int i = 0; i < 20; ++i) keys.push_back("key-00000043");
  keys.push_back("key-00000050");
  CheckFind(MakeIndex(keys), {"key-00000042", "key-0000004", "key-00000044", "key-1"});
}

TEST(IndexFencesTest, RandomBinaryKeysWithLongSharedPrefixes) {
  Random rnd(testing::TestSeed() + 1);
  for (int round = 0; round < 20; ++round) {
    const std::string prefix(rnd.Uniform(20), static_cast<char>(rnd.Uniform(3)));
    std::vector<std::string> keys;
    const int n = 1 + static_cast<int>(rnd.Uniform(60));
    // Few distinct bytes make equal fences (and so whole-key ties) common.
    auto random_key = [&] {
      std::string k = prefix;
      const size_t len = rnd.Uniform(14);
      for (size_t j = 0; j < len; ++j) k.push_back(static_cast<char>(rnd.Uniform(3)));
      return k;
    };
    for (int i = 0; i < n; ++i) keys.push_back(random_key());
    std::vector<std::string> extra;
    for (int i = 0; i < 100; ++i) extra.push_back(random_key());
    CheckFind(MakeIndex(keys), extra);
  }
}

TEST(IndexFencesTest, SingleEntry) {
  CheckFind(MakeIndex({"only"}), {"", "o", "only", "onlz", "z"});
}

TEST(IndexFencesTest, RefusesAnIndexWithoutARestartAtEveryEntry) {
  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(Decimal(i));
  EXPECT_EQ(IndexFences::Build(*MakeIndex(keys, /*restart_interval=*/2).block), nullptr);
}

TEST(IndexFencesTest, RefusesAnIndexWhoseHandlesDoNotDecode) {
  BlockBuilder b(1);
  b.Add(MakeInternalKey("a", 1, ValueType::kValue), "\xff");  // a varint cut short
  const std::string_view contents = b.Finish();
  BlockBuffer buf(contents.size());
  std::memcpy(buf.data(), contents.data(), contents.size());
  auto block = Block::Create(std::move(buf), "index", 0);
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(IndexFences::Build(**block), nullptr);
}

}  // namespace
}  // namespace synapsed::storage::sstable
