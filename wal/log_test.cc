// LogWriter/LogReader round trips, block fragmentation, buffering, torn tails
// and the worked example of docs/format/wal.md.
#include <string>
#include <vector>

#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/coding.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::wal::testing::EncodeLog;
using ::synapsed::storage::wal::testing::ReadLog;
using ::synapsed::storage::wal::testing::ReadResult;
using ::testing::ElementsAre;

std::string FromHex(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  };
  int pending = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n') continue;
    if (pending < 0) {
      pending = nibble(c);
    } else {
      out.push_back(static_cast<char>(pending << 4 | nibble(c)));
      pending = -1;
    }
  }
  return out;
}

class LogTest : public ::testing::Test {
 protected:
  std::unique_ptr<env::FileSystem> fs_ = env::NewMemFileSystem();
};

TEST_F(LogTest, EmptyLogEndsCleanly) {
  for (bool last : {false, true}) {
    ReadResult r = ReadLog(fs_.get(), "", 3, {.last_log = last});
    EXPECT_OK(r.status);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.ignored, 0u);
  }
}

TEST_F(LogTest, RoundTripRandomRecords) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  std::vector<std::string> records;
  for (int i = 0; i < 600; ++i) {
    size_t len;
    switch (rnd.Uniform(10)) {
      case 0:
        len = 0;
        break;
      case 1:
        len = rnd.Uniform(3 * kBlockSize);  // spans several blocks
        break;
      case 2:
        len = kBlockSize - kHeaderSize - rnd.Uniform(2 * kHeaderSize);
        break;
      default:
        len = rnd.Uniform(300);
    }
    records.push_back(rnd.Bytes(len));
  }
  for (size_t buffer : {size_t{0}, size_t{100}, size_t{64 * 1024}}) {
    ASSERT_OK_AND_ASSIGN(
        std::string bytes,
        EncodeLog(fs_.get(), records, 42, {.buffer_bytes = buffer}));
    ReadResult r = ReadLog(fs_.get(), bytes, 42, {.last_log = false});
    ASSERT_OK(r.status) << "buffer " << buffer;
    ASSERT_EQ(r.records.size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(r.records[i], records[i]) << "record " << i << " seed " << seed;
    }
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.ignored, 0u);
    EXPECT_EQ(r.valid_end, bytes.size());
    // Read as another log's file: every fragment is foreign, nothing is ours.
    ReadResult other = ReadLog(fs_.get(), bytes, 43, {.last_log = false});
    EXPECT_OK(other.status);
    EXPECT_TRUE(other.records.empty());
    EXPECT_EQ(other.ignored, bytes.size());
  }
}

TEST_F(LogTest, FragmentsNeverCrossBlocks) {
  // First record leaves exactly `room` bytes in block 0.
  for (size_t room : {size_t{0}, size_t{1}, kHeaderSize - 1, kHeaderSize,
                      kHeaderSize + 1, size_t{100}}) {
    const size_t first_len = kBlockSize - kHeaderSize - room;
    std::vector<std::string> records = {std::string(first_len, 'a'),
                                        std::string(200, 'b'), "c"};
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeLog(fs_.get(), records, 9));
    // Walk the headers: each fragment lies inside one block.
    std::vector<uint8_t> kinds;
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t left = kBlockSize - pos % kBlockSize;
      if (left < kHeaderSize) {
        EXPECT_EQ(bytes.substr(pos, left), std::string(left, '\0'));
        pos += left;
        continue;
      }
      size_t len = DecodeFixed16(bytes.data() + pos + kLengthOffset);
      ASSERT_LE(kHeaderSize + len, left) << "room " << room;
      kinds.push_back(TypeKind(static_cast<uint8_t>(bytes[pos + kTypeOffset])));
      EXPECT_EQ(DecodeFixed64(bytes.data() + pos + kLogNumberOffset), 9u);
      pos += kHeaderSize + len;
    }
    EXPECT_EQ(pos, bytes.size());
    if (room >= kHeaderSize) {
      // "b" starts in block 0: a First there (empty when room == header).
      EXPECT_THAT(kinds, ElementsAre(1, 2, 4, 1)) << "room " << room;
    } else {
      EXPECT_THAT(kinds, ElementsAre(1, 1, 1)) << "room " << room;
    }
    ReadResult r = ReadLog(fs_.get(), bytes, 9, {});
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records, records);
    const uint64_t b_offset =
        room < kHeaderSize ? kBlockSize : first_len + kHeaderSize;
    EXPECT_THAT(r.offsets, ElementsAre(0, b_offset, ::testing::_));
  }
}

