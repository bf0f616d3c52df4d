// The access control layer over the memory backend (and a native store for
// durability): a table of single operations, then batches, transactions,
// run-time changes and the reserved prefix.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/change_stream_test_util.h"
#include "backends/backend_registry.h"
#include "backends/memory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "security/acl_store.h"
#include "util/status_matchers.h"

namespace synapsed::storage::security {
namespace {

using ::synapsed::storage::testing::DrainChanges;
using ::synapsed::storage::testing::IsOk;
using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

AclRule Prefix(std::string p, AclRule::Access a) {
  AclRule r;
  r.prefix = std::move(p);
  r.access = a;
  return r;
}

AclRule Range(std::string begin, std::optional<std::string> end,
              AclRule::Access a) {
  AclRule r;
  r.begin = std::move(begin);
  r.end = std::move(end);
  r.access = a;
  return r;
}

// alice reads a/; bob reads and writes [m, n) and reads [x, ...); carol has
// an empty range; root may do anything and administer; dave has no role.
AclConfig TestConfig() {
  using A = AclRule::Access;
  AclConfig c;
  c.roles["a_reader"].rules = {Prefix("a/", A::kRead)};
  c.roles["m_writer"].rules = {Range("m", "n", A::kReadWrite)};
  c.roles["x_reader"].rules = {Range("x", std::nullopt, A::kRead)};
  c.roles["empty"].rules = {Range("k", "k", A::kReadWrite)};
  c.roles["root"].rules = {Prefix("", A::kReadWrite)};
  c.roles["root"].admin = true;
  c.users = {"alice", "bob", "carol", "root", "dave"};
  c.grants = {{"alice", {"a_reader"}},
              {"bob", {"m_writer", "x_reader"}},
              {"carol", {"empty"}},
              {"root", {"root"}}};
  return c;
}

const std::string kReservedKey = std::string(kAclReservedPrefix) + "state";
constexpr std::string_view kSecretValue = "secret-value-7f3a";

class AclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(secured_, NewAclStore(NewMemoryStore(), TestConfig()));
    ASSERT_OK_AND_ASSIGN(root_, secured_->AsPrincipal("root"));
    for (const char* k : {"a", "a/", "a/1", "a/2", "a0", "b/x", "l", "m", "m1",
                          "n", "w", "x", "y"}) {
      ASSERT_OK(root_->Put(k, kSecretValue));
    }
  }
  std::unique_ptr<Store> As(std::string_view p) {
    auto s = secured_->AsPrincipal(p);
    EXPECT_OK(s);
    return s.ok() ? *std::move(s) : nullptr;
  }
  absl::StatusOr<std::string> ScanKeys(Store* s, const KeyRange& r) {
    auto kvs = s->Scan(r);
    if (!kvs.ok()) return kvs.status();
    std::string keys;
    for (const KeyValue& kv : *kvs) keys += kv.key + " ";
    return keys;
  }

  std::unique_ptr<SecuredStore> secured_;
  std::unique_ptr<Store> root_;
};

enum class Op { kGet, kExists, kPut, kDelete, kScan, kBatchGet, kBatchPut };

struct Case {
  const char* what;
  const char* principal;
  Op op;
  std::vector<std::string> keys;  // kScan: {start, end}, "" for open ends
  absl::StatusCode want;
};

absl::Status RunCase(Store* s, const Case& c) {
  switch (c.op) {
    case Op::kGet:
      return s->Get(c.keys[0]).status();
    case Op::kExists:
      return s->Exists(c.keys[0]).status();
    case Op::kPut:
      return s->Put(c.keys[0], "v");
    case Op::kDelete:
      return s->Delete(c.keys[0]);
    case Op::kScan: {
      KeyRange r;
      if (!c.keys[0].empty()) r.start = c.keys[0];
      if (!c.keys[1].empty()) r.end = c.keys[1];
      return s->Scan(r).status();
    }
    case Op::kBatchGet: {
      std::vector<std::string_view> keys(c.keys.begin(), c.keys.end());
      return s->BatchGet(ReadOptions(), keys).status();
    }
    case Op::kBatchPut: {
      std::vector<std::pair<std::string_view, std::string_view>> kvs;
      for (const std::string& k : c.keys) kvs.emplace_back(k, "v");
      return s->BatchPut(WriteOptions(), kvs);
    }
  }
  return absl::InternalError("unknown op");
}

