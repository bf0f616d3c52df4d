// BlockBuilder / Block / BlockIterator and index separators.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "sstable/separator.h"
#include "util/coding.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::sstable {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

BlockBuffer Buffer(std::string_view s) {
  BlockBuffer b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

std::unique_ptr<Block> MakeBlock(std::string_view contents) {
  auto b = Block::Create(Buffer(contents), "t.sst", 100);
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *std::move(b) : nullptr;
}

std::string IKey(std::string_view user, SequenceNumber seq,
                 ValueType t = ValueType::kValue) {
  return MakeInternalKey(user, seq, t);
}

TEST(BlockBuilderTest, EncodesPrefixCompressedEntriesAndRestarts) {
  BlockBuilder b(2);
  b.Add("apple", "1");
  b.Add("apply", "2");
  b.Add("banana", "3");
  std::string got(b.Finish());
  std::string want;
  // shared, unshared, value_len, key delta, value
  want += std::string("\x00\x05\x01", 3) + "apple" + "1";
  want += std::string("\x04\x01\x01", 3) + "y" + "2";
  want += std::string("\x00\x06\x01", 3) + "banana" + "3";
  PutFixed32(&want, 0);
  PutFixed32(&want, 14);  // the third entry starts a restart
  PutFixed32(&want, 2);
  EXPECT_EQ(got, want);
  EXPECT_EQ(b.EstimatedSize(), want.size());
}

TEST(BlockTest, EmptyBlock) {
  BlockBuilder b(16);
  EXPECT_TRUE(b.empty());
  auto block = MakeBlock(b.Finish());
  ASSERT_NE(block, nullptr);
  BlockIterator it(block.get(), KeyOrder::kBytewise, "t.sst");
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek("x");
  EXPECT_FALSE(it.Valid());
  EXPECT_OK(it.status());
}

class BlockRandomTest : public ::testing::TestWithParam<int> {};

TEST_P(BlockRandomTest, MatchesModelForEveryOperation) {
  const uint64_t seed = synapsed::storage::testing::TestSeed();
  Random rnd(seed + GetParam());
  std::map<std::string, std::string, InternalKeyLess> model;
  const int n = 1 + rnd.Uniform(400);
  while (static_cast<int>(model.size()) < n) {
    std::string user = "key" + std::to_string(rnd.Uniform(200));
    if (rnd.OneIn(3)) user += rnd.Bytes(rnd.Uniform(20));
    model[IKey(user, rnd.Uniform(1000),
               rnd.OneIn(4) ? ValueType::kDeletion : ValueType::kValue)] =
        rnd.Bytes(rnd.Uniform(300));
  }
  BlockBuilder b(GetParam());
  for (const auto& [k, v] : model) b.Add(k, v);
  auto block = MakeBlock(b.Finish());
  ASSERT_NE(block, nullptr);
  std::vector<std::pair<std::string, std::string>> entries(model.begin(),
                                                           model.end());
  BlockIterator it(block.get(), KeyOrder::kInternal, "t.sst");
  // Forward.
  size_t i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++i) {
    ASSERT_LT(i, entries.size());
    ASSERT_EQ(it.key(), entries[i].first);
    ASSERT_EQ(it.value(), entries[i].second);
  }
  EXPECT_EQ(i, entries.size());
  // Backward.
  i = entries.size();
  for (it.SeekToLast(); it.Valid(); it.Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    ASSERT_EQ(it.key(), entries[i].first);
  }
  EXPECT_EQ(i, 0u);
  // Seeks to present and absent keys, then a step each way.
  for (int t = 0; t < 200; ++t) {
    std::string target =
        rnd.OneIn(2) ? entries[rnd.Uniform(entries.size())].first
                     : IKey("key" + std::to_string(rnd.Uniform(210)),
                            rnd.Uniform(1000));
    auto want = model.lower_bound(target);
    it.Seek(target);
    if (want == model.end()) {
      ASSERT_FALSE(it.Valid());
      continue;
    }
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), want->first);
    it.Prev();
    if (want == model.begin()) {
      ASSERT_FALSE(it.Valid());
    } else {
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(it.key(), std::prev(want)->first);
      it.Next();
      ASSERT_EQ(it.key(), want->first);
    }
  }
  EXPECT_OK(it.status());
}

