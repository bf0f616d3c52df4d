// The io_uring writable file and its pwrite fallback on a real directory:
// both write the same bytes as the in-memory file system, survive
// AppendAndSync, and keep a preallocated zero tail readable as the log end.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "env/env.h"
#include "env/mem_env.h"
#include "env/posix_env.h"
#include "env/uring_writable_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::wal::testing::EncodeLog;
using ::synapsed::storage::wal::testing::ExpectLogThenZeros;
using ::synapsed::storage::wal::testing::RandomRecords;
using ::synapsed::storage::wal::testing::ReadLog;
using ::synapsed::storage::wal::testing::ReadResult;

// Is a ring available at all here? (A sandbox may refuse io_uring_setup.)
bool KernelHasIoUring() {
  char dir_template[] = "/tmp/wal_uring_probe.XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return false;
  std::string path = std::string(dir_template) + "/probe";
  bool ok = false;
  {
    auto f = env::UringWritableFile::Open(path, true, {});
    ok = f.ok() && (*f)->using_io_uring();
  }
  ::unlink(path.c_str());
  ::rmdir(dir_template);
  return ok;
}

class UringFileTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/wal_test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    if (UseUring() && !KernelHasIoUring()) {
      GTEST_SKIP() << "io_uring refused by this kernel/sandbox";
    }
  }
  void TearDown() override {
    auto names = fs_->ListDir(dir_);
    if (names.ok()) {
      for (const auto& n : *names)
        (void)fs_->DeleteFile(env::JoinPath(dir_, n));
    }
    (void)fs_->DeleteDir(dir_);
  }
  bool UseUring() const { return GetParam(); }
  env::UringWritableFileOptions Options(uint64_t prealloc = 0,
                                        bool uring_appends = true) const {
    return {.disable_io_uring = !UseUring(),
            .preallocate_bytes = prealloc,
            .uring_unsynced_appends = uring_appends};
  }
  absl::StatusOr<std::string> ReadAll(const std::string& path) {
    return env::ReadFileToString(fs_.get(), path);
  }
  static uint64_t PhysicalSize(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size)
                                          : 0;
  }

  std::string dir_;
  std::unique_ptr<env::FileSystem> fs_ = env::NewPosixFileSystem();
  std::unique_ptr<env::FileSystem> mem_ = env::NewMemFileSystem();
};

TEST_P(UringFileTest, WritesTheSameBytesAsTheMemoryFileSystem) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  const std::vector<std::string> records = RandomRecords(&rnd, 300, 100000);
  ASSERT_OK_AND_ASSIGN(std::string expected,
                       EncodeLog(mem_.get(), records, 12));
  for (size_t buffer : {size_t{0}, size_t{16 * 1024}}) {
    for (bool uring_appends : {false, true}) {
      const std::string path = env::JoinPath(
          dir_, "log" + std::to_string(buffer) + (uring_appends ? "u" : "p"));
      ASSERT_OK_AND_ASSIGN(
          auto file,
          env::UringWritableFile::Open(path, true, Options(0, uring_appends)));
      EXPECT_EQ(file->using_io_uring(), UseUring());
      LogWriter w(std::move(file), 12, {.buffer_bytes = buffer});
      for (size_t i = 0; i < records.size(); ++i) {
        // Every 5th record must be durable: AppendAndSync (linked fdatasync).
        ASSERT_OK(w.AddRecord(records[i], /*sync=*/i % 5 == 0)) << i;
      }
      ASSERT_OK(w.Sync());
      ASSERT_OK(w.Close());
      ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(path));
      ASSERT_EQ(got.size(), expected.size()) << "seed " << seed;
      EXPECT_TRUE(got == expected) << "seed " << seed;
    }
  }
}

TEST_P(UringFileTest, AppendAndSyncOfLargeWritesAndAppendMode) {
  const std::string path = env::JoinPath(dir_, "big");
  Random rnd(::synapsed::storage::testing::TestSeed());
  const std::string a = rnd.Bytes(3 << 20), b = rnd.Bytes(12345);
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         env::UringWritableFile::Open(path, true, Options()));
    ASSERT_OK(f->AppendAndSync(a));
    ASSERT_OK(f->Append(""));
    ASSERT_OK(f->Sync());
    EXPECT_EQ(f->Size(), a.size());
    ASSERT_OK(f->Close());
    EXPECT_THAT(f->Append("x"), ::synapsed::storage::testing::StatusIs(
                                    absl::StatusCode::kFailedPrecondition));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         env::UringWritableFile::Open(path, false, Options()));
    EXPECT_EQ(f->Size(), a.size());
    ASSERT_OK(f->AppendAndSync(b));
    ASSERT_OK(f->Close());
  }
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(path));
  EXPECT_TRUE(got == a + b);
}

TEST_P(UringFileTest, ShortWriteThenErrorIsReportedNotSynced) {
  // RLIMIT_FSIZE makes the kernel write only up to the limit (a short write,
  // which cancels the linked fdatasync), then fail with EFBIG: the file must
  // report the error and count only the bytes that reached the file.
  const std::string path = env::JoinPath(dir_, "limited");
  ASSERT_OK_AND_ASSIGN(auto f,
                       env::UringWritableFile::Open(path, true, Options()));
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  void (*old_handler)(int) = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 1 << 20;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  absl::Status s = f->AppendAndSync(std::string(3 << 20, 'x'));
  const uint64_t size = f->Size();
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(
      s, ::synapsed::storage::testing::StatusIs(
             absl::StatusCode::kUnavailable, ::testing::HasSubstr("limited")));
  EXPECT_EQ(size, 1u << 20);
  EXPECT_EQ(PhysicalSize(path), 1u << 20);
  ASSERT_OK(f->Close());
}

