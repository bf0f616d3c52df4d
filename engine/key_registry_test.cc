#include "engine/key_registry.h"

#include <memory>
#include <string>

#include "env/mem_env.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "engine/encryption_test_util.h"
#include "gtest/gtest.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

using encryption_testing::Master;
using encryption_testing::Ring;

class KeyRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(fs_->CreateDirIfMissing("/db")); }

  std::string Keys() {
    auto bytes = env::ReadFileToString(fs_.get(), "/db/KEYS");
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : "";
  }
  void WriteKeys(const std::string& bytes) {
    ASSERT_OK(env::WriteStringToFile(fs_.get(), bytes, "/db/KEYS", true));
  }
  // Seals `text` as the record at offset 0 of `cipher`'s file.
  static std::string Seal(const crypto::FileCipher& cipher, std::string_view text) {
    std::string out;
    EXPECT_OK(cipher.Seal(0, crypto::UnitKind::kRecord, 0, text, &out));
    return out;
  }
  static std::string OpenUnit(const crypto::FileCipher& cipher, std::string_view sealed) {
    std::string out;
    absl::Status s = cipher.Open(0, crypto::UnitKind::kRecord, 0, sealed, &out);
    return s.ok() ? out : "<" + s.ToString() + ">";
  }

  std::unique_ptr<env::FileSystem> fs_ = env::NewMemFileSystem();
};

TEST_F(KeyRegistryTest, DataKeysSurviveAReopen) {
  auto ring = Ring({{"k1", '1'}});
  std::string log_unit, table_unit;
  {
    ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", ring));
    ASSERT_OK_AND_ASSIGN(auto log, r->NewFile(3, crypto::FileKind::kLog));
    ASSERT_OK_AND_ASSIGN(auto table, r->NewFile(4, crypto::FileKind::kTable));
    log_unit = Seal(*log, "in the log");
    table_unit = Seal(*table, "in the table");
    EXPECT_THAT(KeyRegistry::Create(fs_.get(), "/db", ring),
                StatusIs(absl::StatusCode::kAlreadyExists));
  }
  ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Open(fs_.get(), "/db", ring));
  EXPECT_EQ(r->master_key_id(), "k1");
  ASSERT_OK_AND_ASSIGN(auto log, r->CipherFor(3, crypto::FileKind::kLog));
  ASSERT_OK_AND_ASSIGN(auto table, r->CipherFor(4, crypto::FileKind::kTable));
  EXPECT_EQ(OpenUnit(*log, log_unit), "in the log");
  EXPECT_EQ(OpenUnit(*table, table_unit), "in the table");
  EXPECT_THAT(r->CipherFor(5, crypto::FileKind::kTable),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no data key for table file 5")));
  EXPECT_THAT(r->CipherFor(3, crypto::FileKind::kTable),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("recorded as a log file")));
  EXPECT_EQ(encryption_testing::FileCounts(r->Generations()), (std::map<std::string, uint64_t>{{"k1", 2}}));
  // No key byte in the file: only wrapped keys.
  const std::string bytes = Keys();
  EXPECT_EQ(bytes.find(std::string(32, '\x11')), std::string::npos);
  EXPECT_FALSE(fs_->FileExists("/db/KEYS.tmp").value());
}

TEST_F(KeyRegistryTest, AReusedFileNumberGetsANewKey) {
  ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", Ring({{"k1", '1'}})));
  ASSERT_OK_AND_ASSIGN(auto first, r->NewFile(9, crypto::FileKind::kLog));
  ASSERT_OK_AND_ASSIGN(auto second, r->NewFile(9, crypto::FileKind::kLog));
  // Same number, same offset, different key: the units differ.
  EXPECT_NE(Seal(*first, "same"), Seal(*second, "same"));
  ASSERT_OK_AND_ASSIGN(auto now, r->CipherFor(9, crypto::FileKind::kLog));
  EXPECT_EQ(OpenUnit(*now, Seal(*second, "x")), "x");
}

