#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "crypto/key_providers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::crypto {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kHex1 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kHex2 =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

std::string Text(std::string_view body) {
  return std::string(kKeyFileHeader) + "\n" + std::string(body);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_keys_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `text` to a file of exactly `mode` (whatever the umask).
  std::string Write(const std::string& name, std::string_view text,
                    mode_t mode = 0600) {
    const std::string path = dir_ + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    EXPECT_EQ(::fchmod(fd, mode), 0);
    ::close(fd);
    return path;
  }

  std::string dir_;
};

// The example of docs/format/encryption.md, "Key file".
TEST_F(KeyFileTest, DocExampleParses) {
  const std::string text =
      "synapsed-key-file 1\n"
      "# rotated in 2025: test-key-1 stays until every value is re-sealed\n"
      "test-key-1 "
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
      "test-key-2 "
      "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100\n";
  ASSERT_OK_AND_ASSIGN(auto keys, ParseKeyFile(text, "the doc"));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, "test-key-1");
  EXPECT_EQ(keys[1].id, "test-key-2");
  ASSERT_OK_AND_ASSIGN(SecureKey one, SecureKey::FromHex(kHex1));
  ASSERT_OK_AND_ASSIGN(SecureKey two, SecureKey::FromHex(kHex2));
  EXPECT_TRUE(keys[0].key.SameBytes(one));
  EXPECT_TRUE(keys[1].key.SameBytes(two));
}

TEST_F(KeyFileTest, CommentsBlankLinesAndAMissingFinalNewlineAreFine) {
  ASSERT_OK_AND_ASSIGN(
      auto keys, ParseKeyFile(Text(fmt::format("\n# a\n\nk.1 {}\n#\nk_2 {}",
                                               kHex1, kHex2)),
                              "text"));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].id, "k_2");
}

// Each malformed text is refused naming the source, the line and the
// problem, and no error repeats key digits.
TEST_F(KeyFileTest, MalformedTextNamesTheLineAndTheProblem) {
  const std::string long_id(kMaxKeyIdSize + 1, 'i');
  const std::pair<std::string, std::string> cases[] = {
      {"", "src is empty"},
      {Text(""), "src holds no key"},
      {Text("# only a comment\n"), "src holds no key"},
      {fmt::format("k1 {}\n", kHex1),
       "src, line 1: not a key file: the first line must be"},
      {"synapsed-key-file 2\n", "src, line 1: not a key file"},
      {Text(fmt::format("k1{}\n", kHex1)),
       "src, line 2: expected \"<id> <64 hex digits>\""},
      {Text(fmt::format("k1 {}\nk2 {}\n", kHex1, kHex1.substr(0, 62))),
       "src, line 3: key \"k2\": a key is 64 hex digits, not 62 characters"},
      {Text(fmt::format("k1 {}0\n", kHex1)),
       "line 2: key \"k1\": a key is 64 hex digits, not 65"},
      {Text(fmt::format("k1 {}\r\n", kHex1)),
       "(the line ends in a carriage return)"},
      {Text(fmt::format("k1  {}\n", kHex1)),
       "line 2: key \"k1\": a key is 64 hex digits, not 65"},
      {Text(fmt::format("k1 {}z\n", kHex1.substr(1))),
       "character 64 is not one"},
      {Text(fmt::format("bad/id {}\n", kHex1)),
       "line 2: a key id is 1 to 64 characters"},
      {Text(fmt::format(" {}\n", kHex1)), "line 2: a key id is"},
      {Text(fmt::format("{} {}\n", long_id, kHex1)), "line 2: a key id is"},
      {Text(fmt::format("k1 {}\nk1 {}\n", kHex1, kHex2)),
       "line 3: key id \"k1\" is given twice"},
  };
  for (const auto& [text, message] : cases) {
    EXPECT_THAT(
        ParseKeyFile(text, "src"),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr(message), Not(HasSubstr("0405060708090a")),
                       Not(HasSubstr("ddccbbaa")))))
        << text;
  }
}

