// An encrypted native database (EngineOptions::keyring) through flushes,
// compactions, log switches, crashes, rotation and re-encryption: the data
// stays right, no (data key, nonce) pair is ever used twice, a rotation cut
// by a crash at any of its steps reopens with one of the two keys, and after
// re-encryption the old master key is no longer needed.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "crypto/file_cipher.h"
#include "engine/db.h"
#include "engine/db_impl.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "engine/encryption_test_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/checksum.h"
#include "util/kill_point.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

using encryption_testing::Master;
using encryption_testing::Ring;

class EncryptionTest : public ::testing::Test {
 protected:
  EngineOptions Options(std::shared_ptr<crypto::Keyring> ring) {
    EngineOptions o;
    o.fs = &fs_;
    o.keyring = std::move(ring);
    o.write_buffer_size = 4096;
    o.table.block_size = 256;
    o.target_file_size = 8 << 10;
    o.base_level_bytes = 16 << 10;
    o.level_multiplier = 4;
    o.l0_compaction_trigger = 2;
    o.background_threads = true;
    o.use_io_uring = false;
    o.wal_buffer_bytes = wal_buffer_bytes_;
    return o;
  }
  void ExpectNoNonceUsedTwice();
  absl::StatusOr<std::unique_ptr<Store>> Open(std::shared_ptr<crypto::Keyring> ring) {
    return OpenNativeStore(Options(std::move(ring)), "/db");
  }
  void Load(Store* db, Random* rnd, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string key = fmt::format("key{:05}", rnd->Uniform(2000));
      const std::string value = fmt::format("value-{}-{}", i, rnd->Uniform(1 << 20));
      ASSERT_OK(db->Put(key, value));
      model_[key] = value;
    }
  }
  void CheckAgainstModel(Store* db) {
    ASSERT_OK_AND_ASSIGN(auto all, db->Scan(KeyRange::All()));
    std::map<std::string, std::string> got;
    for (auto& kv : all) got[kv.key] = kv.value;
    EXPECT_EQ(got, model_);
  }
  std::map<std::string, uint64_t> Generations(Store* db) {
    auto text = db->GetProperty("encryption.keys");
    EXPECT_TRUE(text.ok()) << text.status();
    std::map<std::string, uint64_t> out;
    if (!text.ok()) return out;
    auto j = nlohmann::json::parse(*text);
    for (auto& [gen, v] : j["generations"].items()) out[gen] = v["files"].get<uint64_t>();
    return out;
  }

  std::unique_ptr<env::FileSystem> mem_ = env::NewMemFileSystem();
  env::FaultInjectionFileSystem fs_{mem_.get()};
  std::map<std::string, std::string> model_;
  size_t wal_buffer_bytes_ = 0;
};

// Every unit sealed in the run, as (fingerprint of its data key, nonce):
// none twice, across flushes, compactions, log switches, reopens, a power
// cut with recovery, a rotation and a re-encryption.
void EncryptionTest::ExpectNoNonceUsedTwice() {
  std::set<std::pair<uint64_t, std::string>> seen;
  uint64_t seals = 0, repeats = 0;
  crypto::SetSealObserverForTesting([&](const crypto::SecureKey& key, const crypto::Nonce& n) {
    const auto b = key.bytes();
    const uint64_t fp = Hash64(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    ++seals;
    if (!seen.emplace(fp, std::string(n.begin(), n.end())).second) ++repeats;
  });
  Random rnd(testing::TestSeed());
  auto ring = Ring({{"k1", '1'}});
  for (int cycle = 0; cycle < 3; ++cycle) {
    ASSERT_OK_AND_ASSIGN(auto db, Open(ring));
    ASSERT_NO_FATAL_FAILURE(Load(db.get(), &rnd, 1500));
    ASSERT_OK(AsNativeEngine(db.get())->FlushMemTables());
    ASSERT_NO_FATAL_FAILURE(Load(db.get(), &rnd, 200));  // some only in the log
    ASSERT_OK(db->Put("synced", "yes", WriteOptions{.sync = true}));
    model_["synced"] = "yes";
  }
  {
    // A power cut: unsynced bytes are lost, the rest recovered.
    ASSERT_OK_AND_ASSIGN(auto db, Open(ring));
    ASSERT_OK(db->Put("before-cut", "v", WriteOptions{.sync = true}));
    model_["before-cut"] = "v";
    fs_.Freeze();
    db.reset();
    ASSERT_OK(fs_.SimulatePowerLoss());
    fs_.Unfreeze();
  }
  ASSERT_OK(ring->Add(Master("k2", '2')));
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(ring));
    ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(db.get()));
    ASSERT_OK(AsNativeEngine(db.get())->RotateMasterKey());
    ASSERT_NO_FATAL_FAILURE(Load(db.get(), &rnd, 500));
    ASSERT_OK(AsNativeEngine(db.get())->ReencryptAll());
    ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(db.get()));
  }
  crypto::SetSealObserverForTesting(nullptr);
  EXPECT_GT(seals, 1000u);
  EXPECT_EQ(repeats, 0u) << "a (data key, nonce) pair was used twice";
}

