// Full disks and I/O errors (engine/background_retry.h): a failed flush or
// compaction is retried and writes resume by themselves once there is room;
// a failed log or manifest write stops writes until a reopen. Reads work
// throughout and nothing acknowledged is lost. On the fault-injecting file
// system (deterministic), and once on a real size-limited tmpfs.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "absl/time/clock.h"
#include "engine/db.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/random.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;
using Model = std::map<std::string, std::string>;

constexpr auto kUnavailable = absl::StatusCode::kUnavailable;

// Puts k<i> = <value of size bytes> from `first` on until one fails (its
// status) or `max` succeeded (OK); what succeeded goes into `model`.
absl::Status PutUntilRefused(Store* db, int first, int max, size_t size, Model* model,
                             Random* rnd) {
  for (int i = first; i < first + max; ++i) {
    std::string key = fmt::format("k{:07}", i);
    std::string value = rnd->Bytes(size);
    absl::Status s = db->Put(key, value);
    if (!s.ok()) return s;
    (*model)[key] = std::move(value);
  }
  return absl::OkStatus();
}

void ExpectHolds(Store* db, const Model& model) {
  for (const auto& [k, v] : model) {
    absl::StatusOr<std::string> got = db->Get(k);
    ASSERT_TRUE(got.ok()) << k << ": " << got.status();
    ASSERT_EQ(*got, v) << k;
  }
}

nlohmann::json Stats(Store* db) {
  absl::StatusOr<std::string> text = db->GetProperty("stats.json");
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
}

// Polls `done` every 50 ms for up to `seconds`.
bool WaitFor(const std::function<bool()>& done, int seconds) {
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

class FullDiskTest : public ::testing::Test {
 protected:
  FullDiskTest() : mem_fs_(env::NewMemFileSystem()), fs_(mem_fs_.get()) {
    options_.fs = &fs_;
    options_.use_io_uring = false;
    options_.write_buffer_size = 16 << 10;
    options_.max_immutable_memtables = 2;
  }
  absl::StatusOr<std::unique_ptr<Store>> Open() { return OpenNativeStore(options_, "/db"); }

  std::unique_ptr<env::FileSystem> mem_fs_;
  env::FaultInjectionFileSystem fs_;
  EngineOptions options_;
  Random rnd_{301};
};

TEST_F(FullDiskTest, FailingFlushesAreRetriedAndWritesResumeWhenSpaceReturns) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  Model model;
  ASSERT_OK(PutUntilRefused(db.get(), 0, 100, 100, &model, &rnd_));
  fs_.SetNoSpace(".sst");  // tables cannot be written; the log still can
  // Writes go on into the memtables until they are full, then are refused
  // at once, saying why, instead of stalling.
  absl::Status refused = PutUntilRefused(db.get(), 100, 5000, 100, &model, &rnd_);
  EXPECT_THAT(refused, StatusIs(kUnavailable, HasSubstr("flush failed, retrying")));
  EXPECT_THAT(refused, StatusIs(kUnavailable, HasSubstr("No space left on device")));
  EXPECT_THAT(db->Flush(), StatusIs(kUnavailable, HasSubstr("No space left")));
  EXPECT_THAT(db->CompactRange(std::nullopt, std::nullopt), StatusIs(kUnavailable));
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));  // reads are served
  nlohmann::json stats = Stats(db.get());
  EXPECT_EQ(stats["background_error"], "none") << stats.dump();
  EXPECT_NE(stats["background_retry"], "none") << stats.dump();
  EXPECT_GE(stats["background_retries"]["flush_failures"].get<int>(), 1);

  fs_.SetNoSpace(std::nullopt);  // space is freed: no reopen, no call
  EXPECT_TRUE(WaitFor([&] { return db->Put("after", "x").ok(); }, 20));
  model["after"] = "x";
  EXPECT_TRUE(WaitFor([&] { return Stats(db.get())["background_retry"] == "none"; }, 20));
  stats = Stats(db.get());
  EXPECT_GE(stats["background_retries"]["flush_recoveries"].get<int>(), 1);
  ASSERT_OK(PutUntilRefused(db.get(), 10000, 500, 100, &model, &rnd_));
  ASSERT_OK(db->Flush());
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
}

