// The audit log: what a record holds (never a value), the verifier against
// edited, dropped, reordered and truncated files, checkpoints, and records
// of synced writes surviving a power cut (env/fault_injection_env.h).
#include <array>
#include <string>
#include <vector>

#include "backends/memory_store.h"
#include "engine/db.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "security/acl_store.h"
#include "security/audit_log.h"
#include "security/audit_test_util.h"
#include "security/audit_verify.h"
#include "util/coding.h"
#include "util/status_matchers.h"

namespace synapsed::storage::security {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kValueMarker = "VALUE-MUST-NOT-BE-LOGGED";

AclConfig OneWriter() {
  AclConfig c;
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  AclRule reads;
  reads.prefix = "pub/";
  c.roles["all"].rules = {all};
  c.roles["reader"].rules = {reads};
  c.users = {"w", "r"};
  c.grants = {{"w", {"all"}}, {"r", {"reader"}}};
  return c;
}

std::array<uint8_t, 32> Key() {
  std::array<uint8_t, 32> k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(mem_->CreateDirIfMissing("/a"));
    config_.path = "/a/db.audit";
    config_.checkpoint_path = "/a/db.checkpoints";
    config_.hmac_key_file = WriteAuditKeyFile();
    config_.sensitive_prefixes = {"pii/"};
    config_.checkpoint_every_records = 5;
    config_.checkpoint_every_seconds = 0;
  }
  // A secured memory store auditing to `fs`; `n` puts as "w", then a
  // denied get as "r".
  void Populate(env::FileSystem* fs, int n) {
    ASSERT_OK_AND_ASSIGN(auto log, OpenAuditLog(config_, fs, clock_.Fn()));
    ASSERT_OK_AND_ASSIGN(
        auto secured, NewAclStore(NewMemoryStore(), OneWriter(),
                                  std::shared_ptr<AuditLog>(std::move(log))));
    ASSERT_OK_AND_ASSIGN(auto w, secured->AsPrincipal("w"));
    ASSERT_OK_AND_ASSIGN(auto r, secured->AsPrincipal("r"));
    for (int i = 0; i < n; ++i) {
      ASSERT_OK(w->Put("k" + std::to_string(i), std::string(kValueMarker)));
    }
    EXPECT_THAT(r->Get("k0").status(),
                testing::StatusIs(absl::StatusCode::kPermissionDenied));
  }
  std::string File(const std::string& path) {
    auto s = env::ReadFileToString(mem_.get(), path);
    EXPECT_OK(s);
    return s.ok() ? *s : "";
  }
  AuditVerdict Verify(std::string_view contents, bool with_checkpoints = true) {
    auto key = Key();
    if (!with_checkpoints) return VerifyAudit(contents);
    auto cps = ParseCheckpoints(File(config_.checkpoint_path));
    EXPECT_OK(cps);
    return VerifyAudit(contents, &*cps, std::span<const uint8_t>(key));
  }
  // The byte ranges [begin, end) of each record of `contents`.
  static std::vector<std::pair<size_t, size_t>> Records(
      std::string_view contents) {
    std::vector<std::pair<size_t, size_t>> out;
    size_t at = kAuditHeader.size();
    while (at < contents.size()) {
      const size_t end =
          at + kRecordFraming + DecodeFixed32(contents.data() + at);
      out.emplace_back(at, end);
      at = end;
    }
    return out;
  }

  std::unique_ptr<env::FileSystem> mem_ = env::NewMemFileSystem();
  AuditConfig config_;
  FakeClock clock_;
};

