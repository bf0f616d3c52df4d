// Password hashes (security/password_hash.h): the worked example of
// docs/format/password_hash.md decodes and verifies, fresh hashes verify
// only their own password, and malformed strings are refused.
#include "security/password_hash.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::security {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// The line between a marker and the end of its code block.
std::string Section(const std::string& doc, const std::string& name) {
  const std::string begin = "<!-- " + name + " -->\n```\n";
  const size_t at = doc.find(begin);
  if (at == std::string::npos) return "";
  const size_t from = at + begin.size();
  std::string text = doc.substr(from, doc.find("```", from) - from);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// A cheap cost, so the tests spend no time on key stretching.
constexpr ScryptCost kCheap{.log2_n = 4, .r = 1, .p = 1};

TEST(PasswordHashSpec, WorkedExample) {
  std::ifstream in(std::string(SYNAPSED_SOURCE_DIR) +
                   "/docs/format/password_hash.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string password = Section(doc.str(), "password");
  const std::string salt_hex = Section(doc.str(), "salt");
  const std::string key_hex = Section(doc.str(), "key");
  const std::string encoded = Section(doc.str(), "encoded");
  ASSERT_EQ(password, "correct horse battery staple");
  ASSERT_FALSE(encoded.empty());

  ASSERT_OK_AND_ASSIGN(ParsedPasswordHash parsed, ParsePasswordHash(encoded));
  EXPECT_EQ(parsed.cost.log2_n, 15);
  EXPECT_EQ(parsed.cost.r, 8);
  EXPECT_EQ(parsed.cost.p, 1);
  EXPECT_EQ(absl::BytesToHexString(parsed.salt), salt_hex);
  EXPECT_EQ(absl::BytesToHexString(parsed.hash), key_hex);

  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword(encoded, password));
  EXPECT_TRUE(ok);
  ASSERT_OK_AND_ASSIGN(ok, VerifyPassword(encoded, password + " "));
  EXPECT_FALSE(ok);
  ASSERT_OK_AND_ASSIGN(ok, VerifyPassword(encoded, ""));
  EXPECT_FALSE(ok);
}

TEST(PasswordHash, FreshHashVerifiesOnlyItsPassword) {
  ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("s3cret", kCheap));
  EXPECT_TRUE(h.starts_with("$scrypt$ln=4,r=1,p=1$")) << h;
  EXPECT_EQ(h.find("s3cret"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword(h, "s3cret"));
  EXPECT_TRUE(ok);
  ASSERT_OK_AND_ASSIGN(ok, VerifyPassword(h, "s3creT"));
  EXPECT_FALSE(ok);
  // Bytes, not text: what follows a NUL counts. (Trailing NULs do not:
  // scrypt's PBKDF2-HMAC pads short keys with zeros; the spec says so.)
  ASSERT_OK_AND_ASSIGN(ok, VerifyPassword(h, std::string("s3c\0ret", 7)));
  EXPECT_FALSE(ok);
}

TEST(PasswordHash, EachHashHasItsOwnSalt) {
  std::set<std::string> salts;
  for (int i = 0; i < 8; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string h, HashPassword("same", kCheap));
    ASSERT_OK_AND_ASSIGN(ParsedPasswordHash p, ParsePasswordHash(h));
    EXPECT_EQ(p.salt.size(), kPasswordSaltBytes);
    EXPECT_EQ(p.hash.size(), kPasswordHashBytes);
    salts.insert(p.salt);
  }
  EXPECT_EQ(salts.size(), 8u);
}

TEST(PasswordHash, MalformedIsRefusedWithoutEchoingIt) {
  const std::string good =
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg";
  ASSERT_OK(ParsePasswordHash(good));
  const std::string bad[] = {
      "",
      "hunter2",  // a password pasted where a hash belongs
      "$pbkdf2-sha256$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$r=8,ln=15,p=1$AAECAwQFBgcICQoLDA0ODw$"
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=015,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=25,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"  // 4 GiB of memory
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw==$"  // padded
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0O$"  // 14-byte salt
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"  // 31-byte hash
      "eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVn",
      good + "$",
  };
  for (const std::string& s : bad) {
    auto parsed = ParsePasswordHash(s);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << s;
    if (!s.empty()) {
      EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr(s)));
    }
    EXPECT_THAT(VerifyPassword(s, "x"),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(HashPassword("x", ScryptCost{.log2_n = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace synapsed::storage::security
