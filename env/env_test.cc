// Contract tests run against every FileSystem implementation.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "env/env.h"
#include "env/mem_env.h"
#include "env/posix_env.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::env {
namespace {

using ::synapsed::storage::testing::StatusIs;

class FileSystemTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "posix") {
      owned_ = NewPosixFileSystem();
      char tmpl[] = "/tmp/synapsed_env_XXXXXX";
      ASSERT_NE(::mkdtemp(tmpl), nullptr);
      dir_ = tmpl;
    } else {
      owned_ = NewMemFileSystem();
      dir_ = "/db";
      ASSERT_OK(owned_->CreateDirIfMissing(dir_));
    }
    fs_ = owned_.get();
  }
  void TearDown() override {
    if (GetParam() == "posix") std::filesystem::remove_all(dir_);
  }
  std::string Path(const std::string& name) { return JoinPath(dir_, name); }

  std::unique_ptr<FileSystem> owned_;
  FileSystem* fs_;
  std::string dir_;
};

// A mapped file reads the same bytes as pread does, ends short at the end
// of the file, and keeps its view after the file is deleted. An empty file
// cannot be mapped and is read the usual way.
TEST_P(FileSystemTest, MappedReadsMatchPlainReads) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("m")));
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_OK(file->Append(data));
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(auto mapped,
                       fs_->NewRandomAccessFile(Path("m"), {.use_mmap = true}));
  EXPECT_EQ(mapped->Size(), data.size());
  EXPECT_EQ(mapped->ReadsInPlace(), GetParam() == "posix");
  std::string scratch(data.size(), '\0');
  char* buf = mapped->ReadsInPlace() ? nullptr : scratch.data();
  ASSERT_OK_AND_ASSIGN(std::string_view got, mapped->Read(4093, 100, buf));
  EXPECT_EQ(got, data.substr(4093, 100));
  ASSERT_OK_AND_ASSIGN(got, mapped->Read(9990, 100, buf));
  EXPECT_EQ(got, data.substr(9990));
  ASSERT_OK_AND_ASSIGN(got, mapped->Read(20000, 10, buf));
  EXPECT_TRUE(got.empty());
  ASSERT_OK_AND_ASSIGN(got, mapped->Read(0, data.size(), buf));
  ASSERT_OK(fs_->DeleteFile(Path("m")));
  EXPECT_EQ(got, data);

  ASSERT_OK_AND_ASSIGN(auto empty, fs_->NewWritableFile(Path("e")));
  ASSERT_OK(empty->Close());
  ASSERT_OK_AND_ASSIGN(auto ra, fs_->NewRandomAccessFile(Path("e"), {.use_mmap = true}));
  EXPECT_FALSE(ra->ReadsInPlace());
  char one[1];
  ASSERT_OK_AND_ASSIGN(got, ra->Read(0, 1, one));
  EXPECT_TRUE(got.empty());
}

// Direct reads (O_DIRECT on posix: widened to whole pages, copied out) return
// exactly what plain reads do, at unaligned offsets, across pages, short at
// the end, from several threads at once; the in-memory file system ignores
// the option.
TEST_P(FileSystemTest, DirectReadsMatchPlainReads) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("d")));
  std::string data(3 * 4096 + 777, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  ASSERT_OK(file->Append(data));
  ASSERT_OK(file->Sync());
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(auto direct, fs_->NewRandomAccessFile(
                                        Path("d"), {.use_mmap = true, .use_direct_io = true}));
  EXPECT_EQ(direct->Size(), data.size());
  EXPECT_FALSE(direct->ReadsInPlace()) << "direct reads win over the mapping";
  struct Case {
    uint64_t offset;
    size_t n;
  };
  const Case cases[] = {{0, 10},      {4093, 100},          {4096, 4096}, {1, 3 * 4096},
                        {12000, 5000}, {data.size() - 1, 9}, {0, data.size()}};
  auto check = [&] {
    std::string scratch(data.size() + 16, '\0');
    for (const Case& c : cases) {
      absl::StatusOr<std::string_view> got = direct->Read(c.offset, c.n, scratch.data());
      ASSERT_OK(got.status());
      ASSERT_EQ(*got, data.substr(c.offset, c.n)) << c.offset << "+" << c.n;
    }
    absl::StatusOr<std::string_view> past = direct->Read(data.size() + 5, 10, scratch.data());
    ASSERT_OK(past.status());
    EXPECT_TRUE(past->empty());
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) check();
    });
  }
  for (auto& t : threads) t.join();
}