constexpr auto kOk = absl::StatusCode::kOk;
constexpr auto kDenied = absl::StatusCode::kPermissionDenied;
constexpr auto kNotFound = absl::StatusCode::kNotFound;

const Case kCases[] = {
    // Prefix edges: a/ holds "a/" and "a/\xff..", not "a" nor "a0".
    {"prefix itself", "alice", Op::kGet, {"a/"}, kOk},
    {"inside prefix", "alice", Op::kGet, {"a/1"}, kOk},
    {"absent inside prefix", "alice", Op::kGet, {"a/9"}, kNotFound},
    {"a0 is past a/", "alice", Op::kGet, {"a0"}, kDenied},
    {"a is before a/", "alice", Op::kGet, {"a"}, kDenied},
    {"exists needs read", "alice", Op::kExists, {"b/x"}, kDenied},
    {"read-only may not put", "alice", Op::kPut, {"a/1"}, kDenied},
    {"read-only may not delete", "alice", Op::kDelete, {"a/1"}, kDenied},
    {"scan the prefix", "alice", Op::kScan, {"a/", "a0"}, kOk},
    {"scan partly outside", "alice", Op::kScan, {"a/", "a1"}, kDenied},
    {"scan starting before", "alice", Op::kScan, {"a", "a0"}, kDenied},
    {"scan everything", "alice", Op::kScan, {"", ""}, kDenied},
    {"empty scan range", "alice", Op::kScan, {"q", "q"}, kOk},
    {"batch get all readable", "alice", Op::kBatchGet, {"a/1", "a/2"}, kOk},
    {"batch get one forbidden",
     "alice",
     Op::kBatchGet,
     {"a/1", "b/x"},
     kDenied},
    // [m, n): end exclusive.
    {"range begin", "bob", Op::kPut, {"m"}, kOk},
    {"inside range", "bob", Op::kPut, {"mzzz"}, kOk},
    {"range end excluded", "bob", Op::kPut, {"n"}, kDenied},
    {"before range", "bob", Op::kGet, {"l"}, kDenied},
    {"scan the range", "bob", Op::kScan, {"m", "n"}, kOk},
    {"scan one past the range",
     "bob",
     Op::kScan,
     {"m", std::string("n\0", 2)},
     kDenied},
    // [x, open).
    {"open range start", "bob", Op::kGet, {"x"}, kOk},
    {"open range far", "bob", Op::kGet, {"\xfe\xfe"}, kNotFound},
    {"before open range", "bob", Op::kGet, {"w"}, kDenied},
    {"scan to the end", "bob", Op::kScan, {"x", ""}, kOk},
    {"scan from before", "bob", Op::kScan, {"w", ""}, kDenied},
    {"open range is read only", "bob", Op::kPut, {"y"}, kDenied},
    {"batch put one forbidden", "bob", Op::kBatchPut, {"m7", "n7"}, kDenied},
    // An empty range [k, k) grants nothing.
    {"empty range grants nothing", "carol", Op::kPut, {"k"}, kDenied},
    {"no role, no rights", "dave", Op::kGet, {"a/1"}, kDenied},
    // The reserved prefix: not even an admin with every key reaches it.
    {"reserved get", "root", Op::kGet, {kReservedKey}, kDenied},
    {"reserved put", "root", Op::kPut, {kReservedKey}, kDenied},
    {"reserved in batch", "root", Op::kBatchPut, {"z", kReservedKey}, kDenied},
    {"reserved exists", "root", Op::kExists, {kReservedKey}, kDenied},
    {"scan over reserved", "root", Op::kScan, {"", ""}, kOk},
    {"scan inside reserved", "bob", Op::kScan, {kReservedKey, ""}, kOk},
};

TEST_F(AclTest, Table) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    std::unique_ptr<Store> s = As(c.principal);
    ASSERT_NE(s, nullptr);
    absl::Status st = RunCase(s.get(), c);
    EXPECT_EQ(st.code(), c.want) << st;
    if (st.code() == kDenied) {
      EXPECT_THAT(st.message(), HasSubstr(c.principal));
      EXPECT_THAT(st.message(), Not(HasSubstr(kSecretValue)));
    }
  }
}

