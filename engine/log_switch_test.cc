// The logs' life across memtable switches (engine/db_logs.cc): a switch
// does not sync the old log, the next sync syncs it first and leaves a sync
// mark, and recovery tells an older log that lost its end before any sync
// (the later logs' records are dropped: a prefix) from one that had been
// synced (DataLoss, nothing changed).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "api/write_batch_internal.h"
#include "engine/db.h"
#include "engine/filenames.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

class LogSwitchTest : public ::testing::Test {
 protected:
  LogSwitchTest() : mem_fs_(env::NewMemFileSystem()), fs_(mem_fs_.get()) {
    options_.fs = &fs_;
    options_.use_io_uring = false;
    options_.write_buffer_size = 4 << 10;
    options_.background_threads = false;  // no flush: every log stays
    options_.max_immutable_memtables = 1000;
  }
  absl::StatusOr<std::unique_ptr<Store>> Open() { return OpenNativeStore(options_, "/db"); }

  // Puts key0..key{n-1} (60-byte values) without sync: several logs.
  void Fill(Store* db, int n, int from = 0) {
    for (int i = from; i < from + n; ++i) {
      ASSERT_OK(db->Put(Key(i), std::string(60, 'v')));
    }
  }
  static std::string Key(int i) { return "key" + std::to_string(1000 + i); }

  std::vector<std::string> Logs() {
    std::vector<std::string> logs;
    auto names = fs_.ListDir("/db");
    EXPECT_OK(names.status());
    for (const auto& n : *names) {
      if (ParseLogFileName(n)) logs.push_back("/db/" + n);
    }
    std::sort(logs.begin(), logs.end());
    return logs;
  }
  // Every record of a log: (offset, payload).
  std::vector<std::pair<uint64_t, std::string>> Records(const std::string& path) {
    auto file = fs_.NewSequentialFile(path);
    EXPECT_OK(file.status());
    wal::LogReaderOptions ro;
    ro.last_log = true;
    wal::LogReader reader(std::move(*file), path, *ParseLogFileName(path.substr(4)), ro);
    std::vector<std::pair<uint64_t, std::string>> out;
    std::string record;
    uint64_t offset = 0;
    while (true) {
      auto more = reader.ReadRecord(&record, &offset);
      EXPECT_OK(more.status());
      if (!more.ok() || !*more) break;
      out.emplace_back(offset, record);
    }
    return out;
  }
  int Count(Store* db) {
    auto kvs = db->Scan(KeyRange::All());
    EXPECT_OK(kvs.status());
    return kvs.ok() ? static_cast<int>(kvs->size()) : -1;
  }
  std::map<std::string, uint64_t> Sizes() {
    std::map<std::string, uint64_t> out;
    auto names = fs_.ListDir("/db");
    EXPECT_OK(names.status());
    for (const auto& n : *names) out[n] = *fs_.GetFileSize("/db/" + n);
    return out;
  }

  std::unique_ptr<env::FileSystem> mem_fs_;
  env::FaultInjectionFileSystem fs_;
  EngineOptions options_;
};

TEST_F(LogSwitchTest, ASwitchDoesNotSyncTheOldLog) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  const int syncs = fs_.OpCount(env::OpKind::kSync);
  Fill(db.get(), 300);
  EXPECT_GE(Logs().size(), 4u);
  EXPECT_EQ(fs_.OpCount(env::OpKind::kSync), syncs);
  db.reset();
  // Nothing was synced: a power cut keeps none of it, and the recovered
  // state is the empty prefix.
  ASSERT_OK(fs_.SimulatePowerLoss());
  ASSERT_OK_AND_ASSIGN(db, Open());
  EXPECT_EQ(Count(db.get()), 0);
}

TEST_F(LogSwitchTest, ASyncedWriteSyncsTheRetiredLogsFirst) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  Fill(db.get(), 300);
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(db->Put(sync, "synced", "1"));
  Fill(db.get(), 5, 300);  // after the sync: may be lost
  db.reset();
  ASSERT_OK(fs_.SimulatePowerLoss());
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_OK_AND_ASSIGN(std::string v, db->Get("synced"));
  EXPECT_EQ(v, "1");
  EXPECT_GE(Count(db.get()), 301);
}

