// The mapped writable file (env/mapped_writable_file.h) under the log writer,
// on a real directory: the same bytes as the in-memory file system; readable
// from another descriptor as soon as an append returns (zeros past the data
// read as the log's end); every acknowledged record kept when the writing
// process is killed with SIGKILL; a limit on the file's size an error from
// Append, not a signal.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "env/env.h"
#include "env/mapped_writable_file.h"
#include "env/mem_env.h"
#include "env/posix_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::synapsed::storage::wal::testing::EncodeLog;
using ::synapsed::storage::wal::testing::ExpectLogThenZeros;
using ::synapsed::storage::wal::testing::RandomRecords;
using ::synapsed::storage::wal::testing::ReadLog;
using ::synapsed::storage::wal::testing::ReadResult;

constexpr env::WritableFileOptions kMapped{.use_mmap = true};

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/wal_mapped.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    // The file system of /tmp must be able to allocate (not every one can).
    auto probe = env::OpenMappedWritableFile(Path("probe"), /*truncate=*/true);
    ASSERT_OK(probe.status());
    if (*probe == nullptr) GTEST_SKIP() << "fallocate refused on /tmp";
  }
  void TearDown() override {
    auto names = fs_->ListDir(dir_);
    if (names.ok()) {
      for (const auto& n : *names) (void)fs_->DeleteFile(env::JoinPath(dir_, n));
    }
    (void)fs_->DeleteDir(dir_);
  }
  std::string Path(const std::string& name) const { return env::JoinPath(dir_, name); }
  absl::StatusOr<std::string> ReadAll(const std::string& path) {
    return env::ReadFileToString(fs_.get(), path);
  }
  static uint64_t PhysicalSize(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }

  std::string dir_;
  std::unique_ptr<env::FileSystem> fs_ = env::NewPosixFileSystem();
  std::unique_ptr<env::FileSystem> mem_ = env::NewMemFileSystem();
};

// Past a window or two: the log crosses windows, some inside a record.
std::vector<std::string> RecordsOf(Random* rnd, uint64_t bytes) {
  return RandomRecords(rnd, 0, 200000, bytes);
}

// What a process crash leaves is what another reader sees before Close:
// the log's bytes, then zeros to the end of the last window.
TEST_F(MappedFileTest, ReadableBeforeCloseAndExactAfter) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  const std::vector<std::string> records = RecordsOf(&rnd, 5 * env::kMappedWindowBytes / 2);
  ASSERT_OK_AND_ASSIGN(std::string expected, EncodeLog(mem_.get(), records, 7));
  const std::string path = Path("log");
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(path, kMapped));
  LogWriter w(std::move(file), 7);
  for (const std::string& r : records) ASSERT_OK(w.AddRecord(r, /*sync=*/false));

  ASSERT_OK_AND_ASSIGN(std::string open_view, ReadAll(path));
  EXPECT_EQ(open_view.size() % env::kMappedWindowBytes, 0u);
  ASSERT_GE(open_view.size(), expected.size());
  EXPECT_TRUE(open_view.substr(0, expected.size()) == expected) << "seed " << seed;
  EXPECT_EQ(open_view.find_first_not_of('\0', expected.size()), std::string::npos);
  for (bool last : {false, true}) {
    ReadResult r = ReadLog(mem_.get(), open_view, 7, {.last_log = last});
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records, records);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.valid_end, expected.size());
  }

  ASSERT_OK(w.Close());
  ASSERT_OK_AND_ASSIGN(std::string closed, ReadAll(path));
  EXPECT_EQ(closed.size(), expected.size());
  EXPECT_TRUE(closed == expected) << "seed " << seed;
}

// Synced records with preallocate_on_sync: the written zeros run ahead of
// the data (past the window when the window ends first), the synced bytes
// are the log's, and Close cuts both tails off.
TEST_F(MappedFileTest, SyncedRecordsWithWrittenZerosAhead) {
  Random rnd(::synapsed::storage::testing::TestSeed());
  const std::vector<std::string> records = RecordsOf(&rnd, 3 * env::kMappedWindowBytes / 2);
  ASSERT_OK_AND_ASSIGN(std::string expected, EncodeLog(mem_.get(), records, 3));
  const std::string path = Path("synced");
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(path, kMapped));
  LogWriter w(std::move(file), 3, {.preallocate_on_sync = 256 * 1024});
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_OK(w.AddRecord(records[i], /*sync=*/i % 3 == 0)) << i;
    ASSERT_GE(PhysicalSize(path), w.FileSize()) << i;
  }
  ASSERT_OK(w.Sync());
  ASSERT_OK_AND_ASSIGN(std::string crashed, ReadAll(path));
  ExpectLogThenZeros(mem_.get(), crashed, expected, records, 3);
  ASSERT_OK(w.Close());
  ASSERT_OK_AND_ASSIGN(std::string closed, ReadAll(path));
  EXPECT_TRUE(closed == expected);
  EXPECT_THAT(w.AddRecord("late", false), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(MappedFileTest, AppendableFileContinuesAtItsEnd) {
  const std::string path = Path("append");
  {
    ASSERT_OK_AND_ASSIGN(auto f, fs_->NewWritableFile(path, kMapped));
    ASSERT_OK(f->Append("hello "));
    ASSERT_OK(f->Sync());
    ASSERT_OK(f->Close());
    EXPECT_THAT(f->Append("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile(path, kMapped));
    EXPECT_EQ(f->Size(), 6u);
    ASSERT_OK(f->Append("world"));
    ASSERT_OK(f->Close());
  }
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(path));
  EXPECT_EQ(got, "hello world");
}

// A writer killed with SIGKILL after its appends returned, never synced:
// every record is in the file (the page cache kept the mapping's pages).
TEST_F(MappedFileTest, KilledWriterKeepsEveryAppendedRecord) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  const std::vector<std::string> records = RecordsOf(&rnd, 3 * env::kMappedWindowBytes / 2);
  const std::string path = Path("killed");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(60);  // never outlives a parent that failed to kill it
    ::close(ready[0]);
    auto file = fs_->NewWritableFile(path, kMapped);
    if (!file.ok()) ::_exit(2);
    LogWriter w(std::move(*file), 5);
    for (const std::string& r : records) {
      if (!w.AddRecord(r, /*sync=*/false).ok()) ::_exit(3);
    }
    const char done = 1;
    if (::write(ready[1], &done, 1) != 1) ::_exit(4);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char done = 0;
  const ssize_t n = ::read(ready[0], &done, 1);
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(n, 1) << "the child failed before appending everything: status " << status;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  ASSERT_OK_AND_ASSIGN(std::string left, ReadAll(path));
  ReadResult r = ReadLog(mem_.get(), left, 5, {.last_log = true});
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records) << "seed " << seed;
  EXPECT_EQ(r.dropped, 0u);
}

// RLIMIT_FSIZE below the next window: the window cannot be allocated, and
// Append says so (EFBIG) instead of the copy faulting the process.
TEST_F(MappedFileTest, WindowThatCannotBeAllocatedIsAnError) {
  const std::string path = Path("limited");
  ASSERT_OK_AND_ASSIGN(auto f, fs_->NewWritableFile(path, kMapped));
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  void (*old_handler)(int) = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = env::kMappedWindowBytes + 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  absl::Status s = f->Append(std::string(env::kMappedWindowBytes + 100, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr("limited")));
  EXPECT_EQ(f->Size(), env::kMappedWindowBytes);
  ASSERT_OK(f->Close());
  EXPECT_EQ(PhysicalSize(path), env::kMappedWindowBytes);
}

}  // namespace
}  // namespace synapsed::storage::wal