TEST_F(AclTest, DenialNamesPrincipalOperationAndKeyOnly) {
  auto alice = As("alice");
  EXPECT_THAT(alice->Put("b/x", "new-value"),
              StatusIs(kDenied, AllOf(HasSubstr("\"alice\""),
                                      HasSubstr("write"), HasSubstr("\"b/x\""),
                                      Not(HasSubstr("new-value")))));
  EXPECT_THAT(alice->Scan(KeyRange::Between("a/", "b")).status(),
              StatusIs(kDenied,
                       AllOf(HasSubstr("scan"), HasSubstr("[\"a/\", \"b\")"))));
}

TEST_F(AclTest, DenialDoesNotRevealExistence) {
  auto alice = As("alice");
  absl::Status present = alice->Get("b/x").status();  // exists
  absl::Status absent = alice->Get("b/y").status();   // does not
  ASSERT_EQ(present.code(), kDenied);
  ASSERT_EQ(absent.code(), kDenied);
  std::string p(present.message()), a(absent.message());
  EXPECT_EQ(p.replace(p.find("b/x"), 3, "b/y"), a);
}

TEST_F(AclTest, ScanReturnsAllOrNothing) {
  auto alice = As("alice");
  ASSERT_OK_AND_ASSIGN(std::string keys,
                       ScanKeys(alice.get(), KeyRange::Prefix("a/")));
  EXPECT_EQ(keys, "a/ a/1 a/2 ");
  std::unique_ptr<Iterator> it =
      alice->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), StatusIs(kDenied));
}

TEST_F(AclTest, BatchWithOneForbiddenKeyAppliesNothing) {
  auto bob = As("bob");
  WriteBatch batch;
  ASSERT_OK(batch.Put("m5", "v"));
  ASSERT_OK(batch.Delete("m1"));
  ASSERT_OK(batch.Put("n5", "v"));  // outside [m, n)
  EXPECT_THAT(bob->Write(WriteOptions(), batch),
              StatusIs(kDenied, HasSubstr("n5")));
  EXPECT_THAT(root_->Get("m5").status(), StatusIs(kNotFound));
  EXPECT_OK(root_->Get("m1"));
}

TEST_F(AclTest, TransactionWithOneForbiddenKeyAppliesNothing) {
  auto bob = As("bob");
  ASSERT_OK_AND_ASSIGN(auto txn, bob->BeginTransaction());
  ASSERT_OK(txn->Put("m6", "v"));
  EXPECT_THAT(txn->Put("n6", "v"), StatusIs(kDenied));
  EXPECT_THAT(txn->Commit(),
              StatusIs(kDenied, HasSubstr("nothing was applied")));
  EXPECT_THAT(root_->Get("m6").status(), StatusIs(kNotFound));
  // Reads and scans inside a transaction are checked too.
  ASSERT_OK_AND_ASSIGN(auto reader, bob->BeginTransaction());
  EXPECT_THAT(reader->Get("a/1").status(), StatusIs(kDenied));
  auto it = reader->NewIterator(KeyRange::Between("l", "n"));
  it->SeekToFirst();
  EXPECT_THAT(it->status(), StatusIs(kDenied));
}

TEST_F(AclTest, RevokeFailsTheTransactionBegunBefore) {
  auto bob = As("bob");
  ASSERT_OK_AND_ASSIGN(auto txn, bob->BeginTransaction());
  ASSERT_OK(txn->Put("m8", "v"));
  const uint64_t before = secured_->Revision();
  ASSERT_OK(secured_->Revoke("root", "bob", "m_writer"));
  EXPECT_EQ(secured_->Revision(), before + 1);
  EXPECT_THAT(txn->Commit(), StatusIs(kDenied, HasSubstr("revision")));
  EXPECT_THAT(root_->Get("m8").status(), StatusIs(kNotFound));
  // The next operation sees the change.
  EXPECT_THAT(bob->Put("m9", "v"), StatusIs(kDenied));
  EXPECT_OK(bob->Get("x"));  // x_reader is still held
  // Any change fails a transaction begun before it, even a grant.
  ASSERT_OK_AND_ASSIGN(auto later, As("alice")->BeginTransaction());
  ASSERT_OK(secured_->Grant("root", "bob", "m_writer"));
  EXPECT_THAT(later->Commit(), StatusIs(kDenied));
  EXPECT_OK(bob->Put("m9", "v"));
}

