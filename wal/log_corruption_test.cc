// Every kind of damage, in the middle of a log and at its tail, read as the
// last log and as an older one, with and without skip_corruption.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/coding.h"
#include "util/status_matchers.h"
#include "wal/log_format.h"
#include "wal/wal_test_util.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::synapsed::storage::wal::testing::EncodeLog;
using ::synapsed::storage::wal::testing::ReadLog;
using ::synapsed::storage::wal::testing::ReadResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kLog = 7;

// A: small; B: three fragments (First in block 0, Middle = block 1, Last in
// block 2); C, D: small, in block 2. D is the last record.
class LogCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    records_ = {std::string(100, 'a'), std::string(2 * kBlockSize, 'b'),
                std::string(50, 'c'), std::string(60, 'd')};
    absl::StatusOr<std::string> bytes = EncodeLog(fs_.get(), records_, kLog);
    ASSERT_TRUE(bytes.ok());
    bytes_ = *bytes;
    ReadResult r = ReadLog(fs_.get(), bytes_, kLog, {});
    ASSERT_TRUE(r.status.ok());
    ASSERT_EQ(r.records, records_);
    offsets_ = r.offsets;  // A, B, C, D
    middle_ = kBlockSize;  // B's First fills block 0, its Middle block 1
  }

  static void FlipBit(std::string* s, uint64_t offset, int bit) {
    (*s)[offset] = static_cast<char>((*s)[offset] ^ (1 << bit));
  }
  // Rewrites the fragment at `offset` with a new type / log number and a
  // correct checksum.
  static void Reseal(std::string* s, uint64_t offset, uint8_t type,
                     uint64_t log_number) {
    char* h = s->data() + offset;
    h[kTypeOffset] = static_cast<char>(type);
    EncodeFixed64(h + kLogNumberOffset, log_number);
    size_t len = DecodeFixed16(h + kLengthOffset);
    EncodeFixed32(
        h, FragmentChecksum(h + kLengthOffset, kChecksummedHeaderBytes + len));
  }

  ReadResult Read(const std::string& bytes, bool last, bool skip) {
    return ReadLog(fs_.get(), bytes, kLog,
                   {.last_log = last, .skip_corruption = skip});
  }

  std::unique_ptr<env::FileSystem> fs_ = env::NewMemFileSystem();
  std::vector<std::string> records_;
  std::string bytes_;
  std::vector<uint64_t> offsets_;
  uint64_t middle_ = 0;
};

struct Damage {
  const char* name;
  std::function<void(std::string*, uint64_t)> apply;  // at a fragment offset
};

std::vector<Damage> HeaderAndPayloadDamage() {
  return {
      {"length bit",
       [](std::string* s, uint64_t o) { (*s)[o + kLengthOffset] ^= 0x04; }},
      {"checksum bit", [](std::string* s, uint64_t o) { (*s)[o + 1] ^= 0x10; }},
      {"payload bit",
       [](std::string* s, uint64_t o) { (*s)[o + kHeaderSize + 3] ^= 0x01; }},
      {"invalid type",
       [](std::string* s, uint64_t o) { (*s)[o + kTypeOffset] = 0x17; }},
      {"type kind bit",
       [](std::string* s, uint64_t o) { (*s)[o + kTypeOffset] ^= 0x01; }},
      {"log number bit",
       [](std::string* s, uint64_t o) {
         (*s)[o + kLogNumberOffset + 2] ^= 0x40;
       }},
      {"zeroed header",
       [](std::string* s, uint64_t o) {
         std::fill(s->begin() + o, s->begin() + o + kHeaderSize, '\0');
       }},
  };
}

TEST_F(LogCorruptionTest, DamageInTheMiddleIsDataLossInEveryLog) {
  // Damage C's fragment, or B's Middle fragment; intact D follows.
  for (uint64_t target : {offsets_[2], middle_}) {
    for (const Damage& d : HeaderAndPayloadDamage()) {
      std::string bytes = bytes_;
      d.apply(&bytes, target);
      for (bool last : {false, true}) {
        ReadResult r = Read(bytes, last, /*skip=*/false);
        EXPECT_THAT(r.status,
                    StatusIs(absl::StatusCode::kDataLoss,
                             HasSubstr("/read.log: WAL corruption at offset " +
                                       std::to_string(target))))
            << d.name << " at " << target;
        // Records before the damage were returned.
        EXPECT_EQ(r.records.size(), target == middle_ ? 1u : 2u) << d.name;

        ReadResult s = Read(bytes, last, /*skip=*/true);
        ASSERT_OK(s.status) << d.name;
        if (target == middle_) {  // B is lost, C and D survive
          EXPECT_THAT(s.records,
                      ElementsAre(records_[0], records_[2], records_[3]));
          EXPECT_EQ(s.skipped, offsets_[2] - offsets_[1]) << d.name;
        } else {
          EXPECT_THAT(s.records,
                      ElementsAre(records_[0], records_[1], records_[3]));
          EXPECT_EQ(s.skipped, offsets_[3] - offsets_[2]) << d.name;
        }
        EXPECT_EQ(s.dropped, 0u);
      }
    }
  }
}

