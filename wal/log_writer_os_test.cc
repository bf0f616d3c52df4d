// Without a log buffer, every record LogWriter acknowledges must already be
// in the OS, so a process crash (kill -9) cannot lose it — whatever buffering
// the file does in user space (PosixWritableFile keeps up to 64 KiB). The
// torture crash mode depends on it; this checks it directly, on the real
// POSIX file system, by the file's size as stat(2) sees it after each
// unsynced record.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "env/env.h"
#include "env/posix_env.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_writer.h"

namespace synapsed::storage::wal {
namespace {

class LogWriterOsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/wal_os_test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    auto names = fs_->ListDir(dir_);
    if (names.ok()) {
      for (const auto& n : *names) (void)fs_->DeleteFile(env::JoinPath(dir_, n));
    }
    (void)fs_->DeleteDir(dir_);
  }
  // What another process (or the page cache after a kill) sees.
  static uint64_t SizeInOs(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }

  std::string dir_;
  std::unique_ptr<env::FileSystem> fs_ = env::NewPosixFileSystem();
};

// Small records, far below the posix file's own buffer: without the
// LogWriter's flush they would all sit in user space.
TEST_F(LogWriterOsTest, UnsyncedRecordsReachTheOsWithoutALogBuffer) {
  Random rnd(::synapsed::storage::testing::TestSeed());
  for (bool uring : {false, true}) {
    SCOPED_TRACE(uring ? "io_uring file" : "posix file");
    const std::string path = env::JoinPath(dir_, uring ? "u.log" : "p.log");
    ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(path, {.use_io_uring = uring}));
    LogWriter w(std::move(file), 7);
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(w.AddRecord(rnd.Bytes(1 + rnd.Uniform(200)), /*sync=*/false));
      ASSERT_EQ(SizeInOs(path), w.FileSize()) << "record " << i;
    }
    ASSERT_OK(w.Close());
  }
}

// The contrast: with a log buffer, unsynced records stay in user space until
// the buffer fills (the crash-loss window the option documents), so the size
// check above can tell the two apart.
TEST_F(LogWriterOsTest, ALogBufferKeepsUnsyncedRecordsInUserSpace) {
  const std::string path = env::JoinPath(dir_, "b.log");
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(path));
  LogWriter w(std::move(file), 7, {.buffer_bytes = 4096});
  ASSERT_OK(w.AddRecord("abc", /*sync=*/false));
  EXPECT_EQ(SizeInOs(path), 0u);
  EXPECT_GT(w.FileSize(), 0u);
  ASSERT_OK(w.Flush());
  EXPECT_EQ(SizeInOs(path), w.FileSize());
  ASSERT_OK(w.Close());
}

}  // namespace
}  // namespace synapsed::storage::wal