TEST_F(AuditTest, OneRecordPerOperationNeverAValue) {
  config_.checkpoint_every_records = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto log,
                         OpenAuditLog(config_, mem_.get(), clock_.Fn()));
    ASSERT_OK_AND_ASSIGN(
        auto secured, NewAclStore(NewMemoryStore(), OneWriter(),
                                  std::shared_ptr<AuditLog>(std::move(log))));
    ASSERT_OK_AND_ASSIGN(auto w, secured->AsPrincipal("w"));
    ASSERT_OK_AND_ASSIGN(auto r, secured->AsPrincipal("r"));
    ASSERT_OK(w->Put("pii/alice", std::string(kValueMarker)));
    ASSERT_OK(
        w->BatchPut(WriteOptions(),
                    std::vector<std::pair<std::string_view, std::string_view>>{
                        {"b1", kValueMarker}, {"b2", kValueMarker}}));
    ASSERT_OK_AND_ASSIGN(auto txn, w->BeginTransaction());
    ASSERT_OK(txn->Put("t1", kValueMarker));
    ASSERT_OK(txn->Commit());
    EXPECT_THAT(r->Get("pii/alice").status(),
                testing::StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_THAT(r->Scan(KeyRange::Between("pub/", "pub0")), testing::IsOk());
    ASSERT_OK_AND_ASSIGN(std::string got, w->Get("pii/alice"));
    EXPECT_EQ(got, kValueMarker);
  }
  const std::string contents = File(config_.path);
  EXPECT_EQ(contents.find(kValueMarker), std::string::npos);
  EXPECT_EQ(contents.find("alice"),
            std::string::npos);  // a sensitive key: its HMAC
  EXPECT_EQ(File(config_.checkpoint_path).find(kValueMarker),
            std::string::npos);
  std::vector<AuditRecord> records;
  const AuditVerdict v = Verify(contents);
  ASSERT_TRUE(v.ok) << v.reason;
  VerifyAudit(contents, nullptr, std::nullopt,
              [&](const AuditRecord& r) { records.push_back(r); });
  std::vector<std::string> ops;
  for (const AuditRecord& r : records)
    ops.push_back(r.principal + ":" + r.operation);
  EXPECT_EQ(ops, (std::vector<std::string>{"w:put", "w:write", "w:txn_begin",
                                           "w:txn_put", "w:txn_commit", "r:get",
                                           "r:scan", "w:get"}));
  EXPECT_EQ(records[0].key_kind, KeyKind::kHmac);
  EXPECT_EQ(records[0].key.size(), 32u);
  EXPECT_EQ(records[1].count, 2u);
  EXPECT_EQ(records[4].count, 1u);
  EXPECT_EQ(records[5].code,
            static_cast<uint8_t>(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(records[6].end_kind, EndKind::kClear);
  EXPECT_EQ(records[6].key, "pub/");
  EXPECT_EQ(records[6].end, "pub0");
  EXPECT_EQ(records[7].time_us, 1767225600000000u);
}

TEST_F(AuditTest, VerifierNamesTheFirstBadSequence) {
  ASSERT_NO_FATAL_FAILURE(
      Populate(mem_.get(), 11));  // records 1..12, checkpoints at 5, 10, 12
  const std::string good = File(config_.path);
  const AuditVerdict ok = Verify(good);
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.records, 12u);
  const auto recs = Records(good);
  ASSERT_EQ(recs.size(), 12u);
  auto rec = [&](int seq) {
    return good.substr(recs[seq - 1].first,
                       recs[seq - 1].second - recs[seq - 1].first);
  };
  auto head = good.substr(0, recs[0].first);
  auto join = [&](std::vector<int> seqs) {
    std::string s = head;
    for (int q : seqs) s += rec(q);
    return s;
  };
  struct Tamper {
    const char* what;
    std::string contents;
    uint64_t first_bad;
    bool with_checkpoints;
  };
  std::string edited_body = good;
  edited_body[recs[3].first + 6] ^= 0x01;  // inside record 4's body
  std::string edited_hash = good;
  edited_hash[recs[6].second - 1] ^= 0x80;  // record 7's stored hash
  std::vector<int> all;
  for (int i = 1; i <= 12; ++i) all.push_back(i);
  std::vector<int> dropped = all, reordered = all;
  dropped.erase(dropped.begin() + 3);     // no record 4
  std::swap(reordered[5], reordered[6]);  // 7 before 6
  const Tamper cases[] = {
      {"edited body", edited_body, 4, false},
      {"edited hash", edited_hash, 7, false},
      {"dropped", join(dropped), 4, false},
      {"reordered", join(reordered), 6, false},
      {"truncated mid-record", good.substr(0, recs[8].first + 10), 9, false},
      {"truncated at a boundary", good.substr(0, recs[7].first), 8, true},
      {"tail deleted", good.substr(0, recs[10].first), 11, true},
      {"header gone", good.substr(kAuditHeader.size()), 1, false},
  };
  for (const Tamper& t : cases) {
    SCOPED_TRACE(t.what);
    const AuditVerdict v = Verify(t.contents, t.with_checkpoints);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_seq, t.first_bad) << v.reason;
  }
  // Without checkpoints a tail cut at a record boundary looks like a
  // shorter log: that is what the checkpoints are for.
  EXPECT_TRUE(Verify(good.substr(0, recs[7].first), false).ok);
}

