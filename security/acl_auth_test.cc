// Logging in to the access control layer (SecuredStore::Authenticate) and
// keeping passwords as admin state (SetPasswordHash): right and wrong
// passwords, unknown principals, the audit of every attempt, config errors,
// and that only hashes reach the store's files.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/backend_registry.h"
#include "backends/memory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "security/acl_state_codec.h"
#include "security/acl_store.h"
#include "security/password_hash.h"
#include "util/mutex.h"
#include "util/status_matchers.h"

namespace synapsed::storage::security {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

constexpr ScryptCost kCheap{.log2_n = 4, .r = 1, .p = 1};
constexpr std::string_view kAlicePassword = "alice-pw-93c1";
constexpr std::string_view kRootPassword = "root-pw-5e0b";

std::string Hash(std::string_view password) {
  absl::StatusOr<std::string> h = HashPassword(password, kCheap);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : "";
}

AclConfig AuthConfig() {
  AclConfig c;
  AclRule a;
  a.prefix = "a/";
  a.access = AclRule::Access::kReadWrite;
  c.roles["a_rw"].rules = {a};
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  c.roles["root"].rules = {all};
  c.roles["root"].admin = true;
  c.users = {"alice", "root", "nopass"};
  c.grants = {{"alice", {"a_rw"}}, {"root", {"root"}}, {"nopass", {"a_rw"}}};
  c.passwords = {{"alice", Hash(kAlicePassword)}, {"root", Hash(kRootPassword)}};
  return c;
}

struct Recorded {
  std::string principal, operation;
  absl::StatusCode code;
};

class RecordingSink final : public AuditSink {
 public:
  absl::Status Record(const AuditEvent& e) override {
    MutexLock lock(&mu_);
    events_.push_back({std::string(e.principal), std::string(e.operation), e.code});
    return absl::OkStatus();
  }
  std::vector<Recorded> Auths() {
    MutexLock lock(&mu_);
    std::vector<Recorded> out;
    for (const Recorded& r : events_) {
      if (r.operation == "auth") out.push_back(r);
    }
    return out;
  }

