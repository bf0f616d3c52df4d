#include "env/fault_injection_env.h"

#include <stdlib.h>

#include <algorithm>
#include <set>
#include <utility>

#include "env/mem_env.h"
#include "env/posix_env.h"
#include "util/random.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::env {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

class FaultInjectionTest : public ::testing::Test {
 protected:
  FaultInjectionTest() : base_(NewMemFileSystem()), fs_(base_.get()) {
    EXPECT_OK(base_->CreateDirIfMissing("/db"));
  }
  std::string Read(const std::string& path) {
    auto s = ReadFileToString(&fs_, path);
    return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
  }
  bool Exists(const std::string& path) { return *fs_.FileExists(path); }

  std::unique_ptr<FileSystem> base_;
  FaultInjectionFileSystem fs_;
};

TEST_F(FaultInjectionTest, UnsyncedDataIsDroppedSyncedSurvives) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/log"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(f->Append("durable"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("-lost"));
  EXPECT_EQ(fs_.UnsyncedBytes(), 5u);
  EXPECT_EQ(Read("/db/log"), "durable-lost");  // visible before the crash
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_EQ(Read("/db/log"), "durable");
  // The abandoned writer is dead.
  EXPECT_FALSE(f->Append("x").ok());
  EXPECT_EQ(Read("/db/log"), "durable");
}

TEST_F(FaultInjectionTest, NoSpaceRefusesAppendsToMatchingFilesUntilCleared) {
  ASSERT_OK_AND_ASSIGN(auto table, fs_.NewWritableFile("/db/000007.sst"));
  ASSERT_OK_AND_ASSIGN(auto log, fs_.NewWritableFile("/db/000008.log"));
  fs_.SetNoSpace(".sst");
  EXPECT_THAT(table->Append("x"), StatusIs(absl::StatusCode::kResourceExhausted,
                                           HasSubstr("No space left on device")));
  ASSERT_OK(log->Append("y"));  // other files still have room
  EXPECT_EQ(Read("/db/000007.sst"), "");  // nothing of the refused append
  fs_.SetNoSpace("");  // every file
  EXPECT_FALSE(log->Append("z").ok());
  fs_.SetNoSpace(std::nullopt);
  ASSERT_OK(table->Append("x"));
  EXPECT_EQ(Read("/db/000007.sst"), "x");
  EXPECT_EQ(Read("/db/000008.log"), "y");
}

TEST_F(FaultInjectionTest, RandomPowerLossKeepsAPrefix) {
  Random rnd(7);
  for (int trial = 0; trial < 50; ++trial) {
    ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/log"));
    ASSERT_OK(fs_.SyncDir("/db"));
    ASSERT_OK(f->Append("0123456789"));
    ASSERT_OK(f->Sync());
    ASSERT_OK(f->Append("abcdefghij"));
    ASSERT_OK(fs_.SimulatePowerLoss(&rnd));
    std::string got = Read("/db/log");
    ASSERT_GE(got.size(), 10u);
    EXPECT_EQ(got, std::string("0123456789abcdefghij").substr(0, got.size()));
  }
}

// Out of order: each unsynced whole page kept is either as written or all
// zeros; synced bytes and partial pages are never zeroed; some trials lose
// a page and keep a later one.
TEST_F(FaultInjectionTest, PagesLostOutOfOrderAreZeroedNeverSyncedOnes) {
  Random rnd(11);
  constexpr uint64_t kPage = env::FaultInjectionFileSystem::kPageSize;
  int holes = 0;
  for (int trial = 0; trial < 40; ++trial) {
    ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/log"));
    ASSERT_OK(fs_.SyncDir("/db"));
    const std::string synced = rnd.Bytes(kPage + 100);
    std::string written = synced;
    ASSERT_OK(f->Append(synced));
    ASSERT_OK(f->Sync());
    const std::string more = std::string(6 * kPage, 'x');
    written += more;
    ASSERT_OK(f->Append(more));
    ASSERT_OK(fs_.SimulatePowerLoss({.rnd = &rnd, .out_of_order_pages = true}));
    const std::string got = Read("/db/log");
    ASSERT_GE(got.size(), synced.size());
    ASSERT_EQ(got.substr(0, synced.size()), synced);
    bool lost_one = false;
    for (uint64_t at = synced.size(); at < got.size(); ++at) {
      if (got[at] == written[at]) {
        if (lost_one) ++holes, lost_one = false;
        continue;
      }
      ASSERT_EQ(got[at], '\0') << at;
      ASSERT_GE(at, 2 * kPage) << "the synced page was touched";
      ASSERT_EQ(at % kPage == 0 || got[at - 1] == '\0', true) << at;
      lost_one = true;
    }
  }
  EXPECT_GT(holes, 0);
}

