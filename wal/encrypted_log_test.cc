// Logs whose records are sealed with a data key (LogWriterOptions::cipher):
// they read back with the key, hold no record in clear, keep the torn-tail
// rules, and a record that is intact as bytes but does not authenticate
// (wrong key, altered with its checksum fixed, copied elsewhere) is DataLoss.
#include <memory>
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

}  // namespace
}  // namespace synapsed::storage::wal