TEST_F(EncryptionTest, NoNonceIsUsedTwiceUnderOneKey) { ExpectNoNonceUsedTwice(); }

// The same with a log buffer: the logs seal runs of records (version-2
// fragments, docs/format/wal.md), flushed by syncs, switches and closes.
TEST_F(EncryptionTest, NoNonceIsUsedTwiceUnderOneKeyWithABufferedLog) {
  wal_buffer_bytes_ = 1024;
  ExpectNoNonceUsedTwice();
}

// After rotation the new key alone opens the database; after
// re-encryption every live file's data key was made under the new key.
TEST_F(EncryptionTest, RotationThenReencryptionRetiresTheOldKey) {
  Random rnd(testing::TestSeed());
  auto ring = Ring({{"k1", '1'}});
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(ring));
    ASSERT_NO_FATAL_FAILURE(Load(db.get(), &rnd, 2000));
    ASSERT_OK(AsNativeEngine(db.get())->FlushMemTables());
    EXPECT_EQ(Generations(db.get()).count("k2"), 0u);
    ASSERT_OK(ring->Add(Master("k2", '2')));
    ASSERT_OK(AsNativeEngine(db.get())->RotateMasterKey());
    auto gens = Generations(db.get());
    EXPECT_GT(gens["k1"], 0u);  // the files keep their keys
    ASSERT_OK(AsNativeEngine(db.get())->ReencryptAll());
    gens = Generations(db.get());
    EXPECT_EQ(gens.count("k1"), 0u) << nlohmann::json(gens).dump();
    EXPECT_GT(gens["k2"], 0u);
  }
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(Ring({{"k2", '2'}})));
    ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(db.get()));
  }
  EXPECT_THAT(Open(Ring({{"k1", '1'}})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"k2\"")));
  // A plain database has no keys to rotate.
  ASSERT_OK_AND_ASSIGN(auto plain, OpenNativeStore(Options(nullptr), "/plain"));
  EXPECT_THAT(AsNativeEngine(plain.get())->RotateMasterKey(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not encrypted")));
}

// A rotation cut by a power loss at each of its kill points: the database
// reopens with the old key or the new one (exactly one of them alone), and
// its data is intact.
TEST_F(EncryptionTest, RotationCutAtEveryKillPointReopens) {
  const std::vector<std::string> points = {"keys.after_temp", "keys.after_rename"};
  for (const std::string& point : points) {
    SCOPED_TRACE(point);
    model_.clear();
    Random rnd(testing::TestSeed());
    auto ring = Ring({{"k1", '1'}});
    const std::string dir = "/db_" + point;
    EngineOptions o = Options(ring);
    {
      ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(o, dir));
      ASSERT_NO_FATAL_FAILURE(Load(db.get(), &rnd, 800));
      ASSERT_OK(db->Flush());
      ASSERT_OK(ring->Add(Master("k2", '2')));
      bool fired = false;
      DisarmKillPoints();
      SetKillPointHandler([&](std::string_view) {
        fs_.Freeze();
        fired = true;
      });
      ArmKillPoint(point);
      absl::Status s = AsNativeEngine(db.get())->RotateMasterKey();
      SetKillPointHandler(nullptr);
      DisarmKillPoints();
      if (!fired) {
        GTEST_SKIP() << "kill points are not compiled in (SYNAPSED_KILL_POINTS)";
      }
      EXPECT_FALSE(s.ok()) << "the frozen file system should have failed the rotation";
      db.reset();
    }
    ASSERT_OK(fs_.SimulatePowerLoss());
    fs_.Unfreeze();
    const bool old_opens = OpenNativeStore(Options(Ring({{"k1", '1'}})), dir).ok();
    const bool new_opens = OpenNativeStore(Options(Ring({{"k2", '2'}})), dir).ok();
    EXPECT_NE(old_opens, new_opens) << "old key opens: " << old_opens
                                    << ", new key opens: " << new_opens;
    ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(Options(Ring({{"k1", '1'}, {"k2", '2'}})), dir));
    ASSERT_NO_FATAL_FAILURE(CheckAgainstModel(db.get()));
    // And the rotation, run again, completes.
    ASSERT_OK(AsNativeEngine(db.get())->RotateMasterKey());
  }
}

}  // namespace
}  // namespace synapsed::storage::engine
