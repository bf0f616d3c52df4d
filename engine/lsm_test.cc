// The LSM tree at work: flushes to L0, compactions down the levels, manual
// CompactRange, obsolete-file deletion, iterators and snapshots held across
// compactions, checked against a model after every phase and across reopen.
#include <map>
#include <set>
#include <thread>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sstable/table_reader.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using Model = std::map<std::string, std::string>;

class LsmTest : public ::testing::Test {
 protected:
  LsmTest() : base_(env::NewMemFileSystem()), fs_(base_.get()) {
    options_.fs = &fs_;
    options_.use_io_uring = false;
    options_.write_buffer_size = 16 << 10;
    options_.table.block_size = 1024;
    options_.target_file_size = 32 << 10;
    options_.base_level_bytes = 64 << 10;
    options_.l0_compaction_trigger = 2;
    options_.l0_slowdown_trigger = 8;
    options_.l0_stop_trigger = 12;
  }
  void Open() {
    db_.reset();
    auto db = OpenNativeStore(options_, "/db");
    ASSERT_OK(db.status());
    db_.reset(static_cast<DBImpl*>(db->release()));
  }
  Store* db() { return db_.get(); }
  nlohmann::json Stats() {
    auto s = db()->GetProperty("stats.json");
    EXPECT_OK(s.status());
    return nlohmann::json::parse(*s);
  }
  void Check(const Model& model, const ReadOptions& ro = {}) {
    auto all = db()->Scan(KeyRange::All(), 0, Direction::kForward, ro);
    ASSERT_OK(all.status());
    ASSERT_EQ(all->size(), model.size());
    auto it = model.begin();
    for (const auto& kv : *all) {
      ASSERT_EQ(kv.key, it->first);
      ASSERT_EQ(kv.value, it->second) << kv.key;
      ++it;
    }
    auto rev = db()->Scan(KeyRange::All(), 0, Direction::kReverse, ro);
    ASSERT_OK(rev.status());
    ASSERT_EQ(rev->size(), model.size());
    for (const auto& [k, v] : model) {
      auto got = db()->Get(k, ro);
      ASSERT_OK(got.status()) << k;
      ASSERT_EQ(*got, v);
    }
  }
  void Load(Random* rnd, Model* model, int n, int key_space) {
    for (int i = 0; i < n; ++i) {
      std::string k = fmt::format("key{:06}", rnd->Uniform(key_space));
      if (rnd->OneIn(6)) {
        ASSERT_OK(db()->Delete(k));
        model->erase(k);
      } else {
        std::string v = rnd->Bytes(20 + rnd->Uniform(80), true);
        ASSERT_OK(db()->Put(k, v));
        (*model)[k] = v;
      }
    }
  }
  std::vector<std::string> Files(FileKind kind) {
    std::vector<std::string> out;
    auto names = fs_.ListDir("/db");
    for (const auto& n : *names) {
      auto p = ParseFileName(n);
      if (p && p->kind == kind) out.push_back(n);
    }
    return out;
  }

  std::unique_ptr<env::FileSystem> base_;
  env::FaultInjectionFileSystem fs_;
  EngineOptions options_;
  std::unique_ptr<DBImpl> db_;
};

TEST_F(LsmTest, FlushWritesTablesAndRetiresLogs) {
  ASSERT_NO_FATAL_FAILURE(Open());
  Random rnd(testing::TestSeed());
  Model model;
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 2000, 400));
  ASSERT_OK(db_->FlushMemTables());
  EXPECT_GT(Stats()["flushes"].get<int>(), 0);
  EXPECT_FALSE(Files(FileKind::kTable).empty());
  EXPECT_EQ(Files(FileKind::kLog).size(), 1u);  // only the live log is left
  EXPECT_EQ(Files(FileKind::kManifest).size(), 1u);
  ASSERT_NO_FATAL_FAILURE(Check(model));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Check(model));
}

TEST_F(LsmTest, CompactionsKeepTheModelThroughReopens) {
  const uint64_t seed = testing::TestSeed();
  Random rnd(seed);
  Model model;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int phase = 0; phase < 6; ++phase) {
    ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 3000, 3000));
    ASSERT_NO_FATAL_FAILURE(Check(model)) << "seed " << seed << " phase " << phase;
    if (phase % 2 == 1) {
      ASSERT_NO_FATAL_FAILURE(Open());
    }
  }
  ASSERT_OK(db_->FlushMemTables());
  auto stats = Stats();
  int deepest = 0;
  for (const auto& lv : stats["levels"]) {
    if (lv["files"].get<int>() > 0) deepest = lv["level"].get<int>();
  }
  EXPECT_GT(deepest, 0) << stats.dump(2);  // compactions moved data down
  EXPECT_LE(stats["levels"][0]["files"].get<int>(), options_.l0_slowdown_trigger);
  ASSERT_NO_FATAL_FAILURE(Check(model));
}