// A log that lost its last record before any sync (its file cut cleanly at
// a record boundary, or torn inside one): the later logs' records go, the
// state is the prefix, and a second open finds the same.
TEST_F(LogSwitchTest, AnOlderLogThatLostItsEndDropsTheLaterLogs) {
  for (bool cut_inside : {false, true}) {
    SCOPED_TRACE(cut_inside ? "torn inside a record" : "cut at a record boundary");
    {
      ASSERT_OK_AND_ASSIGN(auto db, Open());
      Fill(db.get(), 300);
    }
    const std::vector<std::string> logs = Logs();
    ASSERT_GE(logs.size(), 3u);
    const auto records = Records(logs[0]);
    ASSERT_GE(records.size(), 3u);  // the header and puts
    const uint64_t last_record = records.back().first;
    ASSERT_OK(fs_.Truncate(logs[0], cut_inside ? last_record + 20 : last_record));
    const int kept = static_cast<int>(records.size()) - 2;  // without header, last put
    {
      ASSERT_OK_AND_ASSIGN(auto db, Open());
      EXPECT_EQ(Count(db.get()), kept);
      ASSERT_OK_AND_ASSIGN(std::string stats, db->GetProperty("stats"));
      EXPECT_THAT(stats, HasSubstr("never synced"));
      // New writes after the recovery, synced, survive a power cut.
      WriteOptions sync;
      sync.sync = true;
      ASSERT_OK(db->Put(sync, "after", "1"));
    }
    ASSERT_OK(fs_.SimulatePowerLoss());
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    EXPECT_EQ(Count(db.get()), kept + 1);
    EXPECT_OK(db->Get("after").status());
    db.reset();
    auto names = fs_.ListDir("/db");  // the next case starts from nothing
    ASSERT_OK(names.status());
    for (const auto& n : *names) ASSERT_OK(fs_.DeleteFile("/db/" + n));
  }
}

TEST_F(LogSwitchTest, DamageInALogASyncMarkCoversIsDataLossAndChangesNothing) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    Fill(db.get(), 300);
    WriteOptions sync;
    sync.sync = true;
    ASSERT_OK(db->Put(sync, "synced", "1"));
  }
  const std::vector<std::string> logs = Logs();
  ASSERT_GE(logs.size(), 3u);
  const auto records = Records(logs[0]);
  ASSERT_OK(fs_.Truncate(logs[0], records.back().first));
  const auto before = Sizes();
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kDataLoss,
                               ::testing::AllOf(HasSubstr(logs[0]), HasSubstr("sync mark"),
                                                HasSubstr(logs.back()))));
  EXPECT_EQ(Sizes(), before);
}

// The header and the sync mark are the bytes docs/format/wal.md shows
// ("Headers and sync marks"): after 42 puts (sequences 1..42) the new log's
// header names sequence 0x2a, and a synced write's mark in a later log names
// the sequence before it.
TEST_F(LogSwitchTest, HeaderAndSyncMarkAreAsDocumented) {
  options_.write_buffer_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  for (int i = 0; i < 42; ++i) ASSERT_OK(db->Put(Key(i), "v"));
  ASSERT_OK(db->CompactRange(std::string("zzz"), std::string("zzz")));  // switches the log
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(db->Put(sync, "k", "v"));
  db.reset();
  const std::vector<std::string> logs = Logs();
  ASSERT_FALSE(logs.empty());
  const auto records = Records(logs.back());
  ASSERT_GE(records.size(), 3u);
  const std::string expected("\x2a\0\0\0\0\0\0\0\0\0\0\0", 12);
  EXPECT_EQ(records[0].first, 0u);
  EXPECT_EQ(records[0].second, expected);  // the header
  EXPECT_EQ(records[1].second, expected);  // the sync mark, before the synced put
  EXPECT_EQ(WriteBatchInternal::kHeaderSize, 12u);
}

}  // namespace
}  // namespace synapsed::storage::engine
