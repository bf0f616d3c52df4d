#include "engine/manifest_replay.h"

#include "engine/filenames.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "env/mem_env.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"
#include "wal/log_writer.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

FileMetaData Table(uint64_t number, std::string_view lo, std::string_view hi) {
  FileMetaData f;
  f.number = number;
  f.file_size = 100;
  f.smallest = MakeInternalKey(lo, 1, ValueType::kValue);
  f.largest = MakeInternalKey(hi, 1, ValueType::kValue);
  return f;
}

class ManifestReplayTest : public ::testing::Test {
 protected:
  // Writes `edits` as MANIFEST-000003 and replays it.
  void SetUp() override { ASSERT_OK(fs_->CreateDirIfMissing("/db")); }

  ManifestReplay Replay(const std::vector<VersionEdit>& edits) {
    auto file = fs_->NewWritableFile(path_);
    EXPECT_TRUE(file.ok());
    wal::LogWriter w(std::move(*file), 3);
    for (const auto& e : edits) EXPECT_TRUE(w.AddRecord(e.Encode(), true).ok());
    EXPECT_TRUE(w.Close().ok());
    return ReplayManifest(fs_.get(), path_, /*keep_records=*/true);
  }
  static VersionEdit Snapshot() {
    VersionEdit e;
    e.format_version = kManifestFormatVersion;
    e.log_number = 4;
    e.next_file_number = 9;
    e.last_sequence = 7;
    e.new_files = {{1, Table(5, "a", "c")}, {0, Table(6, "b", "z")}};
    return e;
  }

  std::unique_ptr<env::FileSystem> fs_ = env::NewMemFileSystem();
  const std::string path_ = "/db/MANIFEST-000003";
};

TEST_F(ManifestReplayTest, ReplaysEditsInOrder) {
  VersionEdit e;
  e.deleted_files = {{1, 5}};
  e.new_files = {{2, Table(7, "a", "c")}};
  e.last_sequence = 8;
  ManifestReplay r = Replay({Snapshot(), e});
  ASSERT_OK(r.status);
  EXPECT_EQ(r.num_records, 2u);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].edit.last_sequence, 8u);
  EXPECT_TRUE(r.shape.levels[1].empty());
  ASSERT_EQ(r.shape.levels[2].size(), 1u);
  EXPECT_EQ(r.shape.levels[2][0]->number, 7u);
  EXPECT_EQ(r.log_number, 4u);
  EXPECT_EQ(r.last_sequence, 8u);
}

TEST_F(ManifestReplayTest, StopsAtTheFirstBadEditKeepingTheStateBeforeIt) {
  VersionEdit bad;
  bad.deleted_files = {{2, 5}};  // #5 is in L1, not L2
  ManifestReplay r = Replay({Snapshot(), bad});
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kDataLoss,
                                 HasSubstr("MANIFEST-000003 at offset")));
  EXPECT_THAT(r.status.message(), HasSubstr("does not hold it"));
  EXPECT_EQ(r.num_records, 1u);
  EXPECT_EQ(r.shape.levels[1].size(), 1u);

  VersionEdit overlap;
  overlap.new_files = {{1, Table(8, "b", "d")}};
  r = Replay({Snapshot(), overlap});
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("overlap in L1")));
}

TEST_F(ManifestReplayTest, FirstRecordMustBeASnapshot) {
  VersionEdit no_version = Snapshot();
  no_version.format_version.reset();
  EXPECT_THAT(Replay({no_version}).status,
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no format version")));
  VersionEdit no_seq = Snapshot();
  no_seq.last_sequence.reset();
  EXPECT_THAT(Replay({no_seq}).status,
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("incomplete manifest")));
}

TEST_F(ManifestReplayTest, CurrentMustNameAManifest) {
  EXPECT_THAT(CurrentManifestPath(fs_.get(), "/db"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(env::WriteStringToFile(fs_.get(), "LOCK\n", "/db/CURRENT", true));
  EXPECT_THAT(CurrentManifestPath(fs_.get(), "/db"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not name a manifest")));
  ASSERT_OK(env::WriteStringToFile(fs_.get(), "MANIFEST-000003\n", "/db/CURRENT", true));
  ASSERT_OK_AND_ASSIGN(std::string path, CurrentManifestPath(fs_.get(), "/db"));
  EXPECT_EQ(path, "/db/MANIFEST-000003");
}

}  // namespace
}  // namespace synapsed::storage::engine