TEST_F(FullDiskTest, AFailedManualCompactionLeavesTheDatabaseWritable) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  Model model;
  ASSERT_OK(PutUntilRefused(db.get(), 0, 600, 100, &model, &rnd_));
  ASSERT_OK(db->Flush());
  fs_.SetNoSpace(".sst");
  EXPECT_THAT(db->CompactRange(std::nullopt, std::nullopt).code(),
              ::testing::AnyOf(kUnavailable, absl::StatusCode::kResourceExhausted));
  ASSERT_OK(db->Put("during", "y"));  // the memtable has room
  model["during"] = "y";
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  fs_.SetNoSpace(std::nullopt);
  ASSERT_OK(db->CompactRange(std::nullopt, std::nullopt));
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  EXPECT_EQ(Stats(db.get())["background_error"], "none");
}

TEST_F(FullDiskTest, AFailedLogWriteStopsWritesUntilReopen) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  Model model;
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(db->Put(sync, "a", "1"));
  model["a"] = "1";
  fs_.SetNoSpace(".log");
  EXPECT_THAT(db->Put(sync, "b", "2"),
              StatusIs(kUnavailable, HasSubstr("No space left on device")));
  fs_.SetNoSpace(std::nullopt);
  // The log's state is unknown after a failed append: writes stay refused
  // even with room again, and say what to do.
  EXPECT_THAT(db->Put("c", "3"), StatusIs(kUnavailable, HasSubstr("until it is reopened")));
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  EXPECT_THAT(db->Get("c"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(db->Put(sync, "d", "4"));
}

TEST_F(FullDiskTest, AFailedManifestWriteStopsWritesUntilReopen) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  Model model;
  ASSERT_OK(PutUntilRefused(db.get(), 0, 300, 100, &model, &rnd_));
  fs_.SetNoSpace("MANIFEST");
  EXPECT_THAT(db->Flush(), StatusIs(kUnavailable, HasSubstr("until it is reopened")));
  EXPECT_THAT(db->Put("x", "1"), StatusIs(kUnavailable, HasSubstr("No space left")));
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  fs_.SetNoSpace(std::nullopt);
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open());
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db.get(), model));
  ASSERT_OK(db->Put("x", "1"));
}

// A real full disk: a 4 MiB tmpfs mounted for the test (needs root; skipped
// with the reason otherwise, as tests/expected_skips.txt lists). A ballast
// file takes 1 MiB; the engine writes incompressible values until the disk
// refuses one; the ballast is deleted; then the engine resumes by itself
// (a flush or compaction failed) or after a reopen (the log or manifest
// failed), whichever the stats say, with every acknowledged write intact.
class RealFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_fulldisk_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") != 0) {
      const int err = errno;
      ::rmdir(dir_.c_str());
      dir_.clear();
      GTEST_SKIP() << "cannot mount a 4 MiB tmpfs to fill (needs root): "
                   << std::strerror(err);
    }
    mounted_ = true;
  }
  void TearDown() override {
    db_.reset();
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  absl::Status Reopen() {
    db_.reset();
    EngineOptions options;
    options.write_buffer_size = 64 << 10;
    auto db = OpenNativeStore(options, dir_ + "/db");
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    return absl::OkStatus();
  }

  std::string dir_;
  bool mounted_ = false;
  std::unique_ptr<Store> db_;
};

TEST_F(RealFullDiskTest, FillsUpThenResumes) {
  const std::string ballast = dir_ + "/ballast";
  std::ofstream(ballast) << std::string(1 << 20, 'b');
  ASSERT_OK(Reopen());
  Random rnd(7);
  Model model;
  // 20 MiB of 1 KiB values cannot fit in 4 MiB.
  const absl::Status refused = PutUntilRefused(db_.get(), 0, 20000, 1024, &model, &rnd);
  ASSERT_THAT(refused, StatusIs(kUnavailable, HasSubstr("No space left on device")));
  EXPECT_GT(model.size(), 100u);
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db_.get(), model));

  std::filesystem::remove(ballast);
  const bool hard = Stats(db_.get())["background_error"] != "none";
  if (hard) {
    EXPECT_THAT(refused, StatusIs(kUnavailable, HasSubstr("until it is reopened")));
    ASSERT_OK(Reopen());
  } else {
    EXPECT_THAT(refused, StatusIs(kUnavailable, HasSubstr("failed, retrying")));
  }
  EXPECT_TRUE(WaitFor([&] { return db_->Put("after", "x").ok(); }, 20))
      << (hard ? "after a reopen" : "by itself");
  model["after"] = "x";
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db_.get(), model));
  ASSERT_OK(Reopen());
  ASSERT_NO_FATAL_FAILURE(ExpectHolds(db_.get(), model));
}

}  // namespace
}  // namespace synapsed::storage::engine
