// Logs whose records are sealed with a data key (LogWriterOptions::cipher):
// they read back with the key, hold no record in clear, keep the torn-tail
// rules, and a record that is intact as bytes but does not authenticate
// (wrong key, altered with its checksum fixed, copied elsewhere) is DataLoss.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crypto/file_cipher.h"
#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/status_matchers.h"
#include "wal/log_format.h"
#include "wal/wal_test_util.h"

namespace synapsed::storage::wal {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;
using testing::EncodeLog;
using testing::ReadLog;

constexpr uint64_t kLogNumber = 12;

std::shared_ptr<const crypto::SecureKey> NewKey() {
  auto key = crypto::SecureKey::Random();
  EXPECT_TRUE(key.ok()) << key.status();
  return std::make_shared<const crypto::SecureKey>(*std::move(key));
}

class EncryptedLogTest : public ::testing::Test {
 protected:
  EncryptedLogTest()
      : key_(NewKey()), cipher_(key_, kLogNumber, crypto::FileKind::kLog) {}

  std::string Encode(const std::vector<std::string>& records) {
    LogWriterOptions o;
    o.cipher = &cipher_;
    auto bytes = EncodeLog(fs_.get(), records, kLogNumber, o);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : std::string();
  }
  testing::ReadResult Read(const std::string& bytes, const crypto::FileCipher* cipher,
                           bool last_log = false) {
    LogReaderOptions o;
    o.cipher = cipher;
    o.last_log = last_log;
    return ReadLog(fs_.get(), bytes, kLogNumber, o);
  }

  std::unique_ptr<env::FileSystem> fs_ = env::NewMemFileSystem();
  std::shared_ptr<const crypto::SecureKey> key_;
  crypto::FileCipher cipher_;
};

TEST_F(EncryptedLogTest, RecordsOfEverySizeReadBack) {
  // Small records, one that spans three blocks, and one that starts where
  // a block has no room left for a header (its nonce is past the padding).
  // The first record leaves 5 bytes of its block: the second starts in the
  // next block, after padding.
  std::vector<std::string> records = {
      std::string(kBlockSize - kHeaderSize - crypto::FileCipher::kOverhead - 5, 'm'),
      "marker-after-padding", "marker-a", std::string(80000, 'm'), ""};
  const std::string bytes = Encode(records);
  EXPECT_EQ(bytes.find("marker"), std::string::npos);
  EXPECT_EQ(bytes.find("mmmmmmmm"), std::string::npos);
  testing::ReadResult r = Read(bytes, &cipher_);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records);
  EXPECT_EQ(r.offsets[1], kBlockSize);
}

TEST_F(EncryptedLogTest, ARecordThatFillsItsBlockExactlyOrJustOverflowsIt) {
  // The writer seals a record straight into its fragment when the sealed
  // form fits the rest of the block, and otherwise seals it whole and cuts
  // it: the first record fills block 0 to the byte, the second is one byte
  // too long for block 1 and ends in block 2, where the third follows it.
  const size_t fill = kBlockSize - kHeaderSize - crypto::FileCipher::kOverhead;
  std::vector<std::string> records = {std::string(fill, 'a'), std::string(fill + 1, 'b'),
                                      "marker-c"};
  const std::string bytes = Encode(records);
  EXPECT_EQ(bytes.find("marker"), std::string::npos);
  testing::ReadResult r = Read(bytes, &cipher_);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records);
  ASSERT_EQ(r.offsets.size(), 3u);
  EXPECT_EQ(r.offsets[1], kBlockSize);
  EXPECT_EQ(r.offsets[2], 2 * kBlockSize + kHeaderSize + 1);
  EXPECT_EQ(bytes.size(), r.offsets[2] + kHeaderSize + 8 + crypto::FileCipher::kOverhead);
}

TEST_F(EncryptedLogTest, WrongOrMissingKeyIsRefused) {
  const std::string bytes = Encode({"one", "two"});
  crypto::FileCipher other(NewKey(), kLogNumber, crypto::FileKind::kLog);
  EXPECT_THAT(Read(bytes, &other).status,
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("record does not authenticate")));
  // The same key for another file kind or number does not open it either.
  crypto::FileCipher as_manifest(key_, kLogNumber, crypto::FileKind::kManifest);
  EXPECT_THAT(Read(bytes, &as_manifest).status, StatusIs(absl::StatusCode::kDataLoss));
  // Read without a key, a record is the sealed bytes, not the data.
  testing::ReadResult raw = Read(bytes, nullptr);
  ASSERT_OK(raw.status);
  ASSERT_EQ(raw.records.size(), 2u);
  EXPECT_NE(raw.records[0], "one");
  EXPECT_EQ(raw.records[0].size(), 3 + crypto::FileCipher::kOverhead);
}