TEST_F(LsmTest, CompactRangeLeavesOneSortedRunWithoutStaleVersions) {
  ASSERT_NO_FATAL_FAILURE(Open());
  Random rnd(testing::TestSeed());
  Model model;
  for (int round = 0; round < 4; ++round) {
    ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 2000, 500));  // heavy overwrite
  }
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  auto stats = Stats();
  int non_empty = 0;
  uint64_t entries = 0;
  for (const auto& lv : stats["levels"]) {
    if (lv["files"].get<int>() > 0) ++non_empty;
  }
  EXPECT_EQ(non_empty, 1) << stats.dump(2);
  EXPECT_EQ(stats["levels"][0]["files"].get<int>(), 0);
  auto v = db_->current_version();
  for (const auto& level : v->shape().levels) {
    for (const auto& f : level) {
      entries += f->num_entries;
      EXPECT_EQ(f->num_deletions, 0u);  // bottommost, no snapshot: all dropped
    }
  }
  EXPECT_EQ(entries, model.size());  // exactly one version per live key
  ASSERT_NO_FATAL_FAILURE(Check(model));
}

// Flush writes L0 with the first codec; compaction writes the bottom level
// with the last one. Checked in each table's own properties and blocks.
TEST_F(LsmTest, EachLevelIsWrittenWithItsCodec) {
  using sstable::CompressionType;
  options_.compression_per_level = {CompressionType::kLz4,
                                    CompressionType::kZstd};
  options_.l0_compaction_trigger = 100;  // keep the flushed tables in L0
  options_.l0_slowdown_trigger = 200;
  options_.l0_stop_trigger = 300;
  ASSERT_NO_FATAL_FAILURE(Open());
  Model model;
  auto load = [&](int first) {
    for (int i = first; i < first + 600; ++i) {
      // Compressible values, so that both codecs keep their output.
      std::string k = fmt::format("key{:06}", i);
      std::string v = fmt::format("value {} of a compressible kind, ", i);
      v += v + v;
      ASSERT_OK(db()->Put(k, v));
      model[k] = v;
    }
  };
  // Codec label and data blocks per codec of every table in `level`.
  auto tables_at = [&](int level, CompressionType want) {
    auto v = db_->current_version();
    int n = 0;
    for (const auto& f : v->shape().levels[level]) {
      const std::string path = TableFileName("/db", f->number);
      auto file = fs_.NewRandomAccessFile(path);
      ASSERT_OK(file.status());
      auto t = sstable::TableReader::Open({}, std::move(*file), f->file_size,
                                          f->number, path, nullptr);
      ASSERT_OK(t.status());
      const auto& p = (*t)->properties();
      EXPECT_EQ(p.compression, want == CompressionType::kZstd ? "zstd:3" : "lz4")
          << "L" << level << " " << path;
      EXPECT_EQ(p.blocks_by_codec[static_cast<int>(want)], p.num_data_blocks)
          << "L" << level << " " << path;
      ++n;
    }
    EXPECT_GT(n, 0) << "no table at L" << level;
  };
  ASSERT_NO_FATAL_FAILURE(load(0));
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  ASSERT_NO_FATAL_FAILURE(load(600));
  ASSERT_OK(db_->FlushMemTables());
  // CompactRange left one sorted run, at the base level or below.
  int bottom = 0;
  const auto& levels = db_->current_version()->shape().levels;
  for (int l = 1; l < static_cast<int>(levels.size()); ++l) {
    if (!levels[l].empty()) bottom = l;
  }
  ASSERT_GT(bottom, 0);
  ASSERT_NO_FATAL_FAILURE(tables_at(0, CompressionType::kLz4));
  ASSERT_NO_FATAL_FAILURE(tables_at(bottom, CompressionType::kZstd));
  ASSERT_NO_FATAL_FAILURE(Check(model));
}

