// MVCC and transactions on the native engine: Badger's bank test (transfers
// between accounts on two threads, a reader checking with snapshots that the
// total never changes) while flushes and compactions run, and after reopen;
// several snapshots held across heavy overwrite and compaction.
#include <atomic>
#include <filesystem>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

constexpr int kAccounts = 50;
constexpr int kInitial = 1000;

std::string Account(int i) { return fmt::format("acct/{:03}", i); }

EngineOptions SmallOptions(const std::string&) {
  EngineOptions o;
  o.write_buffer_size = 8 << 10;  // a flush every few dozen transfers
  o.target_file_size = 16 << 10;
  o.base_level_bytes = 32 << 10;
  o.l0_compaction_trigger = 2;
  o.table.block_size = 512;
  return o;
}

class TxnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_txn_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

absl::StatusOr<int64_t> Total(Store* db, const ReadOptions& ro) {
  auto all = db->Scan(KeyRange::Prefix("acct/"), 0, Direction::kForward, ro);
  if (!all.ok()) return all.status();
  if (all->size() != kAccounts) {
    return absl::InternalError(fmt::format("{} accounts", all->size()));
  }
  int64_t sum = 0;
  for (const auto& kv : *all) sum += std::stoll(kv.value);
  return sum;
}

TEST_F(TxnTest, BankTotalNeverChanges) {
  const uint64_t seed = testing::TestSeed();
  auto opened = OpenNativeStore(SmallOptions(dir_), dir_);
  ASSERT_OK(opened.status());
  std::unique_ptr<Store> db = std::move(*opened);
  {
    WriteBatch b;
    for (int i = 0; i < kAccounts; ++i) ASSERT_OK(b.Put(Account(i), std::to_string(kInitial)));
    ASSERT_OK(db->Write(WriteOptions(), b));
  }
  constexpr int kTransfersPerThread = 1500;
  std::atomic<int> commits{0}, aborts{0}, checks{0}, bad{0};
  std::atomic<bool> done{false};
  auto transfer = [&](int id) {
    Random rnd(seed + id);
    for (int n = 0; n < kTransfersPerThread;) {
      int a = rnd.Uniform(kAccounts), b = rnd.Uniform(kAccounts);
      if (a == b) continue;
      auto txn = db->BeginTransaction();
      ASSERT_OK(txn.status());
      std::string va, vb;
      ASSERT_OK((*txn)->Get(Account(a), &va));
      ASSERT_OK((*txn)->Get(Account(b), &vb));
      const int amount = 1 + rnd.Uniform(20);
      ASSERT_OK((*txn)->Put(Account(a), std::to_string(std::stoll(va) - amount)));
      ASSERT_OK((*txn)->Put(Account(b), std::to_string(std::stoll(vb) + amount)));
      absl::Status s = (*txn)->Commit();
      if (s.ok()) {
        ++commits;
        ++n;
      } else {
        ASSERT_TRUE(absl::IsAborted(s)) << s;
        ++aborts;
      }
    }
  };
  auto reader = [&] {
    while (!done) {
      auto snap = db->GetSnapshot();
      ASSERT_OK(snap.status());
      ReadOptions ro;
      ro.snapshot = snap->get();
      auto total = Total(db.get(), ro);
      ASSERT_OK(total.status());
      if (*total != kAccounts * kInitial) ++bad;
      // The same snapshot read again, key by key, agrees with the scan.
      int64_t sum = 0;
      for (int i = 0; i < kAccounts; ++i) {
        auto v = db->Get(Account(i), ro);
        ASSERT_OK(v.status());
        sum += std::stoll(*v);
      }
      if (sum != *total) ++bad;
      ++checks;
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::thread r(reader);
  std::thread t1(transfer, 1), t2(transfer, 2);
  std::thread compactor([&] {
    for (int i = 0; i < 3 && !done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ASSERT_OK(AsNativeEngine(db.get())->CompactRange(std::nullopt, std::nullopt));
    }
  });
  t1.join();
  t2.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  r.join();
  compactor.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(commits.load(), 2 * kTransfersPerThread);
  std::printf("[bank] %d commits in %.2f s (%.0f commits/s), %d aborts (%.1f%% of attempts), "
              "%d snapshot checks\n",
              commits.load(), secs, commits.load() / secs, aborts.load(),
              100.0 * aborts.load() / (commits.load() + aborts.load()), checks.load());
  ASSERT_OK_AND_ASSIGN(int64_t total, Total(db.get(), ReadOptions()));
  EXPECT_EQ(total, kAccounts * kInitial);
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, OpenNativeStore(SmallOptions(dir_), dir_));
  ASSERT_OK_AND_ASSIGN(total, Total(db.get(), ReadOptions()));
  EXPECT_EQ(total, kAccounts * kInitial);
}

TEST_F(TxnTest, ConflictDetectedAfterTheWinnerWasFlushedAndCompacted) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(SmallOptions(dir_), dir_));
  ASSERT_OK(db->Put("k", "0"));
  ASSERT_OK_AND_ASSIGN(auto loser, db->BeginTransaction());
  ASSERT_OK(db->Put("k", "winner"));
  // Push the winner's write out of every memtable and down the levels.
  ASSERT_OK(AsNativeEngine(db.get())->CompactRange(std::nullopt, std::nullopt));
  ASSERT_OK(loser->Put("k", "loser"));
  EXPECT_THAT(loser->Commit(), testing::StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(std::string v, db->Get("k"));
  EXPECT_EQ(v, "winner");
}

TEST_F(TxnTest, ManySnapshotsKeepTheirStateThroughCompactionThenReclaim) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(SmallOptions(dir_), dir_));
  DBImpl* native = AsNativeEngine(db.get());
  Random rnd(testing::TestSeed());
  std::map<std::string, std::string> model;
  std::vector<std::pair<SnapshotHandle, std::map<std::string, std::string>>> snaps;
  for (int phase = 0; phase < 4; ++phase) {
    for (int i = 0; i < 800; ++i) {
      std::string k = fmt::format("k{:04}", rnd.Uniform(200));
      if (rnd.OneIn(5)) {
        ASSERT_OK(db->Delete(k));
        model.erase(k);
      } else {
        std::string v = rnd.Bytes(30, true);
        ASSERT_OK(db->Put(k, v));
        model[k] = v;
      }
    }
    ASSERT_OK_AND_ASSIGN(SnapshotHandle s, db->GetSnapshot());
    snaps.emplace_back(std::move(s), model);
    ASSERT_OK(native->CompactRange(std::nullopt, std::nullopt));
  }
  for (const auto& [snap, expect] : snaps) {
    ReadOptions ro;
    ro.snapshot = snap.get();
    ASSERT_OK_AND_ASSIGN(auto all, db->Scan(KeyRange::All(), 0, Direction::kForward, ro));
    std::map<std::string, std::string> got;
    for (auto& kv : all) got[kv.key] = kv.value;
    EXPECT_EQ(got, expect);
  }
  auto entries = [&] {
    uint64_t n = 0;
    for (const auto& level : native->current_version()->shape().levels) {
      for (const auto& f : level) n += f->num_entries;
    }
    return n;
  };
  const uint64_t held = entries();
  snaps.clear();
  ASSERT_OK(native->CompactRange(std::nullopt, std::nullopt));
  EXPECT_LT(entries(), held);
  EXPECT_EQ(entries(), model.size());
}

}  // namespace
}  // namespace synapsed::storage::engine