// A seek decides most entries of its restart run by the prefix they share
// with the entry before (BlockIterator::ScanFromRestart). Keys from a
// two-letter alphabet, of every length up to 6, share prefixes of every
// length and are prefixes of one another; each target, present or absent,
// must land on the lower bound, in bytewise and internal order alike.
TEST_P(BlockRandomTest, SeekMatchesLowerBoundForKeysSharingPrefixes) {
  const uint64_t seed = synapsed::storage::testing::TestSeed();
  Random rnd(seed + 1000 + GetParam());
  auto word = [&rnd] {
    std::string w(1 + rnd.Uniform(6), 'a');
    for (char& c : w) c = rnd.OneIn(2) ? 'a' : 'b';
    return w;
  };
  for (KeyOrder order : {KeyOrder::kBytewise, KeyOrder::kInternal}) {
    const bool internal = order == KeyOrder::kInternal;
    std::vector<std::string> keys;
    for (int i = 0; i < 60; ++i) {
      keys.push_back(internal ? IKey(word(), rnd.Uniform(4)) : word());
    }
    auto less = [internal](const std::string& a, const std::string& b) {
      return internal ? CompareInternalKeys(a, b) < 0 : a < b;
    };
    std::sort(keys.begin(), keys.end(), less);
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    BlockBuilder b(GetParam());
    for (const std::string& k : keys) b.Add(k, "v");
    auto block = MakeBlock(b.Finish());
    ASSERT_NE(block, nullptr);
    BlockIterator it(block.get(), order, "t.sst");
    for (int t = 0; t < 300; ++t) {
      const std::string target = internal ? IKey(word(), rnd.Uniform(4)) : word();
      auto want = std::lower_bound(keys.begin(), keys.end(), target, less);
      it.Seek(target);
      if (want == keys.end()) {
        ASSERT_FALSE(it.Valid()) << target;
      } else {
        ASSERT_TRUE(it.Valid()) << target;
        ASSERT_EQ(it.key(), *want) << "target " << target;
      }
    }
    EXPECT_OK(it.status());
  }
}