TEST_P(UringFileTest, PreallocatedZeroTailReadsAsTheEndOfTheLog) {
  const std::string path = env::JoinPath(dir_, "prealloc");
  Random rnd(::synapsed::storage::testing::TestSeed());
  const std::vector<std::string> records = RandomRecords(&rnd, 200, 100000);
  ASSERT_OK_AND_ASSIGN(std::string expected, EncodeLog(mem_.get(), records, 4));
  const uint64_t kPrealloc = 256 * 1024;
  ASSERT_OK_AND_ASSIGN(
      auto file, env::UringWritableFile::Open(path, true, Options(kPrealloc)));
  env::UringWritableFile* raw = file.get();
  EXPECT_EQ(PhysicalSize(path), kPrealloc);  // zeros written at open
  LogWriter w(std::move(file), 4);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_OK(w.AddRecord(records[i], /*sync=*/i % 3 == 0));
    // The logical size is what was appended; the zeros stay ahead of it.
    ASSERT_EQ(raw->Size(), w.FileSize());
    ASSERT_GE(raw->preallocated_end(), raw->Size());
    ASSERT_EQ(PhysicalSize(path), raw->preallocated_end());
  }
  ASSERT_OK(w.Sync());
  // What a crash leaves: the log, then zeros. Every mode reads a clean end.
  ASSERT_OK_AND_ASSIGN(std::string crashed, ReadAll(path));
  ASSERT_GT(crashed.size(), expected.size());
  EXPECT_TRUE(crashed.substr(0, expected.size()) == expected);
  for (bool last : {false, true}) {
    ReadResult r = ReadLog(mem_.get(), crashed, 4, {.last_log = last});
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records, records);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.ignored, crashed.size() - expected.size());
    EXPECT_EQ(r.valid_end, expected.size());
  }
  // Close cuts the zero tail off.
  ASSERT_OK(w.Close());
  ASSERT_OK_AND_ASSIGN(std::string closed, ReadAll(path));
  EXPECT_TRUE(closed == expected);
}

// LogWriterOptions::preallocate_on_sync: unsynced records leave the file
// as appended; the first synced record starts a zero tail (before its own
// bytes are written), and from then on the zeros are extended whenever the
// records reach them.
TEST_P(UringFileTest, FirstSyncedRecordStartsTheZeroTail) {
  const std::string path = env::JoinPath(dir_, "sync_prealloc");
  Random rnd(::synapsed::storage::testing::TestSeed());
  const uint64_t kAhead = 64 * 1024;
  // 40 unsynced records, then at least four windows of records (some
  // synced), so that the zeros are extended at least three times whatever
  // the seed.
  std::vector<std::string> records = RandomRecords(&rnd, 40, 100000);
  for (std::string& r : RandomRecords(&rnd, 80, 100000, 4 * kAhead)) {
    records.push_back(std::move(r));
  }
  ASSERT_OK_AND_ASSIGN(std::string expected, EncodeLog(mem_.get(), records, 9));
  ASSERT_OK_AND_ASSIGN(auto file, env::UringWritableFile::Open(path, true, Options()));
  env::UringWritableFile* raw = file.get();
  LogWriter w(std::move(file), 9, {.preallocate_on_sync = kAhead});
  for (size_t i = 0; i < 40; ++i) ASSERT_OK(w.AddRecord(records[i], /*sync=*/false));
  EXPECT_EQ(PhysicalSize(path), w.FileSize()) << "no zeros before a synced record";
  std::set<uint64_t> ends;  // each extension writes kAhead more zeros
  for (size_t i = 40; i < records.size(); ++i) {
    ASSERT_OK(w.AddRecord(records[i], /*sync=*/i % 2 == 0));
    ASSERT_GE(raw->preallocated_end(), raw->Size()) << i;
    ASSERT_EQ(PhysicalSize(path), raw->preallocated_end()) << i;
    ASSERT_EQ(raw->preallocated_end() % 4096, 0u) << i;
    ends.insert(raw->preallocated_end());
  }
  EXPECT_GE(ends.size(), 3u);
  ASSERT_OK_AND_ASSIGN(std::string crashed, ReadAll(path));
  ExpectLogThenZeros(mem_.get(), crashed, expected, records, 9);
  ASSERT_OK(w.Close());
  ASSERT_OK_AND_ASSIGN(std::string closed, ReadAll(path));
  EXPECT_TRUE(closed == expected);
}

// Sets an environment variable for one scope and always restores it, also
// when an ASSERT returns early from the test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_P(UringFileTest, PosixFileSystemHandsOutTheUringFile) {
  ScopedEnv disable("SYNAPSED_DISABLE_IO_URING", UseUring() ? nullptr : "1");
  const std::string path = env::JoinPath(dir_, "viafs");
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         fs_->NewWritableFile(path, {.use_io_uring = true}));
    auto* uring = dynamic_cast<env::UringWritableFile*>(f.get());
    ASSERT_NE(uring, nullptr);
    EXPECT_EQ(uring->using_io_uring(), UseUring());
    ASSERT_OK(f->AppendAndSync("hello "));
    ASSERT_OK(f->Close());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         fs_->NewAppendableFile(path, {.use_io_uring = true}));
    EXPECT_EQ(f->Size(), 6u);
    ASSERT_OK(f->Append("world"));
    ASSERT_OK(f->Close());
  }
  ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(path));
  EXPECT_EQ(got, "hello world");
}

INSTANTIATE_TEST_SUITE_P(Paths, UringFileTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? std::string("IoUring")
                                          : std::string("Fallback");
                         });

}  // namespace
}  // namespace synapsed::storage::wal