TEST_F(LogTest, DocExampleDecodes) {
  // docs/format/wal.md, "Worked example".
  std::string bytes = FromHex(
      "8a 30 db fa 05 00 11 07 00 00 00 00 00 00 00"
      "68 65 6c 6c 6f");
  bytes += FromHex("d9 02 4a 24 dd 7f 12 07 00 00 00 00 00 00 00");
  bytes += std::string(32733, 'b');
  ASSERT_EQ(bytes.size(), 0x8000u);
  bytes += FromHex("62 ff 64 47 1b 00 14 07 00 00 00 00 00 00 00");
  bytes += std::string(27, 'b');
  ASSERT_EQ(bytes.size(), 0x802au);
  bytes += FromHex("ee 90 50 a3 03 00 11 07 00 00 00 00 00 00 00 62 79 65");
  ASSERT_EQ(bytes.size(), 32828u);

  const std::vector<std::string> expected = {"hello", std::string(32760, 'b'),
                                             "bye"};
  ReadResult r = ReadLog(fs_.get(), bytes, 7, {});
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, expected);
  EXPECT_THAT(r.offsets, ElementsAre(0, 20, 0x802a));
  // The writer produces exactly these bytes.
  ASSERT_OK_AND_ASSIGN(std::string written, EncodeLog(fs_.get(), expected, 7));
  EXPECT_EQ(written, bytes);
  // The torn-tail example: cut one byte into B's Last payload.
  ReadResult torn =
      ReadLog(fs_.get(), bytes.substr(0, 0x8010), 7, {.last_log = true});
  ASSERT_OK(torn.status);
  EXPECT_THAT(torn.records, ElementsAre("hello"));
  EXPECT_EQ(torn.dropped, 32764u);
  ReadResult older = ReadLog(fs_.get(), bytes.substr(0, 0x8010), 7, {});
  EXPECT_THAT(older.status, ::synapsed::storage::testing::StatusIs(
                                absl::StatusCode::kDataLoss,
                                ::testing::HasSubstr("offset 20")));
}

// Expected dropped bytes when a log is cut at `cut` inside a record that
// starts at `start`: up to the last non-zero byte before the cut.
uint64_t ExpectedDropped(const std::string& bytes, uint64_t start,
                         uint64_t cut) {
  for (uint64_t i = cut; i > start; --i) {
    if (bytes[i - 1] != 0) return i - start;
  }
  return 0;
}

TEST_F(LogTest, TornTailAtEveryOffsetOfTheLastRecord) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  Random rnd(seed);
  // Scenario room: bytes left in block 0 after the second-to-last record;
  // the last record (300 bytes) then spans the boundary or follows padding.
  for (size_t room : {size_t{7}, size_t{100}}) {
    std::vector<std::string> records;
    for (int i = 0; i < 20; ++i)
      records.push_back(rnd.Bytes(rnd.Uniform(500), true));
    ASSERT_OK_AND_ASSIGN(std::string prefix, EncodeLog(fs_.get(), records, 5));
    records.push_back(
        rnd.Bytes(kBlockSize - prefix.size() - kHeaderSize - room, true));
    records.push_back(rnd.Bytes(300, true));
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeLog(fs_.get(), records, 5));
    ReadResult full = ReadLog(fs_.get(), bytes, 5, {});
    ASSERT_OK(full.status);
    ASSERT_EQ(full.records, records);
    const uint64_t last_start = full.offsets.back();
    const uint64_t prev_end = kBlockSize - room;
    const std::vector<std::string> earlier(records.begin(), records.end() - 1);
    for (uint64_t cut = prev_end; cut < bytes.size(); ++cut) {
      const std::string cut_bytes = bytes.substr(0, cut);
      ReadResult r = ReadLog(fs_.get(), cut_bytes, 5, {.last_log = true});
      ASSERT_OK(r.status) << "cut " << cut << " seed " << seed;
      ASSERT_EQ(r.records, earlier) << "cut " << cut;
      const uint64_t dropped =
          cut > last_start ? ExpectedDropped(bytes, last_start, cut) : 0;
      ASSERT_EQ(r.dropped, dropped) << "cut " << cut;
      ASSERT_EQ(r.dropped + r.ignored, cut - std::min(cut, r.valid_end))
          << "cut " << cut;
      // An older log must not end torn.
      ReadResult older = ReadLog(fs_.get(), cut_bytes, 5, {});
      if (dropped > 0) {
        ASSERT_EQ(older.status.code(), absl::StatusCode::kDataLoss) << cut;
      } else {
        ASSERT_OK(older.status) << "cut " << cut;
      }
    }
  }
}