TEST_F(EncryptedLogTest, AlteredOrCopiedRecordsFail) {
  const std::string bytes = Encode({"first-record", "other-record"});
  testing::ReadResult ok = Read(bytes, &cipher_);
  ASSERT_OK(ok.status);
  ASSERT_EQ(ok.offsets.size(), 2u);
  const size_t fragment = ok.offsets[1] - ok.offsets[0];
  // Altered, with the fragment checksum fixed so only authentication can
  // tell: DataLoss even in the last log (it is not a torn write).
  std::string altered = bytes;
  altered[ok.offsets[1] + kHeaderSize] ^= 1;
  const size_t len = DecodeFixed16(altered.data() + ok.offsets[1] + kLengthOffset);
  EncodeFixed32(altered.data() + ok.offsets[1] + kChecksumOffset,
                FragmentChecksum(altered.data() + ok.offsets[1] + kLengthOffset,
                                 kChecksummedHeaderBytes + len));
  EXPECT_THAT(Read(altered, &cipher_, /*last_log=*/true).status,
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("does not authenticate")));
  // The first record copied over the second (same size, intact fragment).
  std::string copied = bytes;
  copied.replace(ok.offsets[1], fragment, bytes.substr(ok.offsets[0], fragment));
  testing::ReadResult r = Read(copied, &cipher_, /*last_log=*/true);
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kDataLoss,
                                 HasSubstr("offset " + std::to_string(ok.offsets[1]))));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0], "first-record");
}

TEST_F(EncryptedLogTest, ATornTailIsStillDropped) {
  const std::string bytes = Encode({"kept", std::string(5000, 'x')});
  // Cut inside the second record: a crash's torn tail, dropped as before.
  testing::ReadResult r = Read(bytes.substr(0, bytes.size() - 100), &cipher_, true);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, std::vector<std::string>{"kept"});
  EXPECT_GT(r.dropped, 0u);
}

// With a buffer, what the writer buffers is sealed as one unit (a run,
// format version 2) when it is handed over: one seal per buffer, not per
// record. Each record reads back, at its run's offset.
TEST_F(EncryptedLogTest, ABufferedLogSealsRunsOfRecords) {
  std::vector<std::string> records;
  for (int i = 0; i < 60; ++i) records.push_back("marker-" + std::string(100 + i, 'r'));
  records.push_back(std::string(80000, 'm'));  // a run that spans blocks
  records.push_back("");
  records.push_back("marker-last");
  std::vector<crypto::Nonce> nonces;
  crypto::SetSealObserverForTesting(
      [&](const crypto::SecureKey&, const crypto::Nonce& n) { nonces.push_back(n); });
  LogWriterOptions o;
  o.cipher = &cipher_;
  o.buffer_bytes = 2048;
  auto bytes = EncodeLog(fs_.get(), records, kLogNumber, o);
  crypto::SetSealObserverForTesting(nullptr);
  ASSERT_OK(bytes.status());
  EXPECT_EQ(bytes->find("marker"), std::string::npos);
  EXPECT_EQ(bytes->find("mmmmmmmm"), std::string::npos);
  // About 2 KiB per run: 60 small records in a few runs, the big one
  // closing a run of its own, the last two sealed by Close.
  EXPECT_GE(nonces.size(), 4u);
  EXPECT_LE(nonces.size(), 10u);
  EXPECT_EQ(std::set<crypto::Nonce>(nonces.begin(), nonces.end()).size(), nonces.size());

  testing::ReadResult r = Read(*bytes, &cipher_);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records);
  std::set<uint64_t> runs(r.offsets.begin(), r.offsets.end());
  EXPECT_EQ(runs.size(), nonces.size());
  for (uint64_t at : runs) {
    EXPECT_EQ(TypeVersion(static_cast<uint8_t>((*bytes)[at + kTypeOffset])), kSealedRunVersion);
    EXPECT_EQ(crypto::FileCipher::NonceFor(at), nonces[std::distance(runs.begin(), runs.find(at))]);
  }
  // Without a key: a run is one record, its sealed bytes.
  testing::ReadResult raw = Read(*bytes, nullptr);
  ASSERT_OK(raw.status);
  EXPECT_EQ(raw.records.size(), runs.size());
  // Under another key: DataLoss, naming the run.
  crypto::FileCipher other(NewKey(), kLogNumber, crypto::FileKind::kLog);
  EXPECT_THAT(Read(*bytes, &other).status,
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("sealed run does not authenticate")));
}