TEST_P(FileSystemTest, WriteReadRoundTrip) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("a")));
  ASSERT_OK(file->Append("hello "));
  ASSERT_OK(file->AppendAndSync("world"));
  EXPECT_EQ(file->Size(), 11u);
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(auto ra, fs_->NewRandomAccessFile(Path("a")));
  EXPECT_EQ(ra->Size(), 11u);
  char scratch[16];
  ASSERT_OK_AND_ASSIGN(std::string_view got, ra->Read(6, 16, scratch));
  EXPECT_EQ(got, "world");  // short read at end of file
  ASSERT_OK_AND_ASSIGN(std::string all, ReadFileToString(fs_, Path("a")));
  EXPECT_EQ(all, "hello world");
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->GetFileSize(Path("a")));
  EXPECT_EQ(size, 11u);
}

TEST_P(FileSystemTest, LargeAppendsAreNotLost) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile(Path("big")));
  std::string chunk(100000, 'x');
  for (int i = 0; i < 5; ++i) {
    chunk[0] = static_cast<char>('a' + i);
    ASSERT_OK(file->Append(chunk));
    ASSERT_OK(file->Append("y"));
  }
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(std::string all, ReadFileToString(fs_, Path("big")));
  ASSERT_EQ(all.size(), 500005u);
  EXPECT_EQ(all[100001], 'b');
}

TEST_P(FileSystemTest, AppendableFileContinuesAtEnd) {
  ASSERT_OK(WriteStringToFile(fs_, "abc", Path("f"), true));
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewAppendableFile(Path("f")));
  EXPECT_EQ(file->Size(), 3u);
  ASSERT_OK(file->Append("def"));
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(std::string all, ReadFileToString(fs_, Path("f")));
  EXPECT_EQ(all, "abcdef");
}

TEST_P(FileSystemTest, SequentialReadAndSkip) {
  ASSERT_OK(WriteStringToFile(fs_, "0123456789", Path("s"), false));
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewSequentialFile(Path("s")));
  char scratch[4];
  ASSERT_OK_AND_ASSIGN(std::string_view a, file->Read(3, scratch));
  EXPECT_EQ(a, "012");
  ASSERT_OK(file->Skip(4));
  ASSERT_OK_AND_ASSIGN(std::string_view b, file->Read(4, scratch));
  EXPECT_EQ(b, "789");
  ASSERT_OK_AND_ASSIGN(std::string_view c, file->Read(4, scratch));
  EXPECT_TRUE(c.empty());
}

TEST_P(FileSystemTest, ListRenameDeleteTruncate) {
  ASSERT_OK(WriteStringToFile(fs_, "1", Path("x"), false));
  ASSERT_OK(WriteStringToFile(fs_, "22", Path("y"), false));
  ASSERT_OK(fs_->RenameFile(Path("x"), Path("y")));  // replaces y
  ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(dir_));
  EXPECT_EQ(names, std::vector<std::string>{"y"});
  ASSERT_OK_AND_ASSIGN(std::string y, ReadFileToString(fs_, Path("y")));
  EXPECT_EQ(y, "1");
  ASSERT_OK(fs_->Truncate(Path("y"), 0));
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->GetFileSize(Path("y")));
  EXPECT_EQ(size, 0u);
  ASSERT_OK(fs_->DeleteFile(Path("y")));
  ASSERT_OK_AND_ASSIGN(bool exists, fs_->FileExists(Path("y")));
  EXPECT_FALSE(exists);
  EXPECT_THAT(fs_->DeleteFile(Path("y")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(fs_->NewRandomAccessFile(Path("nope")),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(fs_->SyncDir(dir_));
}

TEST_P(FileSystemTest, Directories) {
  ASSERT_OK(fs_->CreateDirIfMissing(Path("sub")));
  ASSERT_OK(fs_->CreateDirIfMissing(Path("sub")));  // idempotent
  ASSERT_OK(WriteStringToFile(fs_, "1", Path("sub/f"), false));
  ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(Path("sub")));
  EXPECT_EQ(names, std::vector<std::string>{"f"});
  EXPECT_FALSE(fs_->DeleteDir(Path("sub")).ok());  // not empty
  ASSERT_OK(fs_->DeleteFile(Path("sub/f")));
  ASSERT_OK(fs_->DeleteDir(Path("sub")));
  ASSERT_OK(WriteStringToFile(fs_, "1", Path("file"), false));
  EXPECT_FALSE(fs_->CreateDirIfMissing(Path("file")).ok());
}

TEST_P(FileSystemTest, LockIsExclusiveUntilReleased) {
  ASSERT_OK_AND_ASSIGN(auto lock, fs_->LockFile(Path("LOCK")));
  EXPECT_THAT(fs_->LockFile(Path("LOCK")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  lock.reset();
  ASSERT_OK_AND_ASSIGN(auto again, fs_->LockFile(Path("LOCK")));
}

INSTANTIATE_TEST_SUITE_P(All, FileSystemTest,
                         ::testing::Values("posix", "mem"),
                         [](const auto& info) { return info.param; });

TEST(Paths, JoinAndDirName) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("b"), ".");
  EXPECT_EQ(DirName("/b"), "/");
}

}  // namespace
}  // namespace synapsed::storage::env