TEST_F(AuditTest, RechainedEditIsCaughtByTheNextCheckpoint) {
  ASSERT_NO_FATAL_FAILURE(Populate(mem_.get(), 11));
  const std::string good = File(config_.path);
  // Rewrite record 3 and recompute every hash after it, as a forger
  // without the HMAC key can.
  std::string forged(kAuditHeader);
  Digest head{};
  uint64_t seq = 0;
  VerifyAudit(good, nullptr, std::nullopt, [&](const AuditRecord& r) {
    AuditRecord copy = r;
    if (++seq == 3) copy.principal = "someone-else";
    Digest h;
    auto framed = FrameRecord(head, EncodeRecordBody(copy), &h);
    ASSERT_OK(framed);
    forged += *framed;
    head = h;
  });
  EXPECT_TRUE(Verify(forged, false).ok);  // the chain alone is consistent
  const AuditVerdict v = Verify(forged);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 5u) << v.reason;  // the first checkpoint after it
  // A checkpoint forged without the key fails its signature.
  std::string cps = File(config_.checkpoint_path);
  cps[cps.size() - 3] =
      cps[cps.size() - 3] == '0' ? '1' : '0';  // the last hmac digit
  ASSERT_OK_AND_ASSIGN(auto parsed, ParseCheckpoints(cps));
  auto key = Key();
  const AuditVerdict sig =
      VerifyAudit(good, &parsed, std::span<const uint8_t>(key));
  EXPECT_FALSE(sig.ok);
  EXPECT_THAT(sig.reason, HasSubstr("signature"));
}

TEST_F(AuditTest, CheckpointsByCountAndByTime) {
  config_.checkpoint_every_records = 3;
  config_.checkpoint_every_seconds = 10;
  std::vector<std::string> exported;
  struct Sink : AuditCheckpointSink {
    std::vector<std::string>* out;
    void Export(std::string_view line) override { out->emplace_back(line); }
  };
  auto sink = std::make_shared<Sink>();
  sink->out = &exported;
  config_.checkpoint_sink = sink;
  ASSERT_OK_AND_ASSIGN(auto log,
                       OpenAuditLog(config_, mem_.get(), clock_.Fn()));
  AuditEvent e;
  e.principal = "p";
  e.operation = "put";
  for (int i = 0; i < 3; ++i) ASSERT_OK(log->Record(e));
  ASSERT_EQ(exported.size(), 1u);  // by count, at 3
  EXPECT_THAT(exported[0], HasSubstr(" seq=3 "));
  ASSERT_OK(log->Record(e));
  EXPECT_EQ(exported.size(), 1u);
  clock_.now += absl::Seconds(10);
  ASSERT_OK(log->Record(e));
  ASSERT_EQ(exported.size(), 2u);  // by time, at 5
  EXPECT_THAT(exported[1], HasSubstr(" seq=5 "));
  log.reset();  // nothing since the last: no checkpoint at close
  EXPECT_EQ(exported.size(), 2u);
  EXPECT_EQ(File(config_.checkpoint_path), exported[0] + exported[1]);
}

TEST_F(AuditTest, ReopenContinuesTheChain) {
  ASSERT_NO_FATAL_FAILURE(Populate(mem_.get(), 2));
  ASSERT_NO_FATAL_FAILURE(Populate(mem_.get(), 3));
  const AuditVerdict v = Verify(File(config_.path));
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 3u + 4u);
  // A tampered file is not appended to.
  std::string bad = File(config_.path);
  bad[kAuditHeader.size() + 6] ^= 1;
  ASSERT_OK(env::WriteStringToFile(mem_.get(), bad, config_.path, false));
  EXPECT_THAT(
      OpenAuditLog(config_, mem_.get()).status(),
      testing::StatusIs(absl::StatusCode::kDataLoss, HasSubstr("sequence 1")));
}

TEST_F(AuditTest, RecordOfASyncedWriteSurvivesPowerLoss) {
  env::FaultInjectionFileSystem fs(mem_.get());
  config_.checkpoint_every_records = 0;
  ASSERT_OK_AND_ASSIGN(auto log, OpenAuditLog(config_, &fs, clock_.Fn()));
  ASSERT_OK_AND_ASSIGN(auto secured,
                       NewAclStore(NewMemoryStore(), OneWriter(),
                                   std::shared_ptr<AuditLog>(std::move(log))));
  ASSERT_OK_AND_ASSIGN(auto w, secured->AsPrincipal("w"));
  WriteOptions synced;
  synced.sync = true;
  ASSERT_OK(w->Put("a", "1"));
  ASSERT_OK(w->Put("b", "2"));
  ASSERT_OK(w->Put(synced, "c", "3"));  // acknowledged synced: record 3 durable
  ASSERT_OK(w->Put("d", "4"));          // not synced: may be lost
  ASSERT_OK(fs.SimulatePowerLoss());
  secured.reset();  // the abandoned log's last checkpoint fails quietly
  const AuditVerdict v = VerifyAudit(File(config_.path));
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 3u);  // everything up to the synced write, nothing after
  // And the log reopens on what survived, continuing at 4.
  ASSERT_OK_AND_ASSIGN(auto again, OpenAuditLog(config_, &fs, clock_.Fn()));
  EXPECT_EQ(again->LastSequence(), 3u);
}

