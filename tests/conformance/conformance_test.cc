// The conformance suite: every backend, and every layer stack, must pass it.
// It checks each API call's contract, atomic batches, iteration bounds,
// snapshots, transactions and bad input, plus a randomized multi-threaded
// run against a reference model (seed printed; SYNAPSED_SEED reproduces it).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "tests/conformance/backend_factory.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage {
// Readable failure messages.
void PrintTo(const KeyValue& kv, std::ostream* os) {
  *os << "{" << ::testing::PrintToString(kv.key) << ": "
      << ::testing::PrintToString(kv.value) << "}";
}
namespace testing {
void PrintTo(const BackendFactory& f, std::ostream* os) { *os << f.name; }
}  // namespace testing
}  // namespace synapsed::storage

namespace synapsed::storage::testing {
namespace {

using ::testing::HasSubstr;

class Conformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    if (!GetParam().missing.empty()) GTEST_SKIP() << GetParam().missing;
    char tmpl[] = "/tmp/synapsed_conf_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/db";
    ASSERT_OK_AND_ASSIGN(store_, GetParam().open(dir_));
  }
  void TearDown() override {
    store_.reset();
    if (dir_.empty()) return;  // skipped before SetUp made it
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  void Reopen() {
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, GetParam().open(dir_));
  }
  std::string GetOr(std::string_view key, const ReadOptions& ro = {}) {
    PinnableValue v;
    absl::Status s = store_->Get(ro, key, &v);
    if (absl::IsNotFound(s)) return "<none>";
    if (!s.ok()) return "<" + s.ToString() + ">";
    return v.ToString();
  }
  std::string ScanString(const KeyRange& range, bool reverse = false,
                         const ReadOptions& ro = {}) {
    auto kvs = store_->Scan(range, 0, reverse ? Direction::kReverse : Direction::kForward, ro);
    if (!kvs.ok()) return "<" + kvs.status().ToString() + ">";
    std::string out;
    for (const auto& kv : *kvs) out += kv.key + "=" + kv.value + " ";
    return out;
  }
  void PutAll(std::initializer_list<std::pair<const char*, const char*>> kvs) {
    for (const auto& [k, v] : kvs) ASSERT_OK(store_->Put(k, v));
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

// --- Storage -------------------------------------------------------------------

TEST_P(Conformance, PutGetDeleteExists) {
  EXPECT_THAT(store_->Get("a"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->Put("a", "1"));
  EXPECT_EQ(GetOr("a"), "1");
  ASSERT_OK(store_->Put("a", "2"));
  EXPECT_EQ(GetOr("a"), "2");
  ASSERT_OK_AND_ASSIGN(bool exists, store_->Exists("a"));
  EXPECT_TRUE(exists);
  ASSERT_OK(store_->Delete("a"));
  EXPECT_EQ(GetOr("a"), "<none>");
  ASSERT_OK_AND_ASSIGN(exists, store_->Exists("a"));
  EXPECT_FALSE(exists);
  ASSERT_OK(store_->Delete("never-there"));  // not an error
  ASSERT_OK(store_->Flush());
}

TEST_P(Conformance, EmptyAndBinaryKeysAndValues) {
  const std::string zero("\0k\0", 3), high("\xff\xfe", 2);
  ASSERT_OK(store_->Put("", "empty key"));
  ASSERT_OK(store_->Put("e", ""));
  ASSERT_OK(store_->Put(zero, high));
  ASSERT_OK(store_->Put(high, zero));
  EXPECT_EQ(GetOr(""), "empty key");
  ASSERT_OK_AND_ASSIGN(bool exists, store_->Exists("e"));
  EXPECT_TRUE(exists);
  EXPECT_EQ(GetOr("e"), "");
  EXPECT_EQ(GetOr(zero), high);
  EXPECT_EQ(GetOr(high), zero);
  ASSERT_OK_AND_ASSIGN(auto all, store_->Scan(KeyRange::All()));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].key, "");
  EXPECT_EQ(all[1].key, zero);
  EXPECT_EQ(all[2].key, "e");
  EXPECT_EQ(all[3].key, high);  // bytewise: 0xff sorts last
}

TEST_P(Conformance, LargeValues) {
  std::string big(3 << 20, 'x');
  big[12345] = 'y';
  ASSERT_OK(store_->Put("big", big));
  EXPECT_EQ(GetOr("big"), big);
  ASSERT_OK(store_->Put(std::string(kMaxKeySize, 'k'), "max key"));
  EXPECT_EQ(GetOr(std::string(kMaxKeySize, 'k')), "max key");
}

TEST_P(Conformance, OversizedInputIsRejectedAndChangesNothing) {
  const std::string big_key(kMaxKeySize + 1, 'k');
  const std::string big_value(kMaxValueSize + 1, 'v');
  ASSERT_OK(store_->Put("a", "1"));
  EXPECT_THAT(store_->Put(big_key, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
  EXPECT_THAT(store_->Put("a", big_value),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value")));
  EXPECT_THAT(store_->Delete(big_key), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get(big_key), StatusIs(absl::StatusCode::kInvalidArgument));
  std::pair<std::string_view, std::string_view> kvs[] = {{"b", "2"}, {big_key, "x"}};
  EXPECT_THAT(store_->BatchPut(WriteOptions(), kvs),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(GetOr("a"), "1");
  EXPECT_EQ(GetOr("b"), "<none>");  // the valid half of the batch is not applied
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 ");
}

// --- BatchedStorage ------------------------------------------------------------

TEST_P(Conformance, BatchWriteAndGet) {
  WriteBatch b;
  ASSERT_OK(b.Put("a", "1"));
  ASSERT_OK(b.Put("b", "2"));
  ASSERT_OK(b.Put("a", "3"));  // later op on the same key wins
  ASSERT_OK(b.Delete("c"));
  ASSERT_OK(store_->Put("c", "gone"));
  ASSERT_OK(store_->Write(WriteOptions(), b));
  std::string_view keys[] = {"a", "b", "c", "zz"};
  ASSERT_OK_AND_ASSIGN(auto got, store_->BatchGet(ReadOptions(), keys));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "3");
  EXPECT_EQ(got[1], "2");
  EXPECT_EQ(got[2], std::nullopt);
  EXPECT_EQ(got[3], std::nullopt);
  std::string_view dels[] = {"a", "b"};
  ASSERT_OK(store_->BatchDelete(WriteOptions(), dels));
  EXPECT_EQ(ScanString(KeyRange::All()), "");
  ASSERT_OK(store_->Write(WriteOptions(), WriteBatch()));  // empty batch
}

TEST_P(Conformance, BatchesAreAtomicForConcurrentReaders) {
  constexpr int kKeys = 10;
  auto key = [](int i) { return "atomic" + std::to_string(i); };
  {
    WriteBatch b;
    for (int i = 0; i < kKeys; ++i) ASSERT_OK(b.Put(key(i), "0"));
    ASSERT_OK(store_->Write(WriteOptions(), b));
  }
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> read_rounds{0};
  // Waits (bounded) until the reader has finished `n` rounds, so reads are
  // known to interleave with the writes rather than to run before or after.
  auto await_reads = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (read_rounds.load() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  };
  int rounds_before_writes = 0, rounds_mid_writes = 0;
  std::thread writer([&] {
    await_reads(1);
    rounds_before_writes = read_rounds.load();
    for (int round = 1; round <= 300; ++round) {
      WriteBatch b;
      for (int i = 0; i < kKeys; ++i) {
        EXPECT_OK(b.Put(key(i), std::to_string(round)));
      }
      EXPECT_OK(store_->Write(WriteOptions(), b));
      if (round == 150) {
        await_reads(rounds_before_writes + 1);
        rounds_mid_writes = read_rounds.load();
      }
    }
    done = true;
  });
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(key(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  absl::Status failed;
  do {
    auto got = store_->BatchGet(ReadOptions(), views);
    auto scan = store_->Scan(KeyRange::Prefix("atomic"));
    if (!got.ok() || !scan.ok() || scan->size() != static_cast<size_t>(kKeys)) {
      // Stop reading, but let the writer finish before the test fails.
      failed = !got.ok() ? got.status()
               : !scan.ok() ? scan.status()
                            : absl::InternalError("scan returned a wrong number of keys");
      read_rounds = 1 << 30;
      break;
    }
    for (const auto& v : *got) {
      if (v != (*got)[0]) ++torn;
    }
    for (const auto& kv : *scan) {
      if (kv.value != (*scan)[0].value) ++torn;
    }
    ++read_rounds;
  } while (!done);
  writer.join();
  ASSERT_OK(failed);
  EXPECT_EQ(torn.load(), 0);
  // At least one whole round of reads ran between write 1 and write 150.
  EXPECT_GT(rounds_mid_writes, rounds_before_writes);
}

// --- IterableStorage -----------------------------------------------------------

TEST_P(Conformance, IterationBoundsAndDirections) {
  PutAll({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 b=2 c=3 d=4 ");
  EXPECT_EQ(ScanString(KeyRange::All(), true), "d=4 c=3 b=2 a=1 ");
  EXPECT_EQ(ScanString(KeyRange::Between("b", "d")), "b=2 c=3 ");
  EXPECT_EQ(ScanString(KeyRange::Between("b", "d"), true), "c=3 b=2 ");
  EXPECT_EQ(ScanString(KeyRange::Between("bb", "cc")), "c=3 ");
  EXPECT_EQ(ScanString(KeyRange::From("c")), "c=3 d=4 ");
  EXPECT_EQ(ScanString(KeyRange::Before("c"), true), "b=2 a=1 ");
  EXPECT_EQ(ScanString(KeyRange::Between("b", "b")), "");
  EXPECT_EQ(ScanString(KeyRange::Between("c", "b")), "");
  EXPECT_EQ(ScanString(KeyRange::Between("c", "b"), true), "");
  EXPECT_EQ(ScanString(KeyRange::From("e")), "");
  EXPECT_EQ(ScanString(KeyRange::Before("a"), true), "");
  ASSERT_OK_AND_ASSIGN(auto limited, store_->Scan(KeyRange::All(), 2, Direction::kReverse));
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].key, "c");
}

TEST_P(Conformance, PrefixIteration) {
  PutAll({{"app", "1"}, {"apple", "2"}, {"apq", "3"}, {"ap", "0"}, {"b", "9"}});
  ASSERT_OK(store_->Put("a\xff", "ff"));
  ASSERT_OK(store_->Put("a\xff\xff", "ffff"));
  EXPECT_EQ(ScanString(KeyRange::Prefix("app")), "app=1 apple=2 ");
  EXPECT_EQ(ScanString(KeyRange::Prefix("app"), true), "apple=2 app=1 ");
  EXPECT_EQ(ScanString(KeyRange::Prefix("ap")), "ap=0 app=1 apple=2 apq=3 ");
  EXPECT_EQ(ScanString(KeyRange::Prefix("a\xff")), "a\xff=ff a\xff\xff=ffff ");
  EXPECT_EQ(ScanString(KeyRange::Prefix("zz")), "");
}

TEST_P(Conformance, SeekAndDirectionChanges) {
  PutAll({{"b", "2"}, {"d", "4"}, {"f", "6"}, {"h", "8"}});
  auto it = store_->NewIterator(ReadOptions(), KeyRange::Between("c", "h"));
  it->Seek("a");  // clamps to the range start
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->Seek("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->Prev();
  EXPECT_FALSE(it->Valid());  // "b" is outside the range
  it->Seek("g");
  EXPECT_FALSE(it->Valid());  // "h" is the excluded end
  it->SeekForPrev("z");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->SeekForPrev("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  EXPECT_EQ(it->value(), "6");
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "f");
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("c");
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
}

TEST_P(Conformance, IteratorSeesOneStateForItsLife) {
  PutAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  auto it = store_->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  ASSERT_OK(store_->Delete("b"));
  ASSERT_OK(store_->Put("bb", "new"));
  ASSERT_OK(store_->Put("c", "changed"));
  std::string seen;
  for (; it->Valid(); it->Next()) {
    seen += std::string(it->key()) + "=" + std::string(it->value()) + " ";
  }
  EXPECT_EQ(seen, "a=1 b=2 c=3 ");
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 bb=new c=changed ");
}

// --- Snapshots -----------------------------------------------------------------

TEST_P(Conformance, SnapshotReads) {
  if (!GetParam().snapshots) GTEST_SKIP() << "no snapshots";
  PutAll({{"a", "1"}, {"b", "2"}});
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, store_->GetSnapshot());
  ASSERT_OK(store_->Put("a", "10"));
  ASSERT_OK(store_->Delete("b"));
  ASSERT_OK(store_->Put("c", "30"));
  ReadOptions at;
  at.snapshot = snap.get();
  EXPECT_EQ(GetOr("a", at), "1");
  EXPECT_EQ(GetOr("b", at), "2");
  EXPECT_EQ(GetOr("c", at), "<none>");
  EXPECT_EQ(ScanString(KeyRange::All(), false, at), "a=1 b=2 ");
  EXPECT_EQ(ScanString(KeyRange::All(), true, at), "b=2 a=1 ");
  std::string_view keys[] = {"a", "b", "c"};
  ASSERT_OK_AND_ASSIGN(auto got, store_->BatchGet(at, keys));
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[2], std::nullopt);
  EXPECT_EQ(ScanString(KeyRange::All()), "a=10 c=30 ");
  snap.reset();  // releasing is fine; the latest state is unaffected
  EXPECT_EQ(GetOr("a"), "10");
}

TEST_P(Conformance, ForeignSnapshotIsRejected) {
  if (!GetParam().snapshots) GTEST_SKIP() << "no snapshots";
  ASSERT_OK_AND_ASSIGN(auto other, GetParam().open(dir_ + "-other"));
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, other->GetSnapshot());
  ReadOptions ro;
  ro.snapshot = snap.get();
  PinnableValue v;
  EXPECT_THAT(store_->Get(ro, "a", &v), StatusIs(absl::StatusCode::kInvalidArgument));
  auto it = store_->NewIterator(ro, KeyRange::All());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), StatusIs(absl::StatusCode::kInvalidArgument));
  snap.reset();
  other.reset();
  std::filesystem::remove_all(dir_ + "-other");
}

// --- Transactions ----------------------------------------------------------------

class ConformanceTxn : public Conformance {
 protected:
  void SetUp() override {
    if (!GetParam().transactions) GTEST_SKIP() << "no transactions";
    Conformance::SetUp();
  }
};

TEST_P(ConformanceTxn, ReadYourWritesAndCommit) {
  PutAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  ASSERT_OK(txn->Put("b", "20"));
  ASSERT_OK(txn->Delete("c"));
  ASSERT_OK(txn->Put("d", "40"));
  EXPECT_THAT(txn->Get("c"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string b, txn->Get("b"));
  EXPECT_EQ(b, "20");
  ASSERT_OK_AND_ASSIGN(std::string a, txn->Get("a"));
  EXPECT_EQ(a, "1");
  auto collect = [&](bool reverse) {
    auto it = txn->NewIterator(KeyRange::All());
    std::string out;
    for (reverse ? it->SeekToLast() : it->SeekToFirst(); it->Valid();
         reverse ? it->Prev() : it->Next()) {
      out += std::string(it->key()) + "=" + std::string(it->value()) + " ";
    }
    return out;
  };
  EXPECT_EQ(collect(false), "a=1 b=20 d=40 ");
  EXPECT_EQ(collect(true), "d=40 b=20 a=1 ");
  {
    auto it = txn->NewIterator(KeyRange::Between("b", "e"));
    it->Seek("c");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "d");
    it->Prev();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "b");
    it->Next();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "d");
    it->SeekForPrev("c");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "b");
  }
  // No dirty reads: others do not see uncommitted writes.
  EXPECT_EQ(GetOr("b"), "2");
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 b=2 c=3 ");
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 b=20 d=40 ");
  EXPECT_THAT(txn->Put("x", "y"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(txn->Commit(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(ConformanceTxn, RollbackAndDestroyDiscard) {
  ASSERT_OK(store_->Put("a", "1"));
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
    ASSERT_OK(txn->Put("a", "2"));
    ASSERT_OK(txn->Put("b", "2"));
    ASSERT_OK(txn->Rollback());
    EXPECT_THAT(txn->Get("a"), StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
    ASSERT_OK(txn->Put("c", "3"));
  }  // destroyed without commit
  EXPECT_EQ(ScanString(KeyRange::All()), "a=1 ");
}

TEST_P(ConformanceTxn, SnapshotIsolation) {
  if (!GetParam().snapshot_reads) GTEST_SKIP() << "transactions read the latest committed values";
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  ASSERT_OK(store_->Put("a", "2"));  // committed after txn began
  ASSERT_OK(store_->Put("b", "2"));
  ASSERT_OK_AND_ASSIGN(std::string a, txn->Get("a"));
  EXPECT_EQ(a, "1");  // repeatable: still the snapshot's value
  EXPECT_THAT(txn->Get("b"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(txn->Put("c", "3"));  // no conflict: nobody else wrote c
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(ScanString(KeyRange::All()), "a=2 b=2 c=3 ");
}

TEST_P(ConformanceTxn, FirstCommitterWins) {
  ASSERT_OK(store_->Put("k", "0"));
  ASSERT_OK_AND_ASSIGN(auto t1, store_->BeginTransaction());
  ASSERT_OK_AND_ASSIGN(auto t2, store_->BeginTransaction());
  ASSERT_OK(t1->Put("k", "1"));
  ASSERT_OK(t2->Put("k", "2"));
  ASSERT_OK(t2->Put("other", "2"));
  ASSERT_OK(t1->Commit());
  EXPECT_THAT(t2->Commit(), StatusIs(absl::StatusCode::kAborted, HasSubstr("k")));
  EXPECT_EQ(GetOr("k"), "1");
  EXPECT_EQ(GetOr("other"), "<none>");  // nothing of the loser is written
  // A plain (non-transactional) write also counts as a conflicting commit.
  ASSERT_OK_AND_ASSIGN(auto t3, store_->BeginTransaction());
  ASSERT_OK(t3->Delete("k"));
  ASSERT_OK(store_->Put("k", "outside"));
  EXPECT_THAT(t3->Commit(), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetOr("k"), "outside");
}

TEST_P(ConformanceTxn, GetForUpdatePreventsWriteSkew) {
  // Two on-call doctors; each transaction takes one off call if the other is on.
  ASSERT_OK(store_->Put("alice", "on"));
  ASSERT_OK(store_->Put("bob", "on"));
  auto run = [&](bool for_update) -> std::pair<absl::Status, absl::Status> {
    EXPECT_OK(store_->Put("alice", "on"));
    EXPECT_OK(store_->Put("bob", "on"));
    auto t1 = store_->BeginTransaction().value();
    auto t2 = store_->BeginTransaction().value();
    std::string v;
    if (for_update) {
      EXPECT_OK(t1->GetForUpdate("bob", &v));
      EXPECT_OK(t2->GetForUpdate("alice", &v));
    } else {
      EXPECT_OK(t1->Get("bob", &v));
      EXPECT_OK(t2->Get("alice", &v));
    }
    EXPECT_OK(t1->Put("alice", "off"));
    EXPECT_OK(t2->Put("bob", "off"));
    absl::Status s1 = t1->Commit();
    return {s1, t2->Commit()};
  };
  auto [a1, a2] = run(false);
  EXPECT_OK(a1);
  EXPECT_OK(a2);  // snapshot isolation allows the skew: both off call
  EXPECT_EQ(GetOr("alice") + GetOr("bob"), "offoff");
  auto [b1, b2] = run(true);
  EXPECT_OK(b1);
  EXPECT_THAT(b2, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(GetOr("alice") + GetOr("bob"), "offon");
}

// A transaction that only reads with GetForUpdate still fails its commit
// when one of those keys changed after it began (transaction.h): what
// Redis's WATCH with an empty MULTI relies on. One that did not read the
// changed key, or read it with a plain Get, commits.
TEST_P(ConformanceTxn, ReadOnlyGetForUpdateAbortsWhenTheKeyChanged) {
  ASSERT_OK(store_->Put("watched", "v1"));
  ASSERT_OK(store_->Put("other", "x"));
  auto t = store_->BeginTransaction().value();
  std::string v;
  ASSERT_OK(t->GetForUpdate("watched", &v));
  EXPECT_EQ(v, "v1");
  ASSERT_OK(store_->Put("watched", "v2"));
  EXPECT_THAT(t->Commit(), StatusIs(absl::StatusCode::kAborted));

  auto untouched = store_->BeginTransaction().value();
  ASSERT_OK(untouched->GetForUpdate("other", &v));
  ASSERT_OK(store_->Put("watched", "v3"));
  EXPECT_OK(untouched->Commit());

  auto plain = store_->BeginTransaction().value();
  ASSERT_OK(plain->Get("watched", &v));
  ASSERT_OK(store_->Put("watched", "v4"));
  EXPECT_OK(plain->Commit());
  EXPECT_EQ(GetOr("watched"), "v4");
}

TEST_P(ConformanceTxn, LostUpdateIsPrevented) {
  ASSERT_OK(store_->Put("counter", "0"));
  std::atomic<int> committed{0};
  auto worker = [&] {
    for (int i = 0; i < 100; ++i) {
      while (true) {
        auto txn = store_->BeginTransaction().value();
        std::string v;
        EXPECT_OK(txn->Get("counter", &v));
        EXPECT_OK(txn->Put("counter", std::to_string(std::stoi(v) + 1)));
        absl::Status s = txn->Commit();
        if (s.ok()) {
          ++committed;
          break;
        }
        ASSERT_TRUE(absl::IsAborted(s)) << s;
      }
    }
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(committed.load(), 200);
  EXPECT_EQ(GetOr("counter"), "200");
}

TEST_P(ConformanceTxn, BadInputInTransaction) {
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  EXPECT_THAT(txn->Put(std::string(kMaxKeySize + 1, 'k'), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(txn->Commit());  // nothing buffered: commits trivially
  EXPECT_EQ(ScanString(KeyRange::All()), "");
}

// --- Persistence -------------------------------------------------------------------

// --- Maintenance ----------------------------------------------------------------

// CompactRange, called on whatever stack the factory built (layers included,
// no cast to a backend class), changes no contents and keeps what an older
// snapshot sees; a backend that cannot compact says so with Unimplemented.
TEST_P(Conformance, CompactRangeKeepsContentsAndSnapshots) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 300; ++i) {
    const std::string k = "k" + std::to_string(1000 + i);
    model[k] = std::string(64, static_cast<char>('a' + i % 26));
    ASSERT_OK(store_->Put(k, model[k]));
  }
  ASSERT_OK(store_->Flush());
  SnapshotHandle snap;  // null for a backend without snapshots
  if (GetParam().snapshots) {
    ASSERT_OK_AND_ASSIGN(snap, store_->GetSnapshot());
  }
  for (int i = 0; i < 300; i += 3) {
    const std::string k = "k" + std::to_string(1000 + i);
    ASSERT_OK(store_->Delete(k));
    model.erase(k);
  }
  ASSERT_OK(store_->Put("k1001", "overwritten"));
  model["k1001"] = "overwritten";
  if (!GetParam().compacts_ranges) {
    EXPECT_THAT(store_->CompactRange(std::nullopt, std::nullopt),
                StatusIs(absl::StatusCode::kUnimplemented));
  } else {
    ASSERT_OK(store_->CompactRange("k1050", "k1150"));
    ASSERT_OK(store_->CompactRange(std::nullopt, "k1100"));
    ASSERT_OK(store_->CompactRange("k1200", std::nullopt));
    ASSERT_OK(store_->CompactRange("k9", "k0"));  // empty range
    ASSERT_OK(store_->CompactRange(std::nullopt, std::nullopt));
  }
  std::string expected;
  for (const auto& [k, v] : model) expected += k + "=" + v + " ";
  EXPECT_EQ(ScanString(KeyRange::All()), expected);
  EXPECT_EQ(GetOr("k1000"), "<none>");
  if (snap) {
    ReadOptions ro;
    ro.snapshot = snap.get();
    EXPECT_EQ(GetOr("k1000", ro), std::string(64, 'a'));
    EXPECT_EQ(GetOr("k1001", ro), std::string(64, 'b'));
  }
}

TEST_P(Conformance, DataSurvivesReopen) {
  if (!GetParam().persistent) GTEST_SKIP() << "not persistent";
  PutAll({{"a", "1"}, {"b", "2"}});
  ASSERT_OK(store_->Delete("a"));
  WriteOptions sync;
  sync.sync = true;
  ASSERT_OK(store_->Put(sync, "c", "3"));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ScanString(KeyRange::All()), "b=2 c=3 ");
  ASSERT_OK(store_->Flush());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ScanString(KeyRange::All()), "b=2 c=3 ");
}

// --- Randomized, multi-threaded, against a reference model --------------------------

TEST_P(Conformance, RandomizedAgainstModel) {
  const uint64_t seed = TestSeed();
  constexpr int kThreads = 3;
  constexpr int kOps = 1500;
  // Each thread owns the keys "t<id>/..." so its model is exact; readers
  // also check global order and consistency across partitions.
  auto worker = [&](int id) {
    Random rnd(seed + id);
    std::map<std::string, std::string> model;
    auto key = [&] {
      return "t" + std::to_string(id) + "/" + std::to_string(rnd.Uniform(60));
    };
    for (int op = 0; op < kOps; ++op) {
      const uint64_t r = rnd.Uniform(100);
      if (r < 35) {
        std::string k = key(), v = rnd.Bytes(rnd.Uniform(40), true);
        ASSERT_OK(store_->Put(k, v));
        model[k] = v;
      } else if (r < 45) {
        std::string k = key();
        ASSERT_OK(store_->Delete(k));
        model.erase(k);
      } else if (r < 55) {
        WriteBatch b;
        std::map<std::string, std::string> next = model;
        for (int i = 0, n = 1 + rnd.Uniform(6); i < n; ++i) {
          std::string k = key();
          if (rnd.OneIn(3)) {
            ASSERT_OK(b.Delete(k));
            next.erase(k);
          } else {
            std::string v = rnd.Bytes(rnd.Uniform(20), true);
            ASSERT_OK(b.Put(k, v));
            next[k] = v;
          }
        }
        ASSERT_OK(store_->Write(WriteOptions(), b));
        model = std::move(next);
      } else if (r < 75) {
        std::string k = key();
        auto it = model.find(k);
        ASSERT_EQ(GetOr(k), it == model.end() ? "<none>" : it->second)
            << "seed " << seed << " op " << op << " key " << k;
      } else if (r < 85 && GetParam().transactions) {
        auto txn = store_->BeginTransaction();
        ASSERT_OK(txn.status());
        std::string k1 = key(), k2 = key(), v = rnd.Bytes(8, true);
        ASSERT_OK((*txn)->Put(k1, v));
        ASSERT_OK((*txn)->Delete(k2));
        if (rnd.OneIn(4)) {
          ASSERT_OK((*txn)->Rollback());
        } else {
          ASSERT_OK((*txn)->Commit());  // own partition: never conflicts
          model[k1] = v;
          model.erase(k2);  // the later write wins when k1 == k2
        }
      } else {
        const std::string prefix = "t" + std::to_string(id) + "/";
        const bool reverse = rnd.OneIn(2);
        const Direction dir = reverse ? Direction::kReverse : Direction::kForward;
        auto scan = store_->Scan(KeyRange::Prefix(prefix), 0, dir);
        ASSERT_OK(scan.status());
        std::vector<KeyValue> expect;
        for (const auto& [k, v] : model) expect.push_back({k, v});
        if (reverse) std::reverse(expect.begin(), expect.end());
        ASSERT_EQ(*scan, expect) << "seed " << seed << " op " << op;
        auto all = store_->Scan(KeyRange::All(), 0, dir);
        ASSERT_OK(all.status());
        for (size_t i = 1; i < all->size(); ++i) {
          ASSERT_EQ((*all)[i - 1].key < (*all)[i].key, !reverse);
        }
      }
    }
    for (const auto& [k, v] : model) ASSERT_EQ(GetOr(k), v) << "seed " << seed;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
}

std::string Name(const ::testing::TestParamInfo<BackendFactory>& info) {
  std::string n = info.param.name;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::ValuesIn(AllBackends()), Name);
INSTANTIATE_TEST_SUITE_P(Backends, ConformanceTxn, ::testing::ValuesIn(AllBackends()), Name);

}  // namespace
}  // namespace synapsed::storage::testing