TEST_F(AclTest, AdminOnlyOperations) {
  auto alice = As("alice");
  EXPECT_THAT(secured_->Grant("alice", "alice", "root"),
              StatusIs(kDenied, HasSubstr("admin")));
  EXPECT_THAT(secured_->Revoke("alice", "bob", "m_writer"), StatusIs(kDenied));
  EXPECT_THAT(
      secured_->PutRole("alice", "a_reader",
                        AclRole{{Prefix("", AclRule::Access::kReadWrite)}}),
      StatusIs(kDenied));
  EXPECT_EQ(secured_->Revision(), 0u);
  EXPECT_THAT(alice->CompactRange(std::nullopt, std::nullopt),
              StatusIs(kDenied));
  EXPECT_THAT(alice->GetProperty("options.json").status(),
              StatusIs(kDenied));
  // Counters and shapes are for everyone, the anonymous store included.
  EXPECT_OK(alice->GetProperty("stats").status());
  EXPECT_OK(secured_->GetProperty("stats").status());
  ASSERT_OK_AND_ASSIGN(std::string revision,
                       alice->GetProperty("acl.revision"));
  EXPECT_EQ(revision, "0");
  // The store used directly acts as anonymous, which has no rights.
  EXPECT_THAT(secured_->Get("a/1").status(),
              StatusIs(kDenied, HasSubstr("anonymous")));
  EXPECT_THAT(secured_->AsPrincipal("mallory").status(), StatusIs(kDenied));
  // An admin's changes: a new role, granted to a new principal.
  ASSERT_OK(secured_->PutRole(
      "root", "b_writer", AclRole{{Prefix("b/", AclRule::Access::kWrite)}}));
  ASSERT_OK(secured_->Grant("root", "erin", "b_writer"));
  auto erin = As("erin");
  EXPECT_OK(erin->Put("b/1", "v"));
  EXPECT_THAT(erin->Get("b/1").status(), StatusIs(kDenied));  // write only
  EXPECT_THAT(secured_->Grant("root", "erin", "no_such_role"),
              StatusIs(kNotFound));
  EXPECT_THAT(secured_->Revoke("root", "erin", "root"), StatusIs(kNotFound));
}

TEST_F(AclTest, ReservedStateIsHiddenFromScans) {
  ASSERT_OK(secured_->Grant("root", "alice", "x_reader"));  // writes the state
  ASSERT_OK_AND_ASSIGN(std::string keys,
                       ScanKeys(root_.get(), KeyRange::All()));
  EXPECT_EQ(keys, "a a/ a/1 a/2 a0 b/x l m m1 n w x y ");
  // Backwards too, over a key past the reserved prefix.
  ASSERT_OK(root_->Put("\xff\xff\xff\xff", "v"));
  ASSERT_OK_AND_ASSIGN(
      auto rev, root_->Scan(KeyRange::From("y"), 0, Direction::kReverse));
  ASSERT_EQ(rev.size(), 2u);
  EXPECT_EQ(rev[0].key, "\xff\xff\xff\xff");
  EXPECT_EQ(rev[1].key, "y");
}

// A subscription delivers only the keys the principal may read, checked
// against the rules in force when each event is delivered; the ACL's own
// state never shows.
TEST_F(AclTest, SubscriptionsDeliverOnlyReadableKeys) {
  auto alice = As("alice");
  ASSERT_OK_AND_ASSIGN(auto stream, alice->Subscribe(KeyRange::All(), {}));
  WriteBatch batch;
  ASSERT_OK(batch.Put("a/3", "mine"));
  ASSERT_OK(batch.Put("b/3", "not mine"));
  ASSERT_OK(batch.Delete("a/1"));
  ASSERT_OK(root_->Write({}, batch));
  ASSERT_OK(root_->Put("m2", "not mine either"));
  ASSERT_OK(secured_->Grant("root", "alice", "m_writer"));  // writes ACL state
  ASSERT_OK(root_->Put("m3", "readable now"));
  absl::Status end;
  std::vector<std::string> got;
  for (const ChangeBatch& b : DrainChanges(*stream, &end)) {
    std::string one;
    for (const ChangeEvent& e : b.events) {
      one += (e.type == ChangeType::kPut ? "P:" : "D:") + e.key + ",";
    }
    got.push_back(one);
  }
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kDeadlineExceeded));
  // Granted before delivery: m2's event is checked when it is delivered.
  EXPECT_THAT(got, ::testing::ElementsAre("P:a/3,D:a/1,", "P:m2,", "P:m3,"));
}

