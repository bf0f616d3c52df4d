// Engine tests: open/lock/refusal rules, memtable switches, iteration across
// memtables, snapshots, group commit under concurrency, the sticky error.
#include <atomic>
#include <map>
#include <thread>

#include "engine/db.h"
#include "engine/filenames.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

class DBTest : public ::testing::Test {
 protected:
  DBTest() : mem_fs_(env::NewMemFileSystem()), fs_(mem_fs_.get()) {
    options_.fs = &fs_;
    options_.use_io_uring = false;
  }
  absl::StatusOr<std::unique_ptr<Store>> Open() {
    return OpenNativeStore(options_, "/db");
  }
  std::string Dump(Store* db, bool reverse = false, const ReadOptions& ro = {}) {
    auto kvs = db->Scan(KeyRange::All(), 0,
                        reverse ? Direction::kReverse : Direction::kForward, ro);
    if (!kvs.ok()) return kvs.status().ToString();
    std::string out;
    for (const auto& kv : *kvs) out += kv.key + "=" + kv.value + ",";
    return out;
  }

  std::unique_ptr<env::FileSystem> mem_fs_;
  env::FaultInjectionFileSystem fs_;
  EngineOptions options_;
};

TEST_F(DBTest, RefusesADirectoryThatIsNotADatabase) {
  ASSERT_OK(fs_.CreateDirIfMissing("/db"));
  ASSERT_OK(env::WriteStringToFile(&fs_, "hello", "/db/notes.txt", true));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("not a synapsed database")));
  ASSERT_OK_AND_ASSIGN(auto names, fs_.ListDir("/db"));
  EXPECT_EQ(names, std::vector<std::string>{"notes.txt"});  // nothing written
}

TEST_F(DBTest, SecondOpenIsRefusedWhileLocked) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use")));
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());
}

TEST_F(DBTest, CreateIfMissingAndErrorIfExists) {
  options_.create_if_missing = false;
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kNotFound));
  options_.create_if_missing = true;
  { ASSERT_OK_AND_ASSIGN(auto db, Open()); }
  options_.error_if_exists = true;
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(DBTest, MissingOrCorruptManifestIsDataLossNeverAnEmptyDatabase) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK(db->Put("k", "v"));
  }
  ASSERT_OK_AND_ASSIGN(std::string current, env::ReadFileToString(&fs_, "/db/CURRENT"));
  const std::string manifest = "/db/" + current.substr(0, current.size() - 1);
  ASSERT_OK_AND_ASSIGN(std::string good, env::ReadFileToString(&fs_, manifest));
  // A bit flip inside the snapshot record.
  ASSERT_OK(fs_.FlipBit(manifest, 20, 1));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("MANIFEST")));
  // Missing manifest.
  ASSERT_OK(fs_.DeleteFile(manifest));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("MANIFEST")));
  // CURRENT naming nothing sensible.
  ASSERT_OK(env::WriteStringToFile(&fs_, good, manifest, true));
  ASSERT_OK(env::WriteStringToFile(&fs_, "garbage", "/db/CURRENT", true));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("CURRENT")));
  ASSERT_OK(env::WriteStringToFile(&fs_, current, "/db/CURRENT", true));
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK_AND_ASSIGN(std::string v, db->Get("k"));
  EXPECT_EQ(v, "v");
}

TEST_F(DBTest, ManyMemtablesReadAndIterateLikeAMap) {
  options_.write_buffer_size = 8 << 10;  // a switch every few dozen writes
  const uint64_t seed = testing::TestSeed();
  Random rnd(seed);
  std::map<std::string, std::string> model;
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  for (int i = 0; i < 3000; ++i) {
    std::string k = "k" + std::to_string(rnd.Uniform(500));
    if (rnd.OneIn(5)) {
      ASSERT_OK(db->Delete(k));
      model.erase(k);
    } else {
      std::string v = rnd.Bytes(rnd.Uniform(100), true);
      ASSERT_OK(db->Put(k, v));
      model[k] = v;
    }
  }
  auto check = [&](Store* s) {
    std::string expect, expect_rev;
    for (const auto& [k, v] : model) expect += k + "=" + v + ",";
    for (auto it = model.rbegin(); it != model.rend(); ++it) {
      expect_rev += it->first + "=" + it->second + ",";
    }
    EXPECT_EQ(Dump(s), expect) << "seed " << seed;
    EXPECT_EQ(Dump(s, true), expect_rev) << "seed " << seed;
    for (int i = 0; i < 500; ++i) {
      std::string k = "k" + std::to_string(i);
      auto v = s->Get(k);
      auto it = model.find(k);
      if (it == model.end()) {
        EXPECT_THAT(v, StatusIs(absl::StatusCode::kNotFound)) << k;
      } else {
        ASSERT_OK(v.status());
        EXPECT_EQ(*v, it->second);
      }
    }
    // Zig-zag: Next and Prev interleaved agree with the map.
    auto it = s->NewIterator(ReadOptions(), KeyRange::All());
    auto mit = model.begin();
    it->SeekToFirst();
    for (int step = 0; step < 200 && it->Valid(); ++step) {
      ASSERT_EQ(it->key(), mit->first);
      if (rnd.OneIn(3) && mit != model.begin()) {
        it->Prev();
        --mit;
      } else {
        it->Next();
        ++mit;
        if (mit == model.end()) break;
      }
    }
  };
  check(db.get());
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());  // replays every log
  check(db.get());
}

