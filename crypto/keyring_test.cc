#include "crypto/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

#include "crypto/key_file.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::crypto {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

MasterKey Key(std::string id, uint8_t fill) {
  auto key = SecureKey::Allocate();
  EXPECT_TRUE(key.ok()) << key.status();
  for (uint8_t& b : key->mutable_bytes()) b = fill;
  return MasterKey{std::move(id), *std::move(key)};
}

TEST(Keyring, TheNewestKeyIsCurrentAndEveryKeyStaysFindable) {
  Keyring ring;
  EXPECT_EQ(ring.Current(), nullptr);
  EXPECT_THAT(ring.Find("k1"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown master key id \"k1\" (the keyring "
                                 "holds: none)")));
  ASSERT_OK(ring.Add(Key("k1", 1)));
  EXPECT_EQ(ring.Current()->id, "k1");
  ASSERT_OK(ring.Add(Key("k2", 2)));
  EXPECT_EQ(ring.Current()->id, "k2");
  EXPECT_EQ(ring.Current()->key.bytes()[0], 2);
  ASSERT_OK_AND_ASSIGN(auto k1, ring.Find("k1"));
  EXPECT_EQ(k1->key.bytes()[0], 1);
  EXPECT_THAT(ring.Find("k3"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("\"k3\" (the keyring holds: k1, k2)")));
  EXPECT_EQ(ring.Ids(), (std::vector<std::string>{"k1", "k2"}));
  ASSERT_OK(ring.SetCurrent("k1"));
  EXPECT_EQ(ring.Current()->id, "k1");
  EXPECT_THAT(ring.SetCurrent("k9"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("k9")));
  EXPECT_THAT(ring.Add(Key("k2", 9)),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("\"k2\"")));
  EXPECT_EQ(ring.Find("k2").value()->key.bytes()[0], 2);  // unchanged
  EXPECT_THAT(ring.Add(Key("a b", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ring.Add(Key("", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A key handed out stays valid while the keyring changes under readers.
TEST(Keyring, ConcurrentReadersWhileKeysAreAdded) {
  Keyring ring;
  ASSERT_OK(ring.Add(Key("k0", 0)));
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        std::shared_ptr<const MasterKey> current = ring.Current();
        ASSERT_NE(current, nullptr);
        const int n = std::stoi(current->id.substr(1));
        ASSERT_EQ(current->key.bytes()[0], n);
        ASSERT_OK(ring.Find("k0").status());
      }
    });
  }
  for (int i = 1; i < 200; ++i) {
    ASSERT_OK(ring.Add(Key(fmt::format("k{}", i), i)));
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(ring.Current()->id, "k199");
}

// The embedder's own provider (the callback a KMS client would implement).
class TestProvider final : public KeyProvider {
 public:
  std::vector<std::string> ids = {"kms-1", "kms-2"};
  absl::Status read_error;
  std::vector<std::string> reads;

  absl::StatusOr<std::vector<std::string>> KeyIds() override { return ids; }
  absl::Status ReadKey(std::string_view id,
                       std::span<uint8_t, kMasterKeySize> out) override {
    reads.emplace_back(id);
    if (!read_error.ok()) return read_error;
    for (uint8_t& b : out) b = static_cast<uint8_t>(id.back());
    return absl::OkStatus();
  }
};

TEST(LoadKeyring, FromTheEmbeddersProvider) {
  TestProvider provider;
  ASSERT_OK_AND_ASSIGN(auto ring, LoadKeyring(provider, "", "the KMS"));
  EXPECT_EQ(ring->Ids(), (std::vector<std::string>{"kms-1", "kms-2"}));
  EXPECT_EQ(ring->Current()->id, "kms-2");
  EXPECT_EQ(ring->Current()->key.bytes()[0], '2');
  EXPECT_EQ(provider.reads, (std::vector<std::string>{"kms-1", "kms-2"}));
  ASSERT_OK_AND_ASSIGN(ring, LoadKeyring(provider, "kms-1", "the KMS"));
  EXPECT_EQ(ring->Current()->id, "kms-1");
}

TEST(LoadKeyring, ProviderMistakesAreReported) {
  TestProvider provider;
  EXPECT_THAT(
      LoadKeyring(provider, "kms-3", "the KMS"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("key_id \"kms-3\" is not among the keys of the KMS "
                         "(kms-1, kms-2)")));
  provider.read_error = absl::UnavailableError("KMS unreachable");
  EXPECT_THAT(
      LoadKeyring(provider, "", "the KMS"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("KMS unreachable")));
  provider.read_error = absl::OkStatus();
  provider.ids = {};
  EXPECT_THAT(LoadKeyring(provider, "", "the KMS"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the KMS offers no key")));
  provider.ids = {"a", "b", "a"};
  EXPECT_THAT(LoadKeyring(provider, "", "the KMS"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the KMS offers key id \"a\" twice")));
  provider.ids = {"a", "no spaces"};
  EXPECT_THAT(LoadKeyring(provider, "", "the KMS"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid key id")));
}

TEST(LoadKeyring, FromAConfigWithExactlyOneSource) {
  char tmpl[] = "/tmp/synapsed_keyring_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/key";
  const std::string text =
      fmt::format("{}\nf1 {}\nf2 {}\n", kKeyFileHeader, std::string(64, 'a'),
                  std::string(64, 'b'));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  ::close(fd);

  EncryptionConfig config;
  config.key_file = path;
  ASSERT_OK_AND_ASSIGN(auto ring, LoadKeyring(config));
  EXPECT_EQ(ring->Current()->id, "f2");
  config.key_id = "f1";
  ASSERT_OK_AND_ASSIGN(ring, LoadKeyring(config));
  EXPECT_EQ(ring->Current()->id, "f1");
  config.key_id = "f3";
  EXPECT_THAT(
      LoadKeyring(config),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("\"f3\""), HasSubstr("key file " + path))));

  EncryptionConfig env;
  env.key_env = "SYNAPSED_KEYRING_TEST_KEY";
  ASSERT_EQ(::setenv(env.key_env.c_str(), text.c_str(), 1), 0);
  ASSERT_OK_AND_ASSIGN(ring, LoadKeyring(env));
  EXPECT_EQ(ring->Ids(), (std::vector<std::string>{"f1", "f2"}));
  ::unsetenv(env.key_env.c_str());
  EXPECT_THAT(LoadKeyring(env),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("SYNAPSED_KEYRING_TEST_KEY is not set")));

  EncryptionConfig with_provider;
  with_provider.provider = std::make_shared<TestProvider>();
  ASSERT_OK_AND_ASSIGN(ring, LoadKeyring(with_provider));
  EXPECT_EQ(ring->Current()->id, "kms-2");

  EXPECT_THAT(
      LoadKeyring(EncryptionConfig()),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr(
              "exactly one source of keys (key_file, key_env or a provider), "
              "not 0")));
  with_provider.key_file = path;
  EXPECT_THAT(LoadKeyring(with_provider),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not 2")));
  ::unlink(path.c_str());
  ::rmdir(tmpl);
}

}  // namespace
}  // namespace synapsed::storage::crypto