// SeekAll over many blocks at once lands each iterator where its own Seek
// would: blocks of every size (one entry up), targets present and absent.
TEST_P(BlockRandomTest, SeekAllMatchesSeekingOneByOne) {
  Random rnd(synapsed::storage::testing::TestSeed() + 7 * GetParam());
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::vector<std::string>> keys;
  for (int b = 0; b < 24; ++b) {
    std::map<std::string, std::string, InternalKeyLess> model;
    const int n = 1 + rnd.Uniform(b % 3 == 0 ? 3 : 300);
    while (static_cast<int>(model.size()) < n) {
      model[IKey("key" + std::to_string(rnd.Uniform(500)), rnd.Uniform(9))] =
          rnd.Bytes(rnd.Uniform(40));
    }
    BlockBuilder builder(GetParam());
    keys.emplace_back();
    for (const auto& [k, v] : model) {
      builder.Add(k, v);
      keys.back().push_back(k);
    }
    blocks.push_back(MakeBlock(builder.Finish()));
    ASSERT_NE(blocks.back(), nullptr);
  }
  for (int round = 0; round < 50; ++round) {
    std::vector<BlockIterator> batch, single;
    std::vector<std::string> targets;
    const size_t n = 1 + rnd.Uniform(blocks.size());
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const size_t b = rnd.Uniform(blocks.size());
      batch.emplace_back(blocks[b].get(), KeyOrder::kInternal, "t.sst");
      single.emplace_back(blocks[b].get(), KeyOrder::kInternal, "t.sst");
      targets.push_back(rnd.OneIn(2) ? keys[b][rnd.Uniform(keys[b].size())]
                                     : IKey("key" + std::to_string(rnd.Uniform(520)),
                                            rnd.Uniform(9)));
    }
    std::vector<BlockIterator*> its;
    std::vector<std::string_view> views(targets.begin(), targets.end());
    for (BlockIterator& it : batch) its.push_back(&it);
    BlockIterator::SeekAll(its, views);
    for (size_t i = 0; i < n; ++i) {
      single[i].Seek(targets[i]);
      ASSERT_EQ(batch[i].Valid(), single[i].Valid()) << "round " << round << " key " << i;
      if (single[i].Valid()) {
        ASSERT_EQ(batch[i].key(), single[i].key());
        ASSERT_EQ(batch[i].value(), single[i].value());
        // Positioned as a seek leaves it: the next entry follows.
        batch[i].Next();
        single[i].Next();
        ASSERT_EQ(batch[i].Valid(), single[i].Valid());
        if (single[i].Valid()) {
          ASSERT_EQ(batch[i].key(), single[i].key());
        }
      }
      ASSERT_OK(batch[i].status());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RestartIntervals, BlockRandomTest,
                         ::testing::Values(1, 2, 4, 16, 1000));

TEST(BlockCorruptionTest, BadRestartTrailerIsDataLoss) {
  EXPECT_THAT(Block::Create(Buffer("ab"), "t.sst", 77).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("t.sst: block too short at offset 77")));
  std::string zero_restarts;
  PutFixed32(&zero_restarts, 0);
  EXPECT_THAT(Block::Create(Buffer(zero_restarts), "t.sst", 5).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("restart")));
  std::string too_many;
  PutFixed32(&too_many, 1000);
  EXPECT_THAT(Block::Create(Buffer(too_many), "t.sst", 5).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("restart")));
  BlockBuilder b(1);
  b.Add("a", "1");
  b.Add("b", "2");
  std::string s(b.Finish());
  std::string bad = s;
  EncodeFixed32(bad.data() + bad.size() - 8, 200);  // second restart
  EXPECT_THAT(Block::Create(Buffer(bad), "t.sst", 5).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("restart")));
}

TEST(BlockCorruptionTest, MalformedEntriesInvalidateTheIterator) {
  BlockBuilder b(16);
  b.Add(IKey("a", 1), "1");
  b.Add(IKey("ab", 1), "2");
  std::string s(b.Finish());
  {
    // The second entry claims more shared bytes than the first key has.
    std::string bad = s;
    const size_t second = 3 + 9 + 1;
    bad[second] = 50;
    auto block = MakeBlock(bad);
    BlockIterator it(block.get(), KeyOrder::kInternal, "t.sst");
    it.SeekToFirst();
    ASSERT_TRUE(it.Valid());
    it.Next();
    EXPECT_FALSE(it.Valid());
    EXPECT_THAT(it.status(), StatusIs(absl::StatusCode::kDataLoss,
                                      HasSubstr("t.sst: corrupt block entry")));
    // Sticky.
    it.SeekToFirst();
    EXPECT_FALSE(it.Valid());
  }
  {
    // A value length that runs past the entries.
    std::string bad = s;
    bad[2] = 100;
    auto block = MakeBlock(bad);
    BlockIterator it(block.get(), KeyOrder::kInternal, "t.sst");
    it.SeekToFirst();
    EXPECT_FALSE(it.Valid());
    EXPECT_THAT(it.status(), StatusIs(absl::StatusCode::kDataLoss,
                                      HasSubstr("at offset 100")));
  }
  {
    // An internal key shorter than its 8-byte trailer.
    BlockBuilder short_keys(16);
    short_keys.Add("abc", "v");
    auto block = MakeBlock(short_keys.Finish());
    BlockIterator it(block.get(), KeyOrder::kInternal, "t.sst");
    it.Seek(IKey("a", 1));
    EXPECT_FALSE(it.Valid());
    EXPECT_THAT(it.status(), StatusIs(absl::StatusCode::kDataLoss));
  }
}

