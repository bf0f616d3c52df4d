// A secured store from one JSON config: access control parsed by
// StorageConfig::FromJson and stacked by the builder (outermost).
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/builder.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kConfig[] = R"({
  "type": "memory",
  "cache": {"policy": "lru", "max_entries": 100},
  "compression": {"enabled": true, "algorithm": "zstd", "min_size": 8},
  "access_control": {
    "roles": {
      "reader": {"rules": [{"prefix": "pub/", "access": "read"}]},
      "writer": {"rules": [{"begin": "pub/", "end": "pub0", "access": "readwrite"},
                           {"begin": "tmp/", "access": "write"}]},
      "root": {"rules": [{"prefix": "", "access": "readwrite"}], "admin": true}
    },
    "users": ["alice", "bob", "root"],
    "grants": {"alice": ["reader"], "bob": ["writer"], "root": ["root"]}
  }
})";

TEST(SecuredBuilder, OneJsonConfig) {
  ASSERT_OK_AND_ASSIGN(StorageConfig config, StorageConfig::FromJson(kConfig));
  ASSERT_TRUE(config.access_control.has_value());
  EXPECT_EQ(config.access_control->roles.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto secured, StorageBuilder(config).BuildSecured());
  EXPECT_EQ(secured->Name(), "acl(cache(compression(memory)))");
  ASSERT_OK_AND_ASSIGN(auto bob, secured->AsPrincipal("bob"));
  ASSERT_OK_AND_ASSIGN(auto alice, secured->AsPrincipal("alice"));
  ASSERT_OK(bob->Put("pub/1", "hello hello hello"));
  ASSERT_OK(bob->Put("tmp/zzz", "x"));
  ASSERT_OK_AND_ASSIGN(std::string value, alice->Get("pub/1"));
  EXPECT_EQ(value, "hello hello hello");
  EXPECT_THAT(alice->Put("pub/2", "x"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(bob->Get("tmp/zzz").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Build() gives the same store, acting as anonymous.
  ASSERT_OK_AND_ASSIGN(auto plain, StorageBuilder(config).Build());
  EXPECT_THAT(plain->Get("pub/1").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(SecuredBuilder, RoundTripsThroughJson) {
  ASSERT_OK_AND_ASSIGN(StorageConfig config, StorageConfig::FromJson(kConfig));
  ASSERT_OK_AND_ASSIGN(StorageConfig again,
                       StorageConfig::FromJson(config.ToJson()));
  EXPECT_EQ(again, config);
}

TEST(SecuredBuilder, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "memory", "access_control": {"rolez": {}}})",
       "access_control.rolez"},
      {R"({"type": "memory", "access_control": {"roles": {"r": {"rules": [{"prefix": "a", "acces": "read"}]}}}})",
       "access_control.roles.r.rules[0].acces"},
      {R"({"type": "memory", "access_control": {"roles": {"r": {"rules": [{"prefix": "a", "access": "all"}]}}}})",
       "access_control.roles.r.rules[0].access"},
      {R"({"type": "memory", "access_control": {"roles": {"r": {"rules": [{"prefix": "a", "begin": "b", "access": "read"}]}}}})",
       "access_control.roles.r.rules[0].prefix"},
      {R"({"type": "memory", "access_control": {"users": "alice"}})",
       "access_control.users"},
      {R"({"type": "memory", "access_control": {"grants": {"alice": [1]}}})",
       "access_control.grants.alice[0]"},
      {R"({"type": "memory", "access_control": []})", "access_control"},
      {R"({"type": "memory", "access_control": {"passwords": ["x"]}})",
       "access_control.passwords"},
      {R"({"type": "memory", "access_control": {"passwords": {"alice": 1}}})",
       "access_control.passwords.alice"},
  };
  for (const auto& [json, field] : cases) {
    SCOPED_TRACE(json);
    EXPECT_THAT(StorageConfig::FromJson(json).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(std::string("\"") + field + "\"")));
  }
  // What only the layer can check fails the build, naming the field.
  ASSERT_OK_AND_ASSIGN(
      StorageConfig bad,
      StorageConfig::FromJson(
          R"({"type": "memory", "access_control": {"users": ["a"], "grants": {"a": ["nope"]}}})"));
  EXPECT_THAT(StorageBuilder(bad).Build().status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access_control.grants.a")));
  // A password where its hash belongs.
  ASSERT_OK_AND_ASSIGN(
      bad, StorageConfig::FromJson(
               R"({"type": "memory", "access_control": {"users": ["a"], "passwords": {"a": "hunter2"}}})"));
  EXPECT_THAT(StorageBuilder(bad).Build().status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access_control.passwords.a")));
}

TEST(SecuredBuilder, PasswordHashesRoundTripThroughJson) {
  ASSERT_OK_AND_ASSIGN(
      StorageConfig config,
      StorageConfig::FromJson(
          R"({"type": "memory", "access_control": {"users": ["a"], "passwords": {"a": )"
          R"("$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg"}}})"));
  ASSERT_EQ(config.access_control->passwords.size(), 1u);
  ASSERT_OK_AND_ASSIGN(StorageConfig again, StorageConfig::FromJson(config.ToJson()));
  EXPECT_EQ(again, config);
  ASSERT_OK_AND_ASSIGN(auto secured, StorageBuilder(config).BuildSecured());
  EXPECT_TRUE(secured->HasPasswords());
  EXPECT_OK(secured->Authenticate("a", "correct horse battery staple"));
}

TEST(SecuredBuilder, AuditFromJson) {
  std::string dir = ::testing::TempDir() + "/secured_audit.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string key = dir + "/audit.key";
  std::ofstream(key) << "synapsed-key-file 1\naudit-1 " << std::string(64, 'a')
                     << "\n";
  ::chmod(key.c_str(), 0600);
  const std::string json = std::string(kConfig).replace(
      std::string(kConfig).rfind('}'), 1,
      ", \"audit\": {\"path\": \"" + dir +
          "/db.audit\", \"hmac_key_file\": \"" + key +
          "\", \"checkpoint_path\": \"" + dir +
          "/db.checkpoints\", "
          "\"sensitive_prefixes\": [\"tmp/\"], \"checkpoint_every_records\": "
          "2}}");
  ASSERT_OK_AND_ASSIGN(StorageConfig config, StorageConfig::FromJson(json));
  ASSERT_TRUE(config.audit.has_value());
  ASSERT_OK_AND_ASSIGN(StorageConfig again,
                       StorageConfig::FromJson(config.ToJson()));
  EXPECT_EQ(again, config);
  {
    ASSERT_OK_AND_ASSIGN(auto secured, StorageBuilder(config).BuildSecured());
    ASSERT_OK_AND_ASSIGN(auto bob, secured->AsPrincipal("bob"));
    ASSERT_OK(bob->Put("pub/1", "v"));
    EXPECT_THAT(bob->Get("x").status(),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  EXPECT_TRUE(std::filesystem::file_size(dir + "/db.audit") > 0);
  EXPECT_TRUE(std::filesystem::file_size(dir + "/db.checkpoints") > 0);
  // Audit records principals: it needs access control.
  config.access_control.reset();
  EXPECT_THAT(StorageBuilder(config).Build().status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access_control")));
  EXPECT_THAT(StorageConfig::FromJson(
                  R"({"type": "memory", "audit": {"path": "x", "bogus": 1}})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"audit.bogus\"")));
  std::filesystem::remove_all(dir);
}

// The config README.md shows (kept in step by hand: parse it here).
TEST(SecuredBuilder, ReadmeExampleParses) {
  constexpr char kReadme[] = R"({
  "type": "rocksdb", "path": "/var/lib/app/db",
  "cache": {"policy": "arc", "max_entries": 100000},
  "compression": {"enabled": true, "algorithm": "zstd"},
  "encryption": {"key_file": "/etc/app/db.key"},
  "access_control": {
    "roles": {
      "reader": {"rules": [{"prefix": "catalog/", "access": "read"}]},
      "orders": {"rules": [{"begin": "order/", "end": "order0", "access": "readwrite"}]},
      "ops": {"rules": [{"prefix": "", "access": "readwrite"}], "admin": true}
    },
    "users": ["web", "checkout", "ops"],
    "grants": {"web": ["reader"], "checkout": ["reader", "orders"], "ops": ["ops"]},
    "passwords": {"ops": "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg"}
  },
  "audit": {
    "path": "/var/log/app/db.audit", "hmac_key_file": "/etc/app/audit.key",
    "checkpoint_path": "/backup/app/db.audit.checkpoints",
    "sensitive_prefixes": ["customer/"], "checkpoint_every_records": 1000
  }
}
)";
  ASSERT_OK_AND_ASSIGN(StorageConfig config, StorageConfig::FromJson(kReadme));
  ASSERT_TRUE(config.access_control.has_value());
  ASSERT_TRUE(config.audit.has_value());
  EXPECT_EQ(config.access_control->grants.at("checkout"),
            (std::vector<std::string>{"reader", "orders"}));
  EXPECT_TRUE(config.access_control->roles.at("ops").admin);
  EXPECT_EQ(config.audit->sensitive_prefixes,
            std::vector<std::string>{"customer/"});
}

TEST(SecuredBuilder, BuildSecuredNeedsAccessControl) {
  EXPECT_THAT(StorageBuilder(StorageConfig::Memory()).BuildSecured().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace synapsed::storage