// The manifest's rule (LogReaderOptions::only_short_tails_are_torn): a final
// record cut short by the end of the file is a torn tail and dropped, but a
// whole final record that does not decode is damage. The only flips that
// still read as torn are those that make a fragment's length run past the
// end of the file, which a cut cannot be told apart from.
TEST_F(LogTest, OnlyShortTailsAreTornWhenAsked) {
  const LogReaderOptions strict{.last_log = true, .only_short_tails_are_torn = true};
  Random rnd(::synapsed::storage::testing::TestSeed());
  for (size_t last_size : {size_t{60}, size_t{kBlockSize + 200}}) {
    std::vector<std::string> records = {rnd.Bytes(300, true), rnd.Bytes(40, true),
                                        rnd.Bytes(last_size, true)};
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeLog(fs_.get(), records, 4));
    ReadResult full = ReadLog(fs_.get(), bytes, 4, strict);
    ASSERT_OK(full.status);
    ASSERT_EQ(full.records, records);
    const std::vector<std::string> earlier(records.begin(), records.end() - 1);
    const uint64_t last_start = full.offsets.back();
    // Reading damage scans the rest of the file for intact fragments, which
    // costs a checksum per plausible offset: sample positions, don't sweep,
    // and fewer in the 33 KiB log (this runs under TSan too).
    const int samples = last_size > kBlockSize ? 30 : 200;
    for (int i = 0; i < samples; ++i) {
      const uint64_t cut = last_start + 1 + rnd.Uniform(bytes.size() - last_start - 1);
      ReadResult r = ReadLog(fs_.get(), bytes.substr(0, cut), 4, strict);
      ASSERT_OK(r.status) << "cut " << cut;
      ASSERT_EQ(r.records, earlier) << "cut " << cut;
    }
    // Where each fragment header's length field is (the flips a cut can hide).
    std::vector<uint64_t> length_fields = {last_start + kLengthOffset};
    for (uint64_t b = kBlockSize; b < bytes.size(); b += kBlockSize) {
      length_fields.push_back(b + kLengthOffset);  // a later fragment's header
    }
    int damage = 0;
    std::vector<uint64_t> offsets;
    for (uint64_t h = last_start; h < last_start + kHeaderSize; ++h) offsets.push_back(h);
    for (int i = 0; i < samples; ++i) {
      offsets.push_back(last_start + rnd.Uniform(bytes.size() - last_start));
    }
    for (uint64_t off : offsets) {
      for (int bit = 0; bit < 8; bit += 5) {
        std::string flipped = bytes;
        flipped[off] = static_cast<char>(flipped[off] ^ (1 << bit));
        ReadResult r = ReadLog(fs_.get(), flipped, 4, strict);
        bool in_length = false;
        for (uint64_t f : length_fields) in_length = in_length || (off >= f && off < f + 2);
        if (r.status.ok()) {
          ASSERT_TRUE(in_length) << "a flip at " << off << " was dropped as a torn tail";
          ASSERT_EQ(r.records, earlier);
        } else {
          ASSERT_EQ(r.status.code(), absl::StatusCode::kDataLoss) << off;
          ++damage;
        }
      }
    }
    EXPECT_GT(damage, 0);
  }
}