// A synced record seals the run it ends and hands it over; until then the
// buffered records are not in the file. Sync and Flush seal what is buffered.
TEST_F(EncryptedLogTest, ASyncedRecordSealsItsRun) {
  ASSERT_OK_AND_ASSIGN(auto file, fs_->NewWritableFile("/run.log"));
  LogWriter w(std::move(file), kLogNumber, {.buffer_bytes = 1 << 20, .cipher = &cipher_});
  ASSERT_OK(w.AddRecord("one", false));
  ASSERT_OK(w.AddRecord("two", false));
  EXPECT_GT(w.buffered_bytes(), 0u);
  ASSERT_OK_AND_ASSIGN(std::string before, env::ReadFileToString(fs_.get(), "/run.log"));
  EXPECT_TRUE(before.empty());
  ASSERT_OK(w.AddRecord("three", true));
  EXPECT_EQ(w.buffered_bytes(), 0u);
  ASSERT_OK(w.AddRecord("four", false));
  ASSERT_OK(w.Flush());
  ASSERT_OK(w.AddRecord("five", false));
  ASSERT_OK(w.Sync());
  ASSERT_OK_AND_ASSIGN(std::string bytes, env::ReadFileToString(fs_.get(), "/run.log"));
  EXPECT_EQ(bytes.size(), w.FileSize());
  ASSERT_OK(w.Close());
  testing::ReadResult r = Read(bytes, &cipher_, /*last_log=*/true);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 0, 0, r.offsets[3], r.offsets[4]}));
  EXPECT_LT(r.offsets[3], r.offsets[4]);
  // Cut inside the last run: a torn tail, the runs before it kept whole.
  testing::ReadResult torn = Read(bytes.substr(0, bytes.size() - 3), &cipher_, true);
  ASSERT_OK(torn.status);
  EXPECT_EQ(torn.records, (std::vector<std::string>{"one", "two", "three", "four"}));
}

// A run altered with its fragment checksum fixed fails to open, and one
// whose content authenticates but does not parse (a writer bug) is
// DataLoss too, never a record.
TEST_F(EncryptedLogTest, AnAlteredOrMalformedRunFails) {
  auto bytes = EncodeLog(fs_.get(), {"first", "second"}, kLogNumber,
                         {.buffer_bytes = 1024, .cipher = &cipher_});
  ASSERT_OK(bytes.status());
  std::string altered = *bytes;
  altered[kHeaderSize + 2] ^= 1;
  const size_t len = DecodeFixed16(altered.data() + kLengthOffset);
  EncodeFixed32(altered.data() + kChecksumOffset,
                FragmentChecksum(altered.data() + kLengthOffset, kChecksummedHeaderBytes + len));
  EXPECT_THAT(Read(altered, &cipher_, true).status,
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("offset 0: sealed run does not authenticate")));

  // A run sealed by hand whose second length runs past its end.
  std::string run;
  PutVarint64(&run, 5);
  run += "first";
  PutVarint64(&run, 50);
  run += "short";
  std::string sealed;
  ASSERT_OK(cipher_.Seal(0, crypto::UnitKind::kRecordRun, 0, run, &sealed));
  std::string log(kHeaderSize, '\0');
  log += sealed;
  log[kTypeOffset] = static_cast<char>(MakeTypeByte(FragmentKind::kFull, kSealedRunVersion));
  EncodeFixed16(log.data() + kLengthOffset, static_cast<uint16_t>(sealed.size()));
  EncodeFixed64(log.data() + kLogNumberOffset, kLogNumber);
  EncodeFixed32(log.data() + kChecksumOffset,
                FragmentChecksum(log.data() + kLengthOffset, kChecksummedHeaderBytes + sealed.size()));
  testing::ReadResult r = Read(log, &cipher_, true);
  EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kDataLoss,
                                 HasSubstr("sealed run holds a malformed record at byte 6")));
  EXPECT_EQ(r.records, std::vector<std::string>{"first"});
}

}  // namespace
}  // namespace synapsed::storage::wal