TEST_F(LsmTest, SnapshotsAndIteratorsSurviveCompaction) {
  ASSERT_NO_FATAL_FAILURE(Open());
  Random rnd(testing::TestSeed());
  Model model;
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 1500, 300));
  const Model at_snapshot = model;
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, db()->GetSnapshot());
  auto it = db()->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  for (int round = 0; round < 3; ++round) {
    ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 1500, 300));
  }
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  ReadOptions ro;
  ro.snapshot = snap.get();
  ASSERT_NO_FATAL_FAILURE(Check(at_snapshot, ro));
  ASSERT_NO_FATAL_FAILURE(Check(model));
  // The iterator made before everything still walks the old state.
  Model seen;
  for (; it->Valid(); it->Next()) seen[std::string(it->key())] = std::string(it->value());
  ASSERT_OK(it->status());
  EXPECT_EQ(seen, at_snapshot);
  it.reset();
  // Releasing the snapshot lets a compaction reclaim the old versions.
  uint64_t before = 0, after = 0;
  for (const auto& level : db_->current_version()->shape().levels) {
    for (const auto& f : level) before += f->num_entries;
  }
  snap.reset();
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  for (const auto& level : db_->current_version()->shape().levels) {
    for (const auto& f : level) after += f->num_entries;
  }
  EXPECT_LT(after, before);
  EXPECT_EQ(after, model.size());
}

TEST_F(LsmTest, LargeValuesFromTablesArePinnedNotCopied) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string big(4000, 'b');
  ASSERT_OK(db()->Put("big", big));
  ASSERT_OK(db()->Put("small", "s"));
  ASSERT_OK(db_->FlushMemTables());
  PinnableValue v;
  ASSERT_OK(db()->Get(ReadOptions(), "big", &v));
  EXPECT_TRUE(v.IsPinned());
  EXPECT_EQ(v.view(), big);
  ASSERT_OK(db()->Get(ReadOptions(), "small", &v));
  EXPECT_FALSE(v.IsPinned());
  EXPECT_EQ(v.view(), "s");
  // The pin outlives a compaction that deletes the table it points into.
  ASSERT_OK(db()->Get(ReadOptions(), "big", &v));
  ASSERT_OK(db_->CompactRange(std::nullopt, std::nullopt));
  EXPECT_EQ(v.view(), big);
}

TEST_F(LsmTest, UnreferencedFilesAreRemovedOnOpen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db()->Put("a", "1"));
  db_.reset();
  ASSERT_OK(env::WriteStringToFile(&fs_, "junk", "/db/000999.sst", true));
  ASSERT_OK(env::WriteStringToFile(&fs_, "junk", "/db/MANIFEST-000001", true));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(bool junk, fs_.FileExists("/db/000999.sst"));
  EXPECT_FALSE(junk);
  EXPECT_EQ(Files(FileKind::kManifest).size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::string a, db()->Get("a"));
  EXPECT_EQ(a, "1");
}

TEST_F(LsmTest, FileNumbersAreNeverReused) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(db()->Put("k" + std::to_string(round), "v"));
    ASSERT_OK(db_->FlushMemTables());
    ASSERT_OK(db()->Put("x", "y"));  // lands in a log newer than the last edit
    ASSERT_NO_FATAL_FAILURE(Open());
  }
  std::set<uint64_t> numbers;
  auto names = fs_.ListDir("/db");
  for (const auto& n : *names) {
    auto p = ParseFileName(n);
    if (p && p->kind != FileKind::kCurrent && p->kind != FileKind::kLock) {
      EXPECT_TRUE(numbers.insert(p->number).second) << "number reused: " << n;
    }
  }
}

