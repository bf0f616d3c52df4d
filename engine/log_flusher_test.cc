// The log flusher (EngineOptions::wal_flush_interval_ms): buffered unsynced
// writes reach the OS within the interval, so a process crash after it keeps
// them; without the flusher the same crash loses them. And an encrypted
// database buffers its log unless told otherwise.
//
// A process crash, in process: the fault-injecting file system freezes (the
// closing database writes nothing more), then thaws with what the OS had —
// unsynced bytes included, as after kill -9 — and the database reopens.
#include <memory>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/db.h"
#include "engine/encryption_test_util.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

class LogFlusherTest : public ::testing::Test {
 protected:
  EngineOptions Options() {
    EngineOptions o;
    o.fs = &fs_;
    o.use_io_uring = false;
    o.wal_buffer_bytes = 1 << 20;  // never full here
    o.wal_flush_interval_ms = 5;
    return o;
  }
  // Polls (up to 10 s) until some written byte is in the OS unsynced.
  bool WaitForUnsyncedBytes() {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (fs_.UnsyncedBytes() == 0) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }
  // kill -9: what the process held is gone, what the OS held stays.
  void Crash(std::unique_ptr<Store>* db) {
    fs_.Freeze();
    db->reset();
    fs_.Unfreeze();
  }
  std::optional<std::string> Read(const EngineOptions& o, const std::string& key) {
    auto db = OpenNativeStore(o, "/db");
    EXPECT_OK(db.status());
    if (!db.ok()) return std::nullopt;
    auto v = (*db)->Get(key);
    if (absl::IsNotFound(v.status())) return std::nullopt;
    EXPECT_OK(v.status());
    return v.ok() ? std::optional<std::string>(*v) : std::nullopt;
  }

  std::unique_ptr<env::FileSystem> mem_ = env::NewMemFileSystem();
  env::FaultInjectionFileSystem fs_{mem_.get()};
};

TEST_F(LogFlusherTest, BufferedWritesReachTheOsWithinTheInterval) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(Options(), "/db"));
  ASSERT_EQ(fs_.UnsyncedBytes(), 0u) << "the open left unsynced bytes";
  ASSERT_OK(db->Put("k", "v"));
  ASSERT_TRUE(WaitForUnsyncedBytes()) << "the buffered write never reached the file";
  Crash(&db);
  EXPECT_EQ(Read(Options(), "k"), "v");
}

TEST_F(LogFlusherTest, WithoutTheFlusherACrashLosesTheBuffer) {
  EngineOptions o = Options();
  o.wal_flush_interval_ms = 0;
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(o, "/db"));
  ASSERT_OK(db->Put("k", "v"));
  absl::SleepFor(absl::Milliseconds(50));  // ten intervals of the test above
  EXPECT_EQ(fs_.UnsyncedBytes(), 0u);
  Crash(&db);
  EXPECT_EQ(Read(o, "k"), std::nullopt);
}

TEST_F(LogFlusherTest, AFailedFlushStopsTheFlusherAndTheDatabaseReportsIt) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(Options(), "/db"));
  fs_.FailNth(env::OpKind::kAppend, 1);
  ASSERT_OK(db->Put("k", "v"));  // buffered: the append comes later
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::Status s;
  while ((s = db->Put("k2", "v2")).ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_THAT(s, synapsed::storage::testing::StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(LogFlusherTest, AnEncryptedDatabaseBuffersItsLogByDefault) {
  EngineOptions o = Options();
  o.wal_buffer_bytes.reset();
  o.keyring = encryption_testing::Ring({{"k1", 'a'}});
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(o, "/db"));
  ASSERT_OK_AND_ASSIGN(std::string json, db->GetProperty("options.json"));
  EXPECT_EQ(nlohmann::json::parse(json)["wal_buffer_bytes"], kEncryptedWalBufferBytes);
  ASSERT_OK(db->Put("k", "v"));
  ASSERT_TRUE(WaitForUnsyncedBytes());
  Crash(&db);
  EXPECT_EQ(Read(o, "k"), "v");
}

TEST_F(LogFlusherTest, APlainDatabaseWritesEachRecordByDefault) {
  EngineOptions o = Options();
  o.wal_buffer_bytes.reset();
  o.wal_flush_interval_ms = 0;
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(o, "/db"));
  ASSERT_OK_AND_ASSIGN(std::string json, db->GetProperty("options.json"));
  EXPECT_EQ(nlohmann::json::parse(json)["wal_buffer_bytes"], 0);
  ASSERT_OK(db->Put("k", "v"));
  EXPECT_GT(fs_.UnsyncedBytes(), 0u);  // at once, no flusher
  Crash(&db);
  EXPECT_EQ(Read(o, "k"), "v");
}

}  // namespace
}  // namespace synapsed::storage::engine