TEST_F(AclTest, ConfigErrorsNameTheField) {
  AclConfig c = TestConfig();
  c.grants["alice"].push_back("nope");
  EXPECT_THAT(NewAclStore(NewMemoryStore(), c).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("access_control.grants.alice"),
                             HasSubstr("nope"))));
  c = TestConfig();
  c.grants["zed"] = {"root"};
  EXPECT_THAT(
      NewAclStore(NewMemoryStore(), c).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a user")));
  c = TestConfig();
  c.roles["bad"].rules = {Range("z", "a", AclRule::Access::kRead)};
  EXPECT_THAT(NewAclStore(NewMemoryStore(), c).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("roles.bad.rules[0]")));
  c = TestConfig();
  c.roles["sneaky"].rules = {Prefix(kReservedKey, AclRule::Access::kRead)};
  EXPECT_THAT(
      NewAclStore(NewMemoryStore(), c).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reserved")));
}

// Writers and transactions racing an admin who revokes and grants: every
// outcome is allowed or denied, and a transaction's writes are applied
// exactly when its commit says OK.
TEST_F(AclTest, ConcurrentRevokeAndGrant) {
  constexpr int kTxnsPerThread = 300;
  std::atomic<bool> writers_done{false};
  int toggles = 0;
  std::thread admin([&] {
    // At least once, then for as long as the writers run.
    do {
      EXPECT_OK(secured_->Revoke("root", "bob", "m_writer"));
      EXPECT_OK(secured_->Grant("root", "bob", "m_writer"));
      ++toggles;
    } while (!writers_done);
  });
  std::vector<std::thread> writers;
  std::vector<std::vector<std::pair<std::string, bool>>> outcomes(2);
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      auto bob = As("bob");
      for (int i = 0; i < kTxnsPerThread; ++i) {
        const std::string key =
            "m/" + std::to_string(t) + "/" + std::to_string(i);
        auto txn = bob->BeginTransaction();
        ASSERT_OK(txn);
        absl::Status put = (*txn)->Put(key, "v");
        ASSERT_TRUE(put.ok() || absl::IsPermissionDenied(put)) << put;
        absl::Status commit = (*txn)->Commit();
        ASSERT_TRUE(commit.ok() || absl::IsPermissionDenied(commit)) << commit;
        if (!put.ok()) {
          EXPECT_FALSE(commit.ok());
        }
        outcomes[t].emplace_back(key, commit.ok());
        absl::Status plain = bob->Put(key + "/plain", "v");
        ASSERT_TRUE(plain.ok() || absl::IsPermissionDenied(plain)) << plain;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writers_done = true;
  admin.join();
  EXPECT_EQ(secured_->Revision(), 2u * toggles);
  for (const auto& per_thread : outcomes) {
    for (const auto& [key, committed] : per_thread) {
      EXPECT_EQ(root_->Get(key).ok(), committed) << key;
    }
  }
}

TEST(AclDurability, AdminChangesSurviveReopen) {
  std::string tmpl = ::testing::TempDir() + "/acl_durability.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl + "/db";
  StorageConfig native = StorageConfig::Native(dir);
  {
    ASSERT_OK_AND_ASSIGN(auto inner, OpenBackend(native));
    ASSERT_OK_AND_ASSIGN(auto secured,
                         NewAclStore(std::move(inner), TestConfig()));
    ASSERT_OK(secured->Revoke("root", "alice", "a_reader"));
    ASSERT_OK(secured->Grant("root", "alice", "m_writer"));
    EXPECT_EQ(secured->Revision(), 2u);
  }
  ASSERT_OK_AND_ASSIGN(auto inner, OpenBackend(native));
  ASSERT_OK_AND_ASSIGN(auto secured,
                       NewAclStore(std::move(inner), TestConfig()));
  EXPECT_EQ(secured->Revision(), 2u);
  ASSERT_OK_AND_ASSIGN(auto alice, secured->AsPrincipal("alice"));
  EXPECT_THAT(alice->Get("a/1").status(), StatusIs(kDenied));
  EXPECT_OK(alice->Put("m", "v"));
  alice.reset();
  secured.reset();
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace synapsed::storage::security