// A block whose restart entry is damaged fails its own seek in SeekAll,
// with the status a Seek gives, and the other seeks of the batch still land.
TEST(BlockCorruptionTest, SeekAllIsolatesACorruptBlock) {
  BlockBuilder b(1);  // every entry a restart
  for (int i = 0; i < 8; ++i) b.Add(IKey("k" + std::to_string(i), 1), "v");
  const std::string good(b.Finish());
  std::string bad = good;
  bad[0] = 5;  // the first restart entry claims a shared prefix
  auto good_block = MakeBlock(good);
  auto bad_block = MakeBlock(bad);
  BlockIterator a(good_block.get(), KeyOrder::kInternal, "a.sst");
  BlockIterator c(bad_block.get(), KeyOrder::kInternal, "c.sst");
  BlockIterator d(good_block.get(), KeyOrder::kInternal, "d.sst");
  BlockIterator* its[] = {&a, &c, &d};
  const std::string ta = IKey("k2", 1), tc = IKey("k0", 1), td = IKey("k7", 1);
  const std::string_view targets[] = {ta, tc, td};
  BlockIterator::SeekAll(its, targets);
  ASSERT_TRUE(a.Valid());
  EXPECT_EQ(a.key(), ta);
  EXPECT_FALSE(c.Valid());
  EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("c.sst")));
  ASSERT_TRUE(d.Valid());
  EXPECT_EQ(d.key(), td);
}

TEST(SeparatorTest, ShortensUserKeyAndKeepsOrder) {
  const std::string a = IKey("abcdefg", 5);
  const std::string b = IKey("abzzz", 9);
  const std::string sep = ShortestSeparator(a, b);
  EXPECT_EQ(ExtractUserKey(sep), "abd");
  EXPECT_EQ(ExtractSequence(sep), kMaxSequenceNumber);
  EXPECT_LE(CompareInternalKeys(a, sep), 0);
  EXPECT_LT(CompareInternalKeys(sep, b), 0);
}

TEST(SeparatorTest, KeepsLastKeyWhenNothingShorterFits) {
  // Same user key: only the last key itself separates.
  EXPECT_EQ(ShortestSeparator(IKey("k", 9), IKey("k", 3)), IKey("k", 9));
  // Prefix.
  EXPECT_EQ(ShortestSeparator(IKey("ab", 1), IKey("abc", 1)), IKey("ab", 1));
  // Adjacent bytes.
  EXPECT_EQ(ShortestSeparator(IKey("abc", 1), IKey("abd", 1)), IKey("abc", 1));
  // 0xff cannot be bumped.
  EXPECT_EQ(ShortestSeparator(IKey("a\xff", 1), IKey("b", 1)),
            IKey("a\xff", 1));
}

TEST(SeparatorTest, RandomPairsStayBetween) {
  Random rnd(synapsed::storage::testing::TestSeed());
  for (int i = 0; i < 2000; ++i) {
    std::string a = IKey(rnd.Bytes(rnd.Uniform(6)), rnd.Uniform(100));
    std::string b = IKey(rnd.Bytes(rnd.Uniform(6)), rnd.Uniform(100));
    if (CompareInternalKeys(a, b) == 0) continue;
    if (CompareInternalKeys(a, b) > 0) std::swap(a, b);
    const std::string s = ShortestSeparator(a, b);
    ASSERT_LE(CompareInternalKeys(a, s), 0);
    ASSERT_LT(CompareInternalKeys(s, b), 0);
    ASSERT_LE(s.size(), a.size());
    const std::string succ = ShortSuccessor(a);
    ASSERT_LE(CompareInternalKeys(a, succ), 0);
    ASSERT_LE(succ.size(), a.size());
  }
}

}  // namespace
}  // namespace synapsed::storage::sstable
