// DBImpl::BatchGet against one Get per key, over a store whose keys live in
// a memtable, two overlapping L0 tables and the last level, with deletions,
// duplicates, absent keys and a snapshot; and a damaged table is DataLoss.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;

std::string Key(uint64_t i) { return fmt::format("key{:06}", i); }

class BatchGetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = env::NewMemFileSystem();
    options_.fs = fs_.get();
    options_.use_io_uring = false;
    // L0 is compacted only by hand, so the shape below stays as built.
    options_.l0_compaction_trigger = 100;
    options_.l0_slowdown_trigger = 200;
    options_.l0_stop_trigger = 300;
    options_.table.block_size = 512;
    ASSERT_OK_AND_ASSIGN(db_, OpenNativeStore(options_, "/db"));
  }

  // `n` random puts and deletes over kKeys keys.
  void WriteRound(Random* rnd, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string k = Key(rnd->Uniform(kKeys));
      if (rnd->OneIn(5)) {
        ASSERT_OK(db_->Delete(k));
      } else {
        ASSERT_OK(db_->Put(k, fmt::format("v{}-{}", i, rnd->Bytes(rnd->Uniform(40)))));
      }
    }
  }

  // BatchGet of random batches (some keys absent, some repeated) equals a
  // Get of each key, under `ro`.
  void CheckBatches(Random* rnd, const ReadOptions& ro) {
    for (int b = 0; b < 300; ++b) {
      std::vector<std::string> keys;
      const int n = 1 + static_cast<int>(rnd->Uniform(24));
      for (int i = 0; i < n; ++i) {
        if (!keys.empty() && rnd->OneIn(8)) {
          keys.push_back(keys[rnd->Uniform(keys.size())]);
        } else {
          keys.push_back(Key(rnd->Uniform(kKeys + kKeys / 10)));
        }
      }
      std::vector<std::string_view> views(keys.begin(), keys.end());
      ASSERT_OK_AND_ASSIGN(auto got, db_->BatchGet(ro, views));
      ASSERT_EQ(got.size(), keys.size());
      for (size_t i = 0; i < keys.size(); ++i) {
        PinnableValue v;
        absl::Status s = db_->Get(ro, keys[i], &v);
        ASSERT_TRUE(s.ok() || absl::IsNotFound(s)) << s;
        const std::optional<std::string> want =
            s.ok() ? std::optional<std::string>(v.ToString()) : std::nullopt;
        ASSERT_EQ(got[i], want) << "batch " << b << " key " << keys[i];
      }
    }
  }

  static constexpr uint64_t kKeys = 3000;
  std::unique_ptr<env::FileSystem> fs_;
  EngineOptions options_;
  std::unique_ptr<Store> db_;
};

TEST_F(BatchGetTest, MatchesOneGetPerKeyAcrossEveryPlaceAKeyLives) {
  Random rnd(synapsed::storage::testing::TestSeed());
  for (uint64_t i = 0; i < kKeys; ++i) ASSERT_OK(db_->Put(Key(i), "base" + std::to_string(i)));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  WriteRound(&rnd, 1500);
  ASSERT_OK(db_->Flush());
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, db_->GetSnapshot());
  WriteRound(&rnd, 1500);
  ASSERT_OK(db_->Flush());
  WriteRound(&rnd, 500);  // stays in the memtable

  DBImpl* impl = AsNativeEngine(db_.get());
  ASSERT_NE(impl, nullptr);
  const auto& shape = impl->current_version()->shape();
  ASSERT_EQ(shape.levels[0].size(), 2u);
  ASSERT_FALSE(shape.levels[compaction::kNumLevels - 1].empty());

  CheckBatches(&rnd, ReadOptions());
  ReadOptions at_snap;
  at_snap.snapshot = snap.get();
  CheckBatches(&rnd, at_snap);
}

// Keys spread over several sorted levels (the staged lookup of
// Version::MultiGet runs per level), with deletes above older values, and
// more tables than max_open_files, so that some readers are held rather
// than pinned.
TEST_F(BatchGetTest, MatchesOneGetPerKeyOverSeveralLevels) {
  db_.reset();
  options_.write_buffer_size = 8 << 10;
  options_.target_file_size = 4 << 10;
  options_.base_level_bytes = 16 << 10;
  options_.level_multiplier = 4;
  options_.l0_compaction_trigger = 2;
  options_.l0_slowdown_trigger = 8;
  options_.l0_stop_trigger = 12;
  options_.max_open_files = 3;
  ASSERT_OK_AND_ASSIGN(db_, OpenNativeStore(options_, "/db"));
  Random rnd(synapsed::storage::testing::TestSeed() ^ 0x1e7);
  for (uint64_t i = 0; i < kKeys; ++i) ASSERT_OK(db_->Put(Key(i), "base" + std::to_string(i)));
  WriteRound(&rnd, 3000);
  ASSERT_OK(db_->Flush());
  DBImpl* impl = AsNativeEngine(db_.get());
  ASSERT_NE(impl, nullptr);
  auto sorted_levels = [&] {
    int n = 0;
    for (int l = 1; l < compaction::kNumLevels; ++l) {
      n += impl->current_version()->shape().levels[l].empty() ? 0 : 1;
    }
    return n;
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (sorted_levels() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_GE(sorted_levels(), 2) << "compactions never filled two sorted levels";
  CheckBatches(&rnd, ReadOptions());
}

TEST_F(BatchGetTest, EmptyBatchAndInvalidKeys) {
  ASSERT_OK_AND_ASSIGN(auto none, db_->BatchGet(ReadOptions(), {}));
  EXPECT_TRUE(none.empty());
  ASSERT_OK(db_->Put("a", "1"));
  // An empty key is a key; an oversized one fails the whole batch.
  std::vector<std::string_view> ok = {"a", ""};
  ASSERT_OK_AND_ASSIGN(auto got, db_->BatchGet(ReadOptions(), ok));
  EXPECT_EQ(got, (std::vector<std::optional<std::string>>{"1", std::nullopt}));
  const std::string huge(kMaxKeySize + 1, 'k');
  std::vector<std::string_view> bad = {"a", huge};
  EXPECT_THAT(db_->BatchGet(ReadOptions(), bad),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BatchGetTest, DamagedTableIsDataLossNeverData) {
  for (uint64_t i = 0; i < kKeys; ++i) ASSERT_OK(db_->Put(Key(i), std::string(50, 'x')));
  ASSERT_OK(db_->Flush());
  DBImpl* impl = AsNativeEngine(db_.get());
  ASSERT_NE(impl, nullptr);
  const auto& l0 = impl->current_version()->shape().levels[0];
  ASSERT_EQ(l0.size(), 1u);
  const uint64_t number = l0[0]->number;
  db_.reset();
  // Every data block of the table is damaged.
  const std::string path = TableFileName("/db", number);
  ASSERT_OK_AND_ASSIGN(std::string bytes, env::ReadFileToString(fs_.get(), path));
  for (size_t at = 100; at < bytes.size() / 2; at += 256) bytes[at] ^= 0x20;
  ASSERT_OK(env::WriteStringToFile(fs_.get(), bytes, path, true));
  ASSERT_OK_AND_ASSIGN(db_, OpenNativeStore(options_, "/db"));
  std::vector<std::string> keys = {Key(5), Key(700), Key(1400), Key(2100)};
  std::vector<std::string_view> views(keys.begin(), keys.end());
  EXPECT_THAT(db_->BatchGet(ReadOptions(), views),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace synapsed::storage::engine