TEST_F(LogTest, BufferedWriterHandsOverOnFillSyncAndClose) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile("/buf.log"));
  LogWriter w(std::move(file), 11, {.buffer_bytes = 1000});
  auto file_size = [&] { return fs_->GetFileSize("/buf.log").value(); };
  const std::string rec(100, 'x');
  ASSERT_OK(w.AddRecord(rec, false));
  ASSERT_OK(w.AddRecord(rec, false));
  EXPECT_EQ(file_size(), 0u);  // no syscall per unsynced record
  EXPECT_EQ(w.FileSize(), 2 * (kHeaderSize + 100));
  EXPECT_EQ(w.buffered_bytes(), 2 * (kHeaderSize + 100));
  // A crash now loses both buffered records: the file holds a prefix (none).
  ASSERT_OK(w.AddRecord(rec, /*sync=*/true));  // a sync record hands all over
  EXPECT_EQ(file_size(), 3 * (kHeaderSize + 100));
  EXPECT_EQ(w.buffered_bytes(), 0u);
  for (int i = 0; i < 8; ++i) ASSERT_OK(w.AddRecord(rec, false));
  // 8 * 115 = 920 < 1000 bytes: still buffered; the 9th fills the buffer.
  EXPECT_EQ(file_size(), 3 * (kHeaderSize + 100));
  ASSERT_OK(w.AddRecord(rec, false));
  EXPECT_EQ(file_size(), 12 * (kHeaderSize + 100));
  ASSERT_OK(w.AddRecord(rec, false));
  ASSERT_OK(w.Flush());
  EXPECT_EQ(file_size(), 13 * (kHeaderSize + 100));
  ASSERT_OK(w.AddRecord(rec, false));
  ASSERT_OK(w.Sync());
  ASSERT_OK(w.AddRecord("tail", false));
  // Reading the file now sees a prefix: everything handed over so far.
  ASSERT_OK_AND_ASSIGN(std::string mid,
                       env::ReadFileToString(fs_.get(), "/buf.log"));
  ReadResult r = ReadLog(fs_.get(), mid, 11, {.last_log = true});
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records.size(), 14u);
  ASSERT_OK(w.Close());
  EXPECT_THAT(w.AddRecord(rec, false),
              ::synapsed::storage::testing::StatusIs(
                  absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::string all,
                       env::ReadFileToString(fs_.get(), "/buf.log"));
  r = ReadLog(fs_.get(), all, 11, {});
  ASSERT_OK(r.status);
  ASSERT_EQ(r.records.size(), 15u);
  EXPECT_EQ(r.records.back(), "tail");
}

TEST_F(LogTest, AppendingContinuesTheBlockLayout) {
  // A second writer on the same file (as after recovery) continues at the
  // right block position; the result equals one writer writing everything.
  Random rnd(::synapsed::storage::testing::TestSeed());
  std::vector<std::string> records;
  for (int i = 0; i < 50; ++i) records.push_back(rnd.Bytes(rnd.Uniform(4000)));
  ASSERT_OK_AND_ASSIGN(std::string expected, EncodeLog(fs_.get(), records, 3));
  {
    ASSERT_OK_AND_ASSIGN(auto f, fs_->NewWritableFile("/app.log"));
    LogWriter w(std::move(f), 3);
    for (int i = 0; i < 25; ++i) ASSERT_OK(w.AddRecord(records[i], false));
    ASSERT_OK(w.Close());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto f, fs_->NewAppendableFile("/app.log"));
    LogWriter w(std::move(f), 3);
    EXPECT_EQ(w.FileSize(), fs_->GetFileSize("/app.log").value());
    for (int i = 25; i < 50; ++i)
      ASSERT_OK(w.AddRecord(records[i], i % 7 == 0));
    ASSERT_OK(w.Close());
  }
  ASSERT_OK_AND_ASSIGN(std::string got,
                       env::ReadFileToString(fs_.get(), "/app.log"));
  EXPECT_EQ(got, expected);
}

TEST_F(LogTest, RecycledFileEndsAtTheOlderLog) {
  // Log 8 overwrote the start of a file that held log 6: log 6's remains
  // (a cut fragment, then intact fragments) are not log 8's data.
  Random rnd(::synapsed::storage::testing::TestSeed());
  std::vector<std::string> old_records, new_records;
  for (int i = 0; i < 40; ++i) old_records.push_back(rnd.Bytes(3000, true));
  for (int i = 0; i < 10; ++i) new_records.push_back(rnd.Bytes(2500, true));
  ASSERT_OK_AND_ASSIGN(std::string old_bytes,
                       EncodeLog(fs_.get(), old_records, 6));
  ASSERT_OK_AND_ASSIGN(std::string new_bytes,
                       EncodeLog(fs_.get(), new_records, 8));
  std::string file = new_bytes + old_bytes.substr(new_bytes.size());
  for (bool last : {false, true}) {
    ReadResult r = ReadLog(fs_.get(), file, 8, {.last_log = last});
    ASSERT_OK(r.status);
    EXPECT_EQ(r.records, new_records);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(r.ignored, file.size() - new_bytes.size());
    EXPECT_EQ(r.valid_end, new_bytes.size());
  }
}

}  // namespace
}  // namespace synapsed::storage::wal
