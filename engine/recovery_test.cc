// Recovery on the fault-injecting file system: write batches with and
// without sync, cut the power at a random point (keeping a random part of
// what was not synced), reopen, and check that
//   - every batch acknowledged with sync=true is there,
//   - the state equals the state after some prefix of the acknowledged
//     batches (no hole, no torn batch),
// over many random trials and several crash cycles per trial.
#include <map>
#include <optional>
#include <vector>

#include "engine/db.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "gtest/gtest.h"
#include "util/kill_point.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

using Model = std::map<std::string, std::string>;

struct Op {
  // One acknowledged batch: its effect, and whether it was synced.
  std::vector<std::pair<std::string, std::optional<std::string>>> writes;
  bool sync = false;
};

void Apply(const Op& op, Model* m) {
  for (const auto& [k, v] : op.writes) {
    if (v) {
      (*m)[k] = *v;
    } else {
      m->erase(k);
    }
  }
}

absl::StatusOr<Model> ReadAll(Store* db) {
  auto kvs = db->Scan(KeyRange::All());
  if (!kvs.ok()) return kvs.status();
  Model m;
  for (auto& kv : *kvs) m[kv.key] = kv.value;
  return m;
}

// `harsh`: power cuts also lose unsynced pages out of order and keep a
// random subset of the unsynced directory changes
// (env/fault_injection_env.h).
void RunTrial(uint64_t seed, size_t wal_buffer_bytes, bool harsh = false) {
  Random rnd(seed);
  auto base = env::NewMemFileSystem();
  env::FaultInjectionFileSystem fs(base.get());
  EngineOptions options;
  options.fs = &fs;
  options.use_io_uring = false;
  options.write_buffer_size = 4096 + rnd.Uniform(8192);
  options.wal_buffer_bytes = wal_buffer_bytes;

  Model durable;  // the state the last crash left (recovered and verified)
  for (int cycle = 0; cycle < 3; ++cycle) {
    auto db = OpenNativeStore(options, "/db");
    ASSERT_OK(db.status()) << "seed " << seed << " cycle " << cycle;
    std::vector<Op> acked;
    size_t last_synced = 0;  // acked[0, last_synced) must survive
    const int n = 1 + rnd.Uniform(120);
    for (int i = 0; i < n; ++i) {
      Op op;
      op.sync = rnd.OneIn(6);
      WriteBatch b;
      for (int j = 0, m = 1 + rnd.Uniform(4); j < m; ++j) {
        std::string k = "k" + std::to_string(rnd.Uniform(40));
        if (rnd.OneIn(4)) {
          ASSERT_OK(b.Delete(k));
          op.writes.emplace_back(k, std::nullopt);
        } else {
          std::string v = std::to_string(seed % 1000) + "." + std::to_string(cycle) +
                          "." + std::to_string(i) + std::string(rnd.Uniform(200), 'x');
          ASSERT_OK(b.Put(k, v));
          op.writes.emplace_back(k, v);
        }
      }
      WriteOptions wo;
      wo.sync = op.sync;
      ASSERT_OK((*db)->Write(wo, b)) << "seed " << seed;
      acked.push_back(std::move(op));
      if (acked.back().sync) last_synced = acked.size();
    }
    // Power cut: nothing more reaches the disk, the process dies.
    fs.Freeze();
    db->reset();
    ASSERT_OK(fs.SimulatePowerLoss(
        {.rnd = &rnd, .out_of_order_pages = harsh, .directory_subsets = harsh}));

    auto reopened = OpenNativeStore(options, "/db");
    ASSERT_OK(reopened.status()) << "seed " << seed << " cycle " << cycle;
    ASSERT_OK_AND_ASSIGN(Model got, ReadAll(reopened->get()));
    // Find the prefix of this cycle's acknowledged batches that `got` is.
    Model state = durable;
    std::optional<size_t> match;
    for (size_t p = 0; p <= acked.size(); ++p) {
      if (p > 0) Apply(acked[p - 1], &state);
      if (p >= last_synced && state == got) {
        match = p;
        break;
      }
    }
    ASSERT_TRUE(match.has_value())
        << "seed " << seed << " cycle " << cycle
        << ": recovered state is not a prefix of the acknowledged writes "
        << "that includes every synced one (" << acked.size() << " acked, "
        << last_synced << " synced)";
    durable = std::move(got);
  }
}

TEST(Recovery, PowerLossKeepsAPrefixOfAcknowledgedWrites) {
  const uint64_t seed = testing::TestSeed();
  for (int trial = 0; trial < 150; ++trial) {
    ASSERT_NO_FATAL_FAILURE(RunTrial(seed + trial, /*wal_buffer_bytes=*/0));
  }
}

TEST(Recovery, PowerLossWithBufferedLog) {
  const uint64_t seed = testing::TestSeed() ^ 0xb0f;
  for (int trial = 0; trial < 100; ++trial) {
    ASSERT_NO_FATAL_FAILURE(RunTrial(seed + trial, /*wal_buffer_bytes=*/4096));
  }
}

TEST(Recovery, PowerLossWithPagesAndDirectoryChangesInAnyOrder) {
  const uint64_t seed = testing::TestSeed() ^ 0x5ab;
  for (int trial = 0; trial < 150; ++trial) {
    ASSERT_NO_FATAL_FAILURE(RunTrial(seed + trial, /*wal_buffer_bytes=*/0, /*harsh=*/true));
  }
}

// Every open writes a new manifest and points CURRENT at it. Cut the power
// at each step of that switch, keeping a random subset of the directory
// changes not yet synced: the database opens with its data every time
// (without the directory sync after creating the manifest, CURRENT can
// survive naming a manifest that did not).
TEST(Recovery, ManifestSwitchSurvivesAnySubsetOfDirectoryChanges) {
  Random rnd(testing::TestSeed());
  for (const char* point :
       {"manifest.after_create", "manifest.after_current_tmp", "manifest.after_rename"}) {
    SCOPED_TRACE(point);
    for (int trial = 0; trial < 24; ++trial) {
      auto base = env::NewMemFileSystem();
      env::FaultInjectionFileSystem fs(base.get());
      EngineOptions options;
      options.fs = &fs;
      options.use_io_uring = false;
      {
        ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(options, "/db"));
        WriteOptions wo;
        wo.sync = true;
        ASSERT_OK(db->Put(wo, "key", "value"));
      }
      bool fired = false;
      DisarmKillPoints();
      SetKillPointHandler([&](std::string_view) {
        fs.Freeze();
        fired = true;
      });
      ArmKillPoint(point);
      auto cut = OpenNativeStore(options, "/db");
      SetKillPointHandler(nullptr);
      DisarmKillPoints();
      if (!fired) GTEST_SKIP() << "kill points are not compiled in (SYNAPSED_KILL_POINTS)";
      if (cut.ok()) cut->reset();
      ASSERT_OK(fs.SimulatePowerLoss({.rnd = &rnd, .directory_subsets = true}));
      fs.Unfreeze();
      auto reopened = OpenNativeStore(options, "/db");
      ASSERT_OK(reopened.status()) << "trial " << trial;
      ASSERT_OK_AND_ASSIGN(std::string value, (*reopened)->Get("key"));
      EXPECT_EQ(value, "value");
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::engine