TEST_F(DBTest, SnapshotSurvivesMemtableSwitches) {
  options_.write_buffer_size = 4 << 10;
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK(db->Put("a", "old"));
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, db->GetSnapshot());
  for (int i = 0; i < 500; ++i) ASSERT_OK(db->Put("a", "new" + std::to_string(i)));
  ReadOptions ro;
  ro.snapshot = snap.get();
  ASSERT_OK_AND_ASSIGN(std::string v, db->Get("a", ro));
  EXPECT_EQ(v, "old");
  EXPECT_EQ(Dump(db.get(), false, ro), "a=old,");
  ASSERT_OK_AND_ASSIGN(v, db->Get("a"));
  EXPECT_EQ(v, "new499");
}

TEST_F(DBTest, ConcurrentWritersAreGroupedAndAllLand) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteOptions wo;
        wo.sync = (i % 50 == 0);
        WriteBatch b;
        EXPECT_OK(b.Put("t" + std::to_string(t) + "/" + std::to_string(i), "v"));
        EXPECT_OK(b.Put("last/" + std::to_string(t), std::to_string(i)));
        EXPECT_OK(db->Write(wo, b));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_OK_AND_ASSIGN(auto all, db->Scan(KeyRange::All()));
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread + kThreads));
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_OK_AND_ASSIGN(all, db->Scan(KeyRange::All()));
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread + kThreads));
  ASSERT_OK_AND_ASSIGN(std::string last, db->Get("last/2"));
  EXPECT_EQ(last, std::to_string(kPerThread - 1));
}

// WriteOptions::sequence: each writer of a group learns its own batch's
// first sequence; together they tile the sequence space with no overlap.
TEST_F(DBTest, EachGroupedWriterLearnsItsOwnSequence) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t seq = 0;
        WriteOptions wo;
        wo.sequence = &seq;
        WriteBatch b;
        for (int k = 0; k <= (i + t) % 3; ++k) {
          EXPECT_OK(b.Put(fmt::format("t{}/{}/{}", t, i, k), "v"));
        }
        EXPECT_OK(db->Write(wo, b));
        seen[t].emplace_back(seq, b.Count());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<uint64_t, uint32_t> all;  // first sequence -> operations
  for (const auto& s : seen) {
    for (const auto& [seq, count] : s) {
      EXPECT_GT(seq, 0u);
      EXPECT_TRUE(all.emplace(seq, count).second) << "sequence " << seq << " given twice";
    }
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  uint64_t next = all.begin()->first;
  for (const auto& [seq, count] : all) {
    EXPECT_EQ(seq, next) << "a gap or an overlap before " << seq;
    next = seq + count;
  }
  // Empty batches apply nothing and get no sequence.
  uint64_t seq = 7;
  WriteOptions wo;
  wo.sequence = &seq;
  ASSERT_OK(db->Write(wo, WriteBatch()));
  EXPECT_EQ(seq, 0u);
}

TEST_F(DBTest, FailedLogSyncIsStickyAndLosesNothingAcknowledged) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(db->Put(sync, "a", "1"));
  fs_.FailNth(env::OpKind::kSync, 1);
  EXPECT_THAT(db->Put(sync, "b", "2"), StatusIs(absl::StatusCode::kUnavailable));
  // Every later write gets the error back instead of pretending to succeed.
  EXPECT_THAT(db->Put("c", "3"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(db->Flush(), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(std::string stats, db->GetProperty("stats"));
  EXPECT_THAT(stats, HasSubstr("injected I/O error"));
  db.reset();
  ASSERT_OK(fs_.SimulatePowerLoss());
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_OK_AND_ASSIGN(std::string a, db->Get("a"));
  EXPECT_EQ(a, "1");
  EXPECT_THAT(db->Get("c"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(DBTest, CorruptionInAnOlderLogIsDataLossNamingFileAndOffset) {
  options_.write_buffer_size = 4 << 10;
  options_.background_threads = false;  // keep the logs: no flush
  options_.max_immutable_memtables = 1000;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    for (int i = 0; i < 300; ++i) {
      ASSERT_OK(db->Put("key" + std::to_string(i), std::string(50, 'v')));
    }
  }
  // The oldest log (there are several: nothing was flushed).
  std::string oldest;
  ASSERT_OK_AND_ASSIGN(auto names, fs_.ListDir("/db"));
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (ParseLogFileName(n)) {
      oldest = n;
      break;
    }
  }
  ASSERT_FALSE(oldest.empty());
  ASSERT_OK(fs_.FlipBit("/db/" + oldest, 100, 3));
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kDataLoss,
                               ::testing::AllOf(HasSubstr(oldest), HasSubstr("offset"))));
}

TEST_F(DBTest, FileNames) {
  EXPECT_EQ(LogFileName("/d", 7), "/d/000007.log");
  EXPECT_EQ(TableFileName("/d", 7), "/d/000007.sst");
  EXPECT_EQ(ManifestFileName("/d", 12), "/d/MANIFEST-000012");
  EXPECT_EQ(ParseFileName("MANIFEST-000012")->number, 12u);
  EXPECT_EQ(ParseFileName("000012.sst")->kind, FileKind::kTable);
  EXPECT_EQ(ParseFileName("CURRENT")->kind, FileKind::kCurrent);
  EXPECT_FALSE(ParseFileName("MANIFEST-x").has_value());
  EXPECT_FALSE(ParseFileName("notes.txt").has_value());
  EXPECT_EQ(ParseLogFileName("000007.log"), 7u);
  EXPECT_EQ(ParseLogFileName("1234567.log"), 1234567u);
  EXPECT_FALSE(ParseLogFileName("x.log").has_value());
  EXPECT_FALSE(ParseLogFileName(".log").has_value());
  EXPECT_FALSE(ParseLogFileName("000007.sst").has_value());
}

}  // namespace
}  // namespace synapsed::storage::engine
