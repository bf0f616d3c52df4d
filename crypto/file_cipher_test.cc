#include "crypto/file_cipher.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::crypto {
namespace {

using ::synapsed::storage::testing::StatusIs;

std::shared_ptr<const SecureKey> Key(char fill) {
  auto key = SecureKey::FromHex(std::string(64, fill));
  EXPECT_TRUE(key.ok()) << key.status();
  return std::make_shared<const SecureKey>(*std::move(key));
}

TEST(FileCipher, NonceAndAssociatedDataLayout) {
  const Nonce n = FileCipher::NonceFor(0x0102030405060708ULL);
  EXPECT_EQ(std::string(n.begin(), n.end()),
            std::string("\x08\x07\x06\x05\x04\x03\x02\x01\0\0\0\0", 12));
  FileCipher c(Key('1'), 0x2a, FileKind::kTable);
  EXPECT_EQ(c.AssociatedData(0x10, UnitKind::kIndexBlock, 1),
            std::string("SYNF\x01\x02\x03\x01"
                        "\x2a\0\0\0\0\0\0\0"
                        "\x10\0\0\0\0\0\0\0",
                        24));
}

// A unit opens only where and as what it was sealed: the same offset, unit
// kind, codec, file number, file kind and key.
TEST(FileCipher, AUnitOpensOnlyInItsPlace) {
  FileCipher c(Key('1'), 9, FileKind::kLog);
  std::string sealed;
  ASSERT_OK(c.Seal(4096, UnitKind::kRecord, 0, "payload", &sealed));
  EXPECT_EQ(sealed.size(), 7 + FileCipher::kOverhead);
  EXPECT_EQ(sealed.find("payload"), std::string::npos);
  std::string out = "kept:";
  ASSERT_OK(c.Open(4096, UnitKind::kRecord, 0, sealed, &out));
  EXPECT_EQ(out, "kept:payload");

  const auto fails = StatusIs(absl::StatusCode::kUnauthenticated);
  std::string ignored;
  EXPECT_THAT(c.Open(4097, UnitKind::kRecord, 0, sealed, &ignored), fails);
  EXPECT_THAT(c.Open(4096, UnitKind::kDataBlock, 0, sealed, &ignored), fails);
  EXPECT_THAT(c.Open(4096, UnitKind::kRecord, 1, sealed, &ignored), fails);
  EXPECT_THAT(FileCipher(Key('1'), 10, FileKind::kLog)
                  .Open(4096, UnitKind::kRecord, 0, sealed, &ignored),
              fails);
  EXPECT_THAT(FileCipher(Key('1'), 9, FileKind::kManifest)
                  .Open(4096, UnitKind::kRecord, 0, sealed, &ignored),
              fails);
  EXPECT_THAT(FileCipher(Key('2'), 9, FileKind::kLog)
                  .Open(4096, UnitKind::kRecord, 0, sealed, &ignored),
              fails);
  std::string cut = sealed.substr(0, sealed.size() - 1);
  EXPECT_THAT(c.Open(4096, UnitKind::kRecord, 0, cut, &ignored), fails);
  EXPECT_TRUE(ignored.empty());
}

// The cipher of docs/format/encryption.md's examples: data key 00 01 .. 1f,
// log number 5.
FileCipher DocExampleCipher() {
  std::string hex;
  for (int i = 0; i < 32; ++i) {
    hex += "0123456789abcdef"[i >> 4];
    hex += "0123456789abcdef"[i & 15];
  }
  auto key = SecureKey::FromHex(hex);
  EXPECT_TRUE(key.ok()) << key.status();
  return FileCipher(std::make_shared<const SecureKey>(*std::move(key)), 5, FileKind::kLog);
}

// The worked example of docs/format/encryption.md ("Native engine file
// encryption"): computed independently of this code, opened and reproduced.
TEST(FileCipher, DocExampleOpens) {
  const FileCipher c = DocExampleCipher();
  const std::string sealed(
      "\x25\x17\xf0\x04\xc0"
      "\xab\x7c\x94\x17\x7a\xa7\xd9\x0f\xfe\xde\x72\x5e\xc4\x94\x6b\x26",
      21);
  std::string plain;
  ASSERT_OK(c.Open(32768, UnitKind::kRecord, 0, sealed, &plain));
  EXPECT_EQ(plain, "hello");
  std::string again;
  ASSERT_OK(c.Seal(32768, UnitKind::kRecord, 0, "hello", &again));
  EXPECT_EQ(again, sealed);
}

// docs/format/encryption.md's run example: records "hello" and "world!"
// buffered by an encrypted log and sealed as one run at offset 65536
// (checked against Python's cryptography AESGCM too), opened and reproduced.
TEST(FileCipher, DocExampleRunOpens) {
  const FileCipher c = DocExampleCipher();
  const std::string sealed(
      "\x88\xf8\x1d\x9a\xb1\x2d\x93\x91\x5c\x49\x33\x34\x58"
      "\xe7\xfd\x9d\x75\x77\x9d\x4c\x94\x05\x69\xc4\x86\x59\x92\x30\x81",
      29);
  const std::string run("\x05hello\x06world!", 13);
  std::string plain;
  ASSERT_OK(c.Open(65536, UnitKind::kRecordRun, 0, sealed, &plain));
  EXPECT_EQ(plain, run);
  std::string again;
  ASSERT_OK(c.Seal(65536, UnitKind::kRecordRun, 0, run, &again));
  EXPECT_EQ(again, sealed);
  // The same bytes are not a record: the unit kind is in the associated data.
  EXPECT_THAT(c.Open(65536, UnitKind::kRecord, 0, sealed, &plain),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// Table readers share one cipher: calls at once on its pooled contexts give
// each caller its own unit, opened in its own place only.
TEST(FileCipher, ConcurrentCallsShareTheCipher) {
  const FileCipher c(Key('3'), 5, FileKind::kTable);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (uint64_t i = 0; i < 300; ++i) {
        const uint64_t offset = static_cast<uint64_t>(t) * 1000000 + i * 100;
        const std::string text = std::to_string(offset);
        std::string sealed, opened, ignored;
        ASSERT_OK(c.Seal(offset, UnitKind::kDataBlock, 0, text, &sealed));
        ASSERT_OK(c.Open(offset, UnitKind::kDataBlock, 0, sealed, &opened));
        ASSERT_EQ(opened, text);
        ASSERT_THAT(c.Open(offset + 1, UnitKind::kDataBlock, 0, sealed, &ignored),
                    StatusIs(absl::StatusCode::kUnauthenticated));
      }
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace synapsed::storage::crypto