TEST_F(KeyRegistryTest, WrongOrMissingMasterKeysAreNamedAndChangeNothing) {
  {
    ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", Ring({{"k1", '1'}})));
    ASSERT_OK(r->NewFile(3, crypto::FileKind::kLog).status());
  }
  const std::string before = Keys();
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", Ring({{"other", '1'}})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("encrypted under master key \"k1\", which is not among "
                                 "the keys given (other)")));
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", Ring({{"k1", '2'}})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the key given as \"k1\" is not the master key")));
  EXPECT_EQ(Keys(), before);
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/nothing", Ring({{"k1", '1'}})),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyRegistryTest, DamageIsDataLossNamingTheFile) {
  {
    ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", Ring({{"k1", '1'}})));
    ASSERT_OK(r->NewFile(3, crypto::FileKind::kLog).status());
    ASSERT_OK(r->NewFile(4, crypto::FileKind::kTable).status());
  }
  const std::string good = Keys();
  auto ring = Ring({{"k1", '1'}});
  for (size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] ^= 0x04;
    WriteKeys(bad);
    EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", ring).status(),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("/db/KEYS: ")))
        << "byte " << at;
  }
  // With the checksum made to match, a wrapped key still does not open.
  std::string bad = good;
  bad[good.size() - 4 - 10] ^= 0x04;  // inside the last wrapped key
  EncodeFixed32(bad.data() + bad.size() - 4,
                static_cast<uint32_t>(Hash64(std::string_view(bad).substr(0, bad.size() - 4))));
  WriteKeys(bad);
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", ring).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("the data key of file 4 does not authenticate")));
  WriteKeys(good.substr(0, good.size() - 1));
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", ring).status(),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(KeyRegistryTest, RotationRewrapsUnderTheNewKeyAndKeepsTheFiles) {
  auto ring = Ring({{"k1", '1'}});
  std::string unit;
  ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", ring));
  {
    ASSERT_OK_AND_ASSIGN(auto log, r->NewFile(3, crypto::FileKind::kLog));
    unit = Seal(*log, "old file");
  }
  ASSERT_OK(ring->Add(Master("k2", '2')));  // now current
  ASSERT_OK(r->NewFile(5, crypto::FileKind::kTable).status());
  EXPECT_EQ(r->master_key_id(), "k1");  // not rotated yet: still wrapped under k1
  EXPECT_EQ(encryption_testing::FileCounts(r->Generations()),
            (std::map<std::string, uint64_t>{{"k1", 1}, {"k2", 1}}));
  ASSERT_OK(r->RotateMasterKey());
  EXPECT_EQ(r->master_key_id(), "k2");
  r.reset();
  // Only the new key is needed now, and the old file still opens.
  ASSERT_OK_AND_ASSIGN(auto reopened, KeyRegistry::Open(fs_.get(), "/db", Ring({{"k2", '2'}})));
  ASSERT_OK_AND_ASSIGN(auto log, reopened->CipherFor(3, crypto::FileKind::kLog));
  EXPECT_EQ(OpenUnit(*log, unit), "old file");
  EXPECT_EQ(reopened->Generations()["k1"], std::vector<uint64_t>{3});
  EXPECT_THAT(KeyRegistry::Open(fs_.get(), "/db", Ring({{"k1", '1'}})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(KeyRegistryTest, ForgottenFilesLeaveWithTheNextWrite) {
  ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Create(fs_.get(), "/db", Ring({{"k1", '1'}})));
  ASSERT_OK(r->NewFile(3, crypto::FileKind::kLog).status());
  r->Forget(3);
  ASSERT_OK(r->NewFile(4, crypto::FileKind::kLog).status());
  ASSERT_OK_AND_ASSIGN(auto reopened,
                       KeyRegistry::Open(fs_.get(), "/db", Ring({{"k1", '1'}})));
  EXPECT_THAT(reopened->CipherFor(3, crypto::FileKind::kLog),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_OK(reopened->CipherFor(4, crypto::FileKind::kLog).status());
}

// The worked example of docs/format/encryption.md ("Key registry"), made
// independently of this code: the file, and the keyring holding its master
// key test-key-1 (bytes 00 01 .. 1f).
std::string DocExample() {
  std::string hex = "73796e61707365642d6b657973010a746573742d6b65792d31b0b1b2b3b4b5b6b7b8b9babba6"
                    "93b9b65a24036253bc9abc65bae3440105010a746573742d6b65792d31c0c1c2c3c4c5c6c7c8"
                    "c9cacb40096524333dd019d090b7e97ee1a6191c22b16c68b749ed729a11516b2021e986f671"
                    "260e55c6df83885d8dbaaf53f497ac3359";
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}
std::shared_ptr<crypto::Keyring> DocExampleRing() {
  std::string key_hex;
  for (int i = 0; i < 32; ++i) key_hex += fmt::format("{:02x}", i);
  auto ring = std::make_shared<crypto::Keyring>();
  auto key = crypto::SecureKey::FromHex(key_hex);
  EXPECT_OK(key);
  if (key.ok()) {
    EXPECT_OK(ring->Add(crypto::MasterKey{"test-key-1", *std::move(key)}));
  }
  return ring;
}

TEST_F(KeyRegistryTest, DocExampleOpens) {
  const std::string bytes = DocExample();
  ASSERT_EQ(bytes.size(), 131u);
  WriteKeys(bytes);
  auto ring = DocExampleRing();
  ASSERT_OK_AND_ASSIGN(auto r, KeyRegistry::Open(fs_.get(), "/db", ring));
  EXPECT_EQ(r->master_key_id(), "test-key-1");
  EXPECT_EQ(encryption_testing::FileCounts(r->Generations()), (std::map<std::string, uint64_t>{{"test-key-1", 1}}));
  ASSERT_OK_AND_ASSIGN(auto log, r->CipherFor(5, crypto::FileKind::kLog));
  // "hello" sealed at offset 0 of log 5 under the data key 40 41 .. 5f.
  EXPECT_EQ(Seal(*log, "hello"),
            std::string("\x32\x51\x5c\x14\xfb\x9b\x57\xd1\x28\xb1\x7f\x4d\x7a\xcd\x1d\x52"
                        "\x35\xff\xc6\xc9\x7f",
                        21));
}

// EncodeKeys with the example's nonces (the seam tests use for files they
// compare byte for byte) writes the example; DecodeKeys reads it back.
TEST(KeysCodec, FixedNoncesMakeTheDocExample) {
  auto ring = DocExampleRing();
  ASSERT_OK_AND_ASSIGN(auto master, ring->Find("test-key-1"));
  ASSERT_OK_AND_ASSIGN(crypto::SecureKey key, crypto::SecureKey::Allocate());
  for (size_t i = 0; i < key.mutable_bytes().size(); ++i) key.mutable_bytes()[i] = static_cast<uint8_t>(0x40 + i);
  std::map<uint64_t, KeysEntry> entries;
  entries[5] = KeysEntry{crypto::FileKind::kLog, "test-key-1",
                         std::make_shared<const crypto::SecureKey>(std::move(key))};
  uint8_t first = 0xb0;
  ASSERT_OK_AND_ASSIGN(
      std::string bytes, EncodeKeys(*master, entries, [&]() -> absl::StatusOr<crypto::Nonce> {
        crypto::Nonce n;
        for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(first + i);
        first += 0x10;
        return n;
      }));
  EXPECT_EQ(bytes, DocExample());
  ASSERT_OK_AND_ASSIGN(KeysContents back, DecodeKeys(bytes, *ring, "KEYS"));
  EXPECT_EQ(back.master_id, "test-key-1");
  ASSERT_EQ(back.entries.size(), 1u);
  EXPECT_EQ(back.entries[5].kind, crypto::FileKind::kLog);
  EXPECT_EQ(back.entries[5].generation, "test-key-1");
  EXPECT_TRUE(back.entries[5].key->SameBytes(*entries[5].key));
  // A failing nonce source fails the encoding.
  EXPECT_THAT(EncodeKeys(*master, entries,
                         []() -> absl::StatusOr<crypto::Nonce> {
                           return absl::InternalError("no randomness");
                         }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("no randomness")));
}

}  // namespace
}  // namespace synapsed::storage::engine