 private:
  Mutex mu_;
  std::vector<Recorded> events_ ABSL_GUARDED_BY(mu_);
};

TEST(AclAuth, RightPasswordActsAsThePrincipal) {
  ASSERT_OK_AND_ASSIGN(auto secured, NewAclStore(NewMemoryStore(), AuthConfig()));
  EXPECT_TRUE(secured->HasPasswords());
  ASSERT_OK_AND_ASSIGN(auto alice, secured->Authenticate("alice", kAlicePassword));
  EXPECT_OK(alice->Put("a/1", "v"));
  EXPECT_THAT(alice->Put("b/1", "v"), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(AclAuth, WrongPasswordUnknownOrPasswordlessPrincipalAllLookAlike) {
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_OK_AND_ASSIGN(auto secured, NewAclStore(NewMemoryStore(), AuthConfig(), sink));
  const std::pair<std::string_view, std::string_view> attempts[] = {
      {"alice", "wrong"},
      {"alice", kRootPassword},  // another principal's password
      {"alice", ""},
      {"nobody", kAlicePassword},
      {"nopass", ""},
      {"nopass", "anything"},
  };
  std::string first_message;
  for (const auto& [user, password] : attempts) {
    auto s = secured->Authenticate(user, password);
    ASSERT_THAT(s, StatusIs(absl::StatusCode::kUnauthenticated)) << user;
    if (first_message.empty()) first_message = std::string(s.status().message());
    EXPECT_EQ(s.status().message(), first_message) << user;
    if (!password.empty()) {
      EXPECT_THAT(std::string(s.status().message()),
                  ::testing::Not(HasSubstr(std::string(password))));
    }
  }
  ASSERT_OK(secured->Authenticate("root", kRootPassword));
  // Every attempt audited, under the name it claimed, with its outcome.
  const std::vector<Recorded> auths = sink->Auths();
  ASSERT_EQ(auths.size(), std::size(attempts) + 1);
  for (size_t i = 0; i < std::size(attempts); ++i) {
    EXPECT_EQ(auths[i].principal, attempts[i].first);
    EXPECT_EQ(auths[i].code, absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(auths.back().principal, "root");
  EXPECT_EQ(auths.back().code, absl::StatusCode::kOk);
}

TEST(AclAuth, SetPasswordHashIsAnAdminChange) {
  ASSERT_OK_AND_ASSIGN(auto secured, NewAclStore(NewMemoryStore(), AuthConfig()));
  const std::string fresh = Hash("new-pw");
  EXPECT_THAT(secured->SetPasswordHash("alice", "alice", fresh),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(secured->Revision(), 0u);
  ASSERT_OK(secured->SetPasswordHash("root", "alice", fresh));
  EXPECT_EQ(secured->Revision(), 1u);
  EXPECT_THAT(secured->Authenticate("alice", kAlicePassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_OK(secured->Authenticate("alice", "new-pw"));
  // Not a hash, or no such principal: refused, nothing changes.
  EXPECT_THAT(secured->SetPasswordHash("root", "alice", "new-pw"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access_control.passwords.alice")));
  EXPECT_THAT(secured->SetPasswordHash("root", "zed", fresh),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(secured->Revision(), 1u);
  EXPECT_OK(secured->Authenticate("alice", "new-pw"));
  // An empty hash removes the password: no more logging in.
  ASSERT_OK(secured->SetPasswordHash("root", "alice", ""));
  EXPECT_THAT(secured->Authenticate("alice", "new-pw"),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(AclAuth, ConfigErrorsNameTheField) {
  AclConfig c = AuthConfig();
  c.passwords["zed"] = Hash("x");
  EXPECT_THAT(NewAclStore(NewMemoryStore(), c).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("access_control.passwords.zed")));
  c = AuthConfig();
  c.passwords["alice"] = "hunter2";  // a password where a hash belongs
  absl::Status s = NewAclStore(NewMemoryStore(), c).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("access_control.passwords.alice")));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("hunter2")));
}

TEST(AclAuth, StateCodecKeepsHashesAndReadsVersionOne) {
  AclState state{AuthConfig(), 7};
  const std::string encoded = EncodeAclState(state);
  EXPECT_EQ(encoded[0], 2);
  ASSERT_OK_AND_ASSIGN(AclState back, DecodeAclState(encoded));
  EXPECT_EQ(back.revision, 7u);
  EXPECT_EQ(back.config, state.config);
  // Without passwords the old version (and bytes) are written and read.
  state.config.passwords.clear();
  const std::string v1 = EncodeAclState(state);
  EXPECT_EQ(v1[0], 1);
  ASSERT_OK_AND_ASSIGN(back, DecodeAclState(v1));
  EXPECT_EQ(back.config, state.config);
  // A truncated password section is corrupt, not silently dropped.
  EXPECT_THAT(DecodeAclState(encoded.substr(0, encoded.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss));
}

// A name repeated where the encoder writes a map's keys is corrupt. A role
// given twice, a range rule and then a prefix rule, once decoded into a
// rule that was both, which the rule-shape check of
// tests/fuzz/acl_state_fuzzer.cc rejects (the input is
// tests/fuzz/corpus/acl_state/crash-repeated-role).
TEST(AclAuth, StateCodecRejectsRepeatedNames) {
  using namespace std::string_literals;
  const std::string role_twice = "\x01\x00\x02\x01x\x00\x01\x02\x00\x01" "a\x01" "b"
                                 "\x01x\x00\x01\x00\x00\x01p\x00\x00"s;
  const std::string grant_twice = "\x01\x00\x00\x00\x02\x01u\x00\x01u\x00"s;
  const std::string password_twice =
      "\x02\x00\x00\x00\x00\x02\x01u\x01h\x01u\x01h"s;
  for (const std::string& bytes : {role_twice, grant_twice, password_twice}) {
    EXPECT_THAT(DecodeAclState(bytes), StatusIs(absl::StatusCode::kDataLoss));
  }
  // The same bytes with the second name changed decode.
  std::string two_roles = role_twice;
  two_roles[two_roles.find("\x01x", 5) + 1] = 'y';
  ASSERT_OK_AND_ASSIGN(AclState state, DecodeAclState(two_roles));
  EXPECT_EQ(state.config.roles.size(), 2u);
  EXPECT_EQ(EncodeAclState(state), two_roles);
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AclAuthDurability, PasswordChangesSurviveReopenAndOnlyHashesAreStored) {
  std::string tmpl = ::testing::TempDir() + "/acl_auth.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  StorageConfig native = StorageConfig::Native(tmpl + "/db");
  constexpr std::string_view kNewPassword = "fresh-pw-d41f7";
  {
    ASSERT_OK_AND_ASSIGN(auto inner, OpenBackend(native));
    ASSERT_OK_AND_ASSIGN(auto secured, NewAclStore(std::move(inner), AuthConfig()));
    ASSERT_OK(secured->SetPasswordHash("root", "alice", Hash(kNewPassword)));
    ASSERT_OK(secured->Authenticate("alice", kNewPassword));
  }
  ASSERT_OK_AND_ASSIGN(auto inner, OpenBackend(native));
  ASSERT_OK_AND_ASSIGN(auto secured, NewAclStore(std::move(inner), AuthConfig()));
  EXPECT_EQ(secured->Revision(), 1u);
  EXPECT_OK(secured->Authenticate("alice", kNewPassword));
  EXPECT_THAT(secured->Authenticate("alice", kAlicePassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  secured.reset();
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tmpl)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadAll(entry.path());
    for (std::string_view pw : {kNewPassword, kAlicePassword, kRootPassword}) {
      EXPECT_EQ(bytes.find(pw), std::string::npos) << entry.path() << " holds " << pw;
    }
  }
  EXPECT_GT(files, 0u);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace synapsed::storage::security