TEST_F(KeyFileTest, ReadsAFileOnlyItsOwnerCanAccess) {
  const std::string path =
      Write("key", Text(fmt::format("k1 {}\n", kHex1)), 0600);
  ASSERT_OK_AND_ASSIGN(auto keys, ReadKeyFile(path));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].id, "k1");
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_OK(ReadKeyFile(path).status());
}

TEST_F(KeyFileTest, RefusesAFileGroupOrOthersCanAccessNamingFileAndMode) {
  const std::string text = Text(fmt::format("k1 {}\n", kHex1));
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610, 0601, 0644, 0660, 0777}) {
    const std::string path = Write(fmt::format("key{:o}", mode), text, mode);
    EXPECT_THAT(ReadKeyFile(path),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         AllOf(HasSubstr(path),
                               HasSubstr(fmt::format("mode {:04o}", mode)),
                               HasSubstr("chmod 600"))))
        << fmt::format("{:o}", mode);
  }
}

TEST_F(KeyFileTest, MissingDirectoryBigAndMalformedFilesAreRefusedClearly) {
  EXPECT_THAT(
      ReadKeyFile(dir_ + "/absent"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir_ + "/absent")));
  EXPECT_THAT(ReadKeyFile(dir_), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("not a regular file")));
  const std::string big = Write("big", std::string(kMaxKeyFileSize + 1, '#'));
  EXPECT_THAT(ReadKeyFile(big),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(big), HasSubstr("65537 bytes"))));
  const std::string bad = Write("bad", Text("k1 123\n"));
  EXPECT_THAT(ReadKeyFile(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("key file " + bad +
                                 ", line 2: key \"k1\": a key is 64 hex")));
}

TEST_F(KeyFileTest, FileProviderOffersTheKeysInOrder) {
  const std::string path =
      Write("key", Text(fmt::format("old {}\nnew {}\n", kHex1, kHex2)));
  ASSERT_OK_AND_ASSIGN(auto provider, NewKeyFileProvider(path));
  ASSERT_OK_AND_ASSIGN(auto ids, provider->KeyIds());
  EXPECT_EQ(ids, (std::vector<std::string>{"old", "new"}));
  ASSERT_OK_AND_ASSIGN(SecureKey out, SecureKey::Allocate());
  ASSERT_OK(provider->ReadKey("new", out.mutable_bytes()));
  EXPECT_EQ(out.bytes()[0], 0xff);
  EXPECT_THAT(provider->ReadKey("other", out.mutable_bytes()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("\"other\"")));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_THAT(NewKeyFileProvider(path),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(KeyFileTest, EnvProviderReadsKeyFileText) {
  const std::string var = "SYNAPSED_CRYPTO_TEST_KEY";
  ::unsetenv(var.c_str());
  EXPECT_THAT(
      NewEnvKeyProvider(var),
      StatusIs(
          absl::StatusCode::kNotFound,
          HasSubstr(
              "environment variable SYNAPSED_CRYPTO_TEST_KEY is not set")));
  ASSERT_EQ(
      ::setenv(var.c_str(), Text(fmt::format("env-1 {}\n", kHex2)).c_str(), 1),
      0);
  ASSERT_OK_AND_ASSIGN(auto provider, NewEnvKeyProvider(var));
  ASSERT_OK_AND_ASSIGN(auto ids, provider->KeyIds());
  EXPECT_EQ(ids, std::vector<std::string>{"env-1"});
  ASSERT_OK_AND_ASSIGN(SecureKey out, SecureKey::Allocate());
  ASSERT_OK(provider->ReadKey("env-1", out.mutable_bytes()));
  EXPECT_EQ(out.bytes()[31], 0x00);
  EXPECT_EQ(out.bytes()[30], 0x11);
  ASSERT_EQ(::setenv(var.c_str(), fmt::format("env-1 {}", kHex2).c_str(), 1),
            0);
  EXPECT_THAT(
      NewEnvKeyProvider(var),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          AllOf(HasSubstr(
                    "environment variable SYNAPSED_CRYPTO_TEST_KEY, line 1"),
                Not(HasSubstr("ddccbbaa")))));
  ::unsetenv(var.c_str());
}

}  // namespace
}  // namespace synapsed::storage::crypto