TEST_F(LogCorruptionTest, DamageAtTheTail) {
  const uint64_t d_offset = offsets_[3];
  for (const Damage& d : HeaderAndPayloadDamage()) {
    std::string bytes = bytes_;
    d.apply(&bytes, d_offset);
    const std::vector<std::string> abc(records_.begin(), records_.begin() + 3);
    // The last log: a torn tail, dropped.
    ReadResult r = Read(bytes, /*last=*/true, /*skip=*/false);
    ASSERT_OK(r.status) << d.name;
    EXPECT_EQ(r.records, abc) << d.name;
    // D's payload is not zero, so even a zeroed header leaves a torn tail.
    EXPECT_EQ(r.dropped, bytes.size() - d_offset) << d.name;
    EXPECT_EQ(r.valid_end, d_offset);
    // An older log: DataLoss naming the offset, or skipped.
    ReadResult o = Read(bytes, /*last=*/false, /*skip=*/false);
    EXPECT_THAT(o.status,
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("offset " + std::to_string(d_offset))))
        << d.name;
    ReadResult s = Read(bytes, /*last=*/false, /*skip=*/true);
    ASSERT_OK(s.status) << d.name;
    EXPECT_EQ(s.records, abc);
    EXPECT_EQ(s.skipped, bytes.size() - d_offset) << d.name;
  }
}

TEST_F(LogCorruptionTest, TruncatedHeaderAndPayload) {
  const uint64_t d_offset = offsets_[3];
  const std::vector<std::string> abc(records_.begin(), records_.begin() + 3);
  for (uint64_t cut : {d_offset + 3, d_offset + kHeaderSize - 1,
                       d_offset + kHeaderSize, d_offset + kHeaderSize + 30}) {
    std::string bytes = bytes_.substr(0, cut);
    ReadResult r = Read(bytes, true, false);
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records, abc);
    EXPECT_GT(r.dropped, 0u);
    EXPECT_EQ(r.dropped + r.ignored, cut - d_offset);
    EXPECT_THAT(Read(bytes, false, false).status,
                StatusIs(absl::StatusCode::kDataLoss));
    ReadResult s = Read(bytes, false, true);
    ASSERT_OK(s.status);
    EXPECT_EQ(s.records, abc);
  }
  // Cut inside B (Middle present, Last missing): an incomplete record.
  std::string bytes = bytes_.substr(0, 2 * kBlockSize + 5);
  ReadResult r = Read(bytes, true, false);
  ASSERT_OK(r.status);
  EXPECT_THAT(r.records, ElementsAre(records_[0]));
  EXPECT_EQ(r.dropped, bytes.size() - offsets_[1]);
  EXPECT_THAT(
      Read(bytes, false, false).status,
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("incomplete record")));
}

TEST_F(LogCorruptionTest, ZeroTailIsACleanEndInEveryMode) {
  const uint64_t d_end = bytes_.size();
  // Zeros after the log (preallocated space), and D itself zeroed (never
  // written), spanning a block boundary.
  std::string appended = bytes_ + std::string(kBlockSize + 1000, '\0');
  std::string zeroed = bytes_.substr(0, offsets_[3]) +
                       std::string(d_end - offsets_[3] + kBlockSize, '\0');
  for (bool last : {false, true}) {
    for (bool skip : {false, true}) {
      ReadResult a = Read(appended, last, skip);
      ASSERT_OK(a.status);
      EXPECT_EQ(a.records, records_);
      EXPECT_EQ(a.dropped, 0u);
      EXPECT_EQ(a.skipped, 0u);
      EXPECT_EQ(a.ignored, kBlockSize + 1000);
      EXPECT_EQ(a.valid_end, d_end);
      ReadResult z = Read(zeroed, last, skip);
      ASSERT_OK(z.status);
      EXPECT_EQ(z.records.size(), 3u);
      EXPECT_EQ(z.dropped, 0u);
      EXPECT_EQ(z.ignored, zeroed.size() - offsets_[3]);
    }
  }
  // A zero hole with intact data after it is corruption, not an end.
  std::string hole = bytes_;
  std::fill(hole.begin() + offsets_[2], hole.begin() + offsets_[3], '\0');
  for (bool last : {false, true}) {
    EXPECT_THAT(Read(hole, last, false).status,
                StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST_F(LogCorruptionTest, ForeignLogNumberEndsTheLog) {
  // D rewritten, intact, as a fragment of log 6 (stale data of a recycled
  // file): the log ends cleanly before it.
  std::string bytes = bytes_;
  Reseal(&bytes, offsets_[3], MakeTypeByte(FragmentKind::kFull), 6);
  for (bool last : {false, true}) {
    ReadResult r = Read(bytes, last, false);
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records.size(), 3u);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.ignored, bytes.size() - offsets_[3]);
  }
  // C foreign with our D after it: corruption in the middle.
  bytes = bytes_;
  Reseal(&bytes, offsets_[2], MakeTypeByte(FragmentKind::kFull), 6);
  EXPECT_THAT(Read(bytes, true, false).status,
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("offset " + std::to_string(offsets_[2]))));
  // B's Last foreign: B is incomplete, and C, D of our log follow.
  bytes = bytes_;
  Reseal(&bytes, 2 * kBlockSize, MakeTypeByte(FragmentKind::kLast), 6);
  EXPECT_THAT(Read(bytes, true, false).status,
              StatusIs(absl::StatusCode::kDataLoss));
  ReadResult s = Read(bytes, true, true);
  ASSERT_OK(s.status);
  EXPECT_THAT(s.records, ElementsAre(records_[0], records_[2], records_[3]));
}