TEST_F(LsmTest, ReadOnlyOpenChangesNothing) {
  options_.background_threads = false;  // the writer's own work stays still
  options_.max_immutable_memtables = 100;
  ASSERT_NO_FATAL_FAILURE(Open());
  Random rnd(testing::TestSeed());
  Model model;
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 1500, 300));
  // The writer stays open (holding the lock); a reader opens beside it.
  auto snapshot_of_dir = [&] {
    std::map<std::string, uint64_t> files;
    auto names = fs_.ListDir("/db");
    for (const auto& n : *names) files[n] = *fs_.GetFileSize("/db/" + n);
    return files;
  };
  ASSERT_OK(db_->FlushMemTables());
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 200, 300));  // some only in the log
  const auto before = snapshot_of_dir();
  EngineOptions ro = options_;
  ro.read_only = true;
  ro.background_threads = true;  // ignored: a read-only open runs none
  ASSERT_OK_AND_ASSIGN(auto reader, OpenNativeStore(ro, "/db"));
  auto all = reader->Scan(KeyRange::All());
  ASSERT_OK(all.status());
  EXPECT_EQ(all->size(), model.size());
  EXPECT_THAT(reader->Put("x", "y"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(reader->Flush(), StatusIs(absl::StatusCode::kFailedPrecondition));
  reader.reset();
  EXPECT_EQ(snapshot_of_dir(), before);
  EXPECT_THAT(OpenNativeStore(ro, "/nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LsmTest, WritesSlowDownInsteadOfStoppingSuddenly) {
  options_.l0_compaction_trigger = 2;
  options_.l0_slowdown_trigger = 3;
  options_.l0_stop_trigger = 6;
  options_.write_buffer_size = 4 << 10;
  ASSERT_NO_FATAL_FAILURE(Open());
  Random rnd(testing::TestSeed());
  Model model;
  auto l0_files = [&] { return Stats()["levels"][0]["files"].get<int>(); };
  // With compactions held, one explicit flush per round piles tables up in
  // L0 until exactly the slowdown trigger (flushing by hand, not by memtable
  // size, so a flush thread that lags cannot overshoot to the stop trigger,
  // where a held compaction would stop the writer for good): from then on
  // every write must sleep once, and none may stop.
  db_->PauseCompactions();
  for (int round = 0; l0_files() < options_.l0_slowdown_trigger; ++round) {
    ASSERT_LT(round, options_.l0_slowdown_trigger) << "a flush made no L0 table";
    ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 10, 6000));
    ASSERT_OK(db_->FlushMemTables());
  }
  auto before = Stats()["stalls"];
  constexpr int kSlowWrites = 20;  // about half a memtable: no further flush
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, kSlowWrites, 6000));
  auto stalls = Stats()["stalls"];
  ASSERT_EQ(l0_files(), options_.l0_slowdown_trigger);
  EXPECT_GE(stalls["slowdowns"].get<int>() - before["slowdowns"].get<int>(), kSlowWrites)
      << stalls.dump();
  // Each slowdown is counted with the time it took (a sleep of at least 1 ms).
  EXPECT_GE(stalls["slowdown_micros"].get<int64_t>(),
            1000 * stalls["slowdowns"].get<int64_t>())
      << stalls.dump();
  EXPECT_EQ(stalls["stops"].get<int>(), 0) << stalls.dump();
  // Released, compaction catches up and the writes go on to the end.
  db_->ResumeCompactions();
  ASSERT_NO_FATAL_FAILURE(Load(&rnd, &model, 3000, 6000));
  ASSERT_NO_FATAL_FAILURE(Check(model));
}

// A crash at each file operation of a flush and a compaction: the database
// opens and holds exactly the acknowledged (synced) writes.
TEST_F(LsmTest, CrashAtEveryFileOperationOfFlushAndCompaction) {
  options_.background_threads = false;
  const env::OpKind kinds[] = {env::OpKind::kAppend, env::OpKind::kSync,
                               env::OpKind::kCreate, env::OpKind::kRename,
                               env::OpKind::kDelete, env::OpKind::kSyncDir};
  int crashes = 0;
  for (env::OpKind kind : kinds) {
    for (int nth = 1; nth <= 40; ++nth) {
      fs_.MarkAllDurable();
      ASSERT_NO_FATAL_FAILURE(Open());
      Model model;
      WriteOptions sync;
      sync.sync = true;
      for (int i = 0; i < 300; ++i) {
        std::string k = fmt::format("k{:04}", i % 120);
        std::string v = fmt::format("{}-{}-{}", static_cast<int>(kind), nth, i);
        ASSERT_OK(db()->Put(sync, k, v));
        model[k] = v;
      }
      fs_.FailNth(kind, nth);
      absl::Status s = db_->CompactRange(std::nullopt, std::nullopt);
      fs_.FailNth(kind, 0);
      if (!s.ok()) ++crashes;
      fs_.Freeze();
      db_.reset();
      ASSERT_OK(fs_.SimulatePowerLoss());
      ASSERT_NO_FATAL_FAILURE(Open()) << "kind " << static_cast<int>(kind) << " nth " << nth;
      ASSERT_NO_FATAL_FAILURE(Check(model)) << "kind " << static_cast<int>(kind) << " nth " << nth;
      db_.reset();
      auto names = fs_.ListDir("/db");
      ASSERT_OK(names.status());
      for (const auto& n : *names) ASSERT_OK(fs_.DeleteFile("/db/" + n));
    }
  }
  EXPECT_GT(crashes, 20);  // the injected failures really hit the work
}

}  // namespace
}  // namespace synapsed::storage::engine