TEST_F(AuditTest, RecordsTheSequenceTheEngineCommittedAt) {
  config_.checkpoint_every_records = 0;
  uint64_t put_seq = 0, batch_seq = 0, txn_seq = 0;
  {
    engine::EngineOptions eo;
    eo.fs = mem_.get();
    eo.use_io_uring = false;
    ASSERT_OK_AND_ASSIGN(auto native, engine::OpenNativeStore(eo, "/db"));
    ASSERT_OK_AND_ASSIGN(auto log, OpenAuditLog(config_, mem_.get(), clock_.Fn()));
    ASSERT_OK_AND_ASSIGN(auto secured,
                         NewAclStore(std::move(native), OneWriter(),
                                     std::shared_ptr<AuditLog>(std::move(log))));
    ASSERT_OK_AND_ASSIGN(auto w, secured->AsPrincipal("w"));
    ASSERT_OK_AND_ASSIGN(auto r, secured->AsPrincipal("r"));
    WriteOptions wo;
    wo.sequence = &put_seq;
    ASSERT_OK(w->Put(wo, "a", "1"));
    WriteBatch batch;
    ASSERT_OK(batch.Put("b", "2"));
    ASSERT_OK(batch.Delete("c"));
    wo.sequence = &batch_seq;
    ASSERT_OK(w->Write(wo, batch));
    ASSERT_OK_AND_ASSIGN(auto txn, w->BeginTransaction());
    ASSERT_OK(txn->Put("d", "4"));
    wo.sequence = &txn_seq;
    ASSERT_OK(txn->Commit(wo));
    EXPECT_THAT(r->Put("pub/x", "5").code(), absl::StatusCode::kPermissionDenied);
  }
  // The caller still learns the sequence through the layer, and the
  // engine's numbers follow each other: one per operation.
  EXPECT_GT(put_seq, 0u);
  EXPECT_EQ(batch_seq, put_seq + 1);
  EXPECT_EQ(txn_seq, batch_seq + 2);
  std::vector<std::pair<std::string, uint64_t>> got;
  const AuditVerdict v =
      VerifyAudit(File(config_.path), nullptr, std::nullopt, [&](const AuditRecord& r) {
        got.emplace_back(r.operation, r.commit_seq);
      });
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{
                     {"put", put_seq},
                     {"write", batch_seq},
                     {"txn_begin", 0},
                     {"txn_put", 0},
                     {"txn_commit", txn_seq},
                     {"put", 0}}));  // denied: nothing committed
}

TEST_F(AuditTest, VersionOneFileVerifiesButIsNotAppendedTo) {
  // A version 1 file: the same records without commit_seq.
  AuditRecord r;
  r.seq = 1;
  r.principal = "w";
  r.operation = "get";
  r.count = 1;
  std::string body = EncodeRecordBody(r);
  ASSERT_EQ(body.back(), '\0');  // commit_seq 0, the last field
  body.pop_back();
  Digest hash;
  ASSERT_OK_AND_ASSIGN(std::string framed, FrameRecord(Digest{}, body, &hash));
  const std::string v1 = std::string(kAuditHeaderV1) + framed;
  const AuditVerdict v = VerifyAudit(v1);
  ASSERT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.version, 1u);
  EXPECT_EQ(v.records, 1u);
  // Read as a version 2 body it is one byte short.
  AuditRecord as_v2;
  EXPECT_FALSE(DecodeRecordBody(body, &as_v2, 2));
  ASSERT_OK(env::WriteStringToFile(mem_.get(), v1, config_.path, false));
  EXPECT_THAT(OpenAuditLog(config_, mem_.get(), clock_.Fn()).status(),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("format version 1")));
  EXPECT_EQ(File(config_.path), v1);  // unchanged
}

TEST_F(AuditTest, TornTailIsCutAtReopen) {
  ASSERT_NO_FATAL_FAILURE(Populate(mem_.get(), 2));
  const std::string good = File(config_.path);
  ASSERT_OK(env::WriteStringToFile(mem_.get(), good.substr(0, good.size() - 5),
                                   config_.path, false));
  ASSERT_OK_AND_ASSIGN(auto log,
                       OpenAuditLog(config_, mem_.get(), clock_.Fn()));
  EXPECT_EQ(log->LastSequence(), 2u);
}

}  // namespace
}  // namespace synapsed::storage::security