TEST_F(LogCorruptionTest, BrokenFragmentSequences) {
  // B's fragment payload sizes.
  const size_t b_first = kBlockSize - offsets_[1] - kHeaderSize;
  const size_t b_middle = kBlockSize - kHeaderSize;
  const size_t b_last = records_[1].size() - b_first - b_middle;
  struct Case {
    const char* name;
    uint64_t offset;
    FragmentKind kind;
    std::vector<std::string> salvaged;  // with skip_corruption
  };
  const std::vector<Case> cases = {
      {"Middle without First",
       offsets_[2],
       FragmentKind::kMiddle,
       {records_[0], records_[1], records_[3]}},
      {"Last without First",
       offsets_[2],
       FragmentKind::kLast,
       {records_[0], records_[1], records_[3]}},
      // C opens a record that D (Full) interrupts: C is dropped.
      {"Full inside a record",
       offsets_[2],
       FragmentKind::kFirst,
       {records_[0], records_[1], records_[3]}},
      // B's First becomes Full: B's Middle and Last are orphans.
      {"orphan Middle and Last",
       offsets_[1],
       FragmentKind::kFull,
       {records_[0], std::string(b_first, 'b'), records_[2], records_[3]}},
      // B's Middle becomes First: a First inside B.
      {"First inside a record",
       middle_,
       FragmentKind::kFirst,
       {records_[0], std::string(b_middle + b_last, 'b'), records_[2],
        records_[3]}},
  };
  for (const Case& c : cases) {
    std::string bytes = bytes_;
    Reseal(&bytes, c.offset, MakeTypeByte(c.kind), kLog);
    for (bool last : {false, true}) {
      EXPECT_THAT(Read(bytes, last, false).status,
                  StatusIs(absl::StatusCode::kDataLoss, HasSubstr("/read.log")))
          << c.name;
      ReadResult s = Read(bytes, last, true);
      ASSERT_OK(s.status) << c.name;
      EXPECT_EQ(s.records, c.salvaged) << c.name;
      EXPECT_GT(s.skipped, 0u) << c.name;
    }
  }
}

TEST_F(LogCorruptionTest, NewerFormatVersionIsRefused) {
  std::string bytes = bytes_;
  Reseal(&bytes, offsets_[2], MakeTypeByte(FragmentKind::kFull, 3), kLog);
  ReadResult r = Read(bytes, true, false);
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("format version 3")));
  EXPECT_EQ(r.records.size(), 2u);
}

// Version 2 (a sealed run's fragments) is read, by a reader without a key
// as the bytes its fragments hold; but one record's fragments all have the
// same version, and a record that mixes them is DataLoss, wherever it is.
TEST_F(LogCorruptionTest, SealedRunFramingIsReadButNotMixedIntoARecord) {
  std::string bytes = bytes_;
  Reseal(&bytes, offsets_[2], MakeTypeByte(FragmentKind::kFull, kSealedRunVersion), kLog);
  ReadResult r = Read(bytes, true, false);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records_);

  bytes = bytes_;
  Reseal(&bytes, middle_, MakeTypeByte(FragmentKind::kMiddle, kSealedRunVersion), kLog);
  r = Read(bytes, true, false);
  EXPECT_THAT(r.status,
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("fragment of format version 2 inside the version-1 record "
                                 "that started at offset " + std::to_string(offsets_[1]))));
  EXPECT_EQ(r.records.size(), 1u);
}

}  // namespace
}  // namespace synapsed::storage::wal