// With directory_subsets each unsynced directory change is kept or lost on
// its own: all four outcomes of "create MANIFEST, rename CURRENT.tmp to
// CURRENT" appear, CURRENT naming a manifest that is gone among them.
// Whatever is there holds what was written.
TEST_F(FaultInjectionTest, DirectoryChangesPersistInAnySubset) {
  Random rnd(5);
  std::set<std::pair<bool, bool>> seen;
  for (int trial = 0; trial < 64; ++trial) {
    for (const char* f : {"/db/MANIFEST", "/db/CURRENT", "/db/CURRENT.tmp"}) {
      if (Exists(f)) ASSERT_OK(fs_.DeleteFile(f));
    }
    ASSERT_OK(fs_.SyncDir("/db"));
    ASSERT_OK(WriteStringToFile(&fs_, "edits", "/db/MANIFEST", /*sync=*/true));
    ASSERT_OK(WriteStringToFile(&fs_, "MANIFEST", "/db/CURRENT.tmp", /*sync=*/true));
    ASSERT_OK(fs_.RenameFile("/db/CURRENT.tmp", "/db/CURRENT"));
    ASSERT_OK(fs_.SimulatePowerLoss({.rnd = &rnd, .directory_subsets = true}));
    const bool manifest = Exists("/db/MANIFEST"), current = Exists("/db/CURRENT");
    if (manifest) EXPECT_EQ(Read("/db/MANIFEST"), "edits");
    if (current) EXPECT_EQ(Read("/db/CURRENT"), "MANIFEST");
    EXPECT_FALSE(current && Exists("/db/CURRENT.tmp"));
    seen.insert({manifest, current});
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_TRUE(seen.count({false, true})) << "CURRENT kept, its manifest lost";
}

// A replaced file under subsets: the old one, the new one, or (the delete
// kept, the creation lost) none; never a mix of the two.
TEST_F(FaultInjectionTest, AReplacedFileIsOldNewOrGone) {
  Random rnd(6);
  std::set<std::string> seen;
  for (int trial = 0; trial < 64; ++trial) {
    ASSERT_OK(WriteStringToFile(&fs_, "old", "/db/f", /*sync=*/true));
    ASSERT_OK(fs_.SyncDir("/db"));
    ASSERT_OK(WriteStringToFile(&fs_, "new", "/db/f", /*sync=*/true));
    ASSERT_OK(fs_.SimulatePowerLoss({.rnd = &rnd, .directory_subsets = true}));
    const std::string got = Exists("/db/f") ? Read("/db/f") : "gone";
    EXPECT_TRUE(got == "old" || got == "new" || got == "gone") << got;
    seen.insert(got);
    ASSERT_OK_AND_ASSIGN(auto names, fs_.ListDir("/db"));
    EXPECT_LE(names.size(), 1u);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(FaultInjectionTest, FileCreatedWithoutDirSyncDisappears) {
  ASSERT_OK(WriteStringToFile(&fs_, "data", "/db/new", /*sync=*/true));
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_FALSE(Exists("/db/new"));

  ASSERT_OK(WriteStringToFile(&fs_, "data", "/db/new", /*sync=*/true));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_EQ(Read("/db/new"), "data");
}

TEST_F(FaultInjectionTest, DeleteWithoutDirSyncIsUndone) {
  ASSERT_OK(WriteStringToFile(&fs_, "old", "/db/f", true));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.DeleteFile("/db/f"));
  EXPECT_FALSE(Exists("/db/f"));
  ASSERT_OK_AND_ASSIGN(auto names, fs_.ListDir("/db"));
  EXPECT_TRUE(names.empty()) << names.size();  // the trash is hidden
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_EQ(Read("/db/f"), "old");

  ASSERT_OK(fs_.DeleteFile("/db/f"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_FALSE(Exists("/db/f"));
}

TEST_F(FaultInjectionTest, RenameWithoutDirSyncIsReverted) {
  // The CURRENT-file dance: write temp, sync, rename over the old one.
  ASSERT_OK(WriteStringToFile(&fs_, "MANIFEST-1", "/db/CURRENT", true));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(WriteStringToFile(&fs_, "MANIFEST-2", "/db/CURRENT.tmp", true));
  ASSERT_OK(fs_.RenameFile("/db/CURRENT.tmp", "/db/CURRENT"));
  EXPECT_EQ(Read("/db/CURRENT"), "MANIFEST-2");
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_EQ(Read("/db/CURRENT"), "MANIFEST-1");
  EXPECT_FALSE(Exists("/db/CURRENT.tmp"));  // its creation was not synced

  ASSERT_OK(WriteStringToFile(&fs_, "MANIFEST-3", "/db/CURRENT.tmp", true));
  ASSERT_OK(fs_.RenameFile("/db/CURRENT.tmp", "/db/CURRENT"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_EQ(Read("/db/CURRENT"), "MANIFEST-3");
}

TEST_F(FaultInjectionTest, UnsyncedRenamedFileLosesUnsyncedTail) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/a"));
  ASSERT_OK(f->Append("synced"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("+tail"));
  ASSERT_OK(f->Close());
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.RenameFile("/db/a", "/db/b"));
  ASSERT_OK(fs_.SyncDir("/db"));
  ASSERT_OK(fs_.SimulatePowerLoss());
  EXPECT_FALSE(Exists("/db/a"));
  EXPECT_EQ(Read("/db/b"), "synced");
}

TEST_F(FaultInjectionTest, InjectedErrorsSurfaceAsStatus) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/f"));
  fs_.FailNth(OpKind::kSync, 2);
  ASSERT_OK(f->Append("a"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("b"));
  EXPECT_THAT(f->Sync(), StatusIs(absl::StatusCode::kUnavailable,
                                  HasSubstr("injected I/O error")));
  ASSERT_OK(f->Sync());  // only the 2nd one fails

  fs_.FailNth(OpKind::kAppend, 1);
  EXPECT_THAT(f->Append("c"), StatusIs(absl::StatusCode::kUnavailable));
  fs_.FailNth(OpKind::kCreate, 1);
  EXPECT_THAT(fs_.NewWritableFile("/db/g"),
              StatusIs(absl::StatusCode::kUnavailable));
  fs_.FailNth(OpKind::kRename, 1);
  EXPECT_THAT(fs_.RenameFile("/db/f", "/db/h"),
              StatusIs(absl::StatusCode::kUnavailable));
  fs_.FailNth(OpKind::kRead, 1);
  EXPECT_THAT(fs_.NewRandomAccessFile("/db/f"),
              StatusIs(absl::StatusCode::kUnavailable));
  fs_.FailNth(OpKind::kSyncDir, 1);
  EXPECT_THAT(fs_.SyncDir("/db"), StatusIs(absl::StatusCode::kUnavailable));
  fs_.FailNth(OpKind::kDelete, 1);
  EXPECT_THAT(fs_.DeleteFile("/db/f"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(fs_.OpCount(OpKind::kSync), 3);
}

TEST_F(FaultInjectionTest, FreezeStopsEveryWrite) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile("/db/f"));
  fs_.Freeze();
  EXPECT_FALSE(f->Append("x").ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_FALSE(fs_.NewWritableFile("/db/g").ok());
  EXPECT_TRUE(fs_.NewRandomAccessFile("/db/f").ok());  // reads still work
  fs_.Unfreeze();
  EXPECT_OK(f->Append("x"));
}

TEST_F(FaultInjectionTest, FlipBitChangesExactlyOneBit) {
  ASSERT_OK(WriteStringToFile(&fs_, "abc", "/db/f", true));
  ASSERT_OK(fs_.FlipBit("/db/f", 1, 0));
  EXPECT_EQ(Read("/db/f"), "acc");
  EXPECT_THAT(fs_.FlipBit("/db/f", 3, 0),
              StatusIs(absl::StatusCode::kOutOfRange));
}

// A preallocated file on a real directory: its zeros were synced, so a power
// cut leaves them past what it keeps of the unsynced appends, and every lost
// page of them reads as zeros. Preallocate is an operation of its own kind.
TEST(FaultInjectionPosixTest, PreallocatedZerosSurviveAPowerCut) {
  char dir_template[] = "/tmp/fault_prealloc.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = JoinPath(dir, "000004.log");
  std::unique_ptr<FileSystem> base = NewPosixFileSystem();
  FaultInjectionFileSystem fs(base.get());
  Random rnd(7);
  for (int round = 0; round < 20; ++round) {
    ASSERT_OK_AND_ASSIGN(auto f, fs.NewWritableFile(path, {.use_io_uring = true}));
    ASSERT_OK(fs.SyncDir(dir));
    ASSERT_OK(f->Append("durable"));
    fs.FailNth(OpKind::kPreallocate, 1);
    EXPECT_THAT(f->Preallocate(8192), StatusIs(absl::StatusCode::kUnavailable));
    ASSERT_OK(f->Preallocate(8192));
    ASSERT_OK(f->Sync());
    const std::string lost(5000, 'x');  // crosses a page boundary
    ASSERT_OK(f->Append(lost));
    ASSERT_OK(f->Flush());
    ASSERT_OK_AND_ASSIGN(const uint64_t physical, base->GetFileSize(path));
    ASSERT_GE(physical, 7u + 5000u);
    ASSERT_OK(fs.SimulatePowerLoss({.rnd = round == 0 ? nullptr : &rnd,
                                    .out_of_order_pages = round % 2 == 1}));
    ASSERT_OK_AND_ASSIGN(std::string after, ReadFileToString(base.get(), path));
    ASSERT_EQ(after.size(), physical) << "round " << round;
    EXPECT_EQ(after.substr(0, 7), "durable");
    for (size_t i = 7; i < after.size(); ++i) {
      ASSERT_TRUE(after[i] == '\0' || (i < 7 + lost.size() && after[i] == 'x'))
          << "round " << round << " byte " << i;
    }
    if (round == 0) {
      EXPECT_EQ(after.find('x'), std::string::npos);  // all of it lost
    }
  }
  EXPECT_GE(fs.OpCount(OpKind::kPreallocate), 40);
  ASSERT_OK(base->DeleteFile(path));
  ASSERT_OK(base->DeleteDir(dir));
}

}  // namespace
}  // namespace synapsed::storage::env
