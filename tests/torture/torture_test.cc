// Short, bounded runs of every `synapsed torture` mode (the long runs are
// flags on the tool), plus the oracle's own checks: a state with a hole, a
// lost synced write and a wrong value must each be caught.
#include "tools/torture/torture.h"

#include <string>

#include "env/mem_env.h"
#include "engine/db.h"
#include "gtest/gtest.h"
#include "tools/torture/value_codec.h"
#include "util/kill_point.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::torture {
namespace {

TortureOptions Short(const std::string& mode) {
  TortureOptions o;
  o.mode = mode;
  o.seed = testing::TestSeed();
  o.keys = 300;
  return o;
}

// What a mode promises survives its crash.
enum class Promise {
  kEveryWrite,   // every acknowledged write
  kSyncedWrites  // a prefix holding every synced write
};

// A pass must have read something back: a run whose checks saw nothing
// (no write survived, no value matched) fails rather than passing vacuously.
void ExpectPass(const TortureReport& r, Promise promise) {
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_GT(r.cycles, 0u) << FormatReport(r);
  EXPECT_EQ(r.holes, 0u);
  EXPECT_EQ(r.mismatches, 0u);
  EXPECT_GT(r.writes_promised, 0u) << FormatReport(r);
  EXPECT_GT(r.writes_survived, 0u) << FormatReport(r);
  EXPECT_GT(r.values_matched, 0u) << FormatReport(r);
  EXPECT_LE(r.writes_survived, r.writes_acknowledged) << FormatReport(r);
  if (promise == Promise::kEveryWrite) {
    EXPECT_EQ(r.writes_promised, r.writes_acknowledged) << FormatReport(r);
    EXPECT_EQ(r.writes_survived, r.writes_acknowledged) << FormatReport(r);
  } else {
    EXPECT_GE(r.writes_survived, r.writes_promised) << FormatReport(r);
  }
}

TEST(Torture, PowerLoss) {
  TortureOptions o = Short("powerloss");
  o.cycles = 40;
  o.ops_per_cycle = 1500;
  o.threads = 2;
  ExpectPass(RunTorture(o), Promise::kSyncedWrites);
}

TEST(Torture, PowerLossBufferedLog) {
  TortureOptions o = Short("powerloss");
  o.seed ^= 0xb0f;
  o.cycles = 30;
  o.ops_per_cycle = 1500;
  o.wal_buffer_bytes = 4096;
  ExpectPass(RunTorture(o), Promise::kSyncedWrites);
}

TEST(Torture, ProcessCrash) {
  TortureOptions o = Short("crash");
  o.cycles = 6;
  o.max_kill_ms = 400;
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// Two writers and no Flush() ops: only memtable switches and synced writes
// reach fdatasync, so every other acknowledged write must survive the kill
// because the log handed it to the OS.
TEST(Torture, ProcessCrashTwoWriters) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x2;
  o.cycles = 8;
  o.threads = 2;
  o.max_kill_ms = 300;
  o.mix = "flush=0,compact=0,sync=0";
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// Without io_uring the log is a posix file with its own user-space buffer;
// the log writer flushes it after every record, so the kill must lose no
// acknowledged write here either (the crash mode is strict: no log buffer).
TEST(Torture, ProcessCrashPosixLog) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x3;
  o.cycles = 6;
  o.max_kill_ms = 300;
  o.use_io_uring = false;
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

TEST(Torture, KillPoints) {
  if (!KillPointsCompiledIn()) {
    GTEST_SKIP() << "kill points are not compiled in: configure with -DSYNAPSED_KILL_POINTS=ON";
  }
  TortureOptions o = Short("killpoints");
  o.cycles = 2 * KillPointNames().size();
  o.ops_per_cycle = 2000;
  TortureReport r = RunTorture(o);
  ExpectPass(r, Promise::kSyncedWrites);
  EXPECT_TRUE(r.killpoints_unreached.empty()) << FormatReport(r);
}

TEST(Torture, Corruption) {
  TortureOptions o = Short("corruption");
  o.cycles = 40;
  o.ops_per_cycle = 2000;
#ifdef SYNAPSED_TOOL_BINARY
  o.check_binary = SYNAPSED_TOOL_BINARY;
#endif
  TortureReport r = RunTorture(o);
  // A flip may make any read fail (naming the file; a damaged manifest or
  // log fails the open): nothing is promised, but values must read back.
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.corruptions_injected, 40u);
  EXPECT_GT(r.corruptions_detected, 0u);
  EXPECT_GT(r.writes_survived, 0u) << FormatReport(r);
  EXPECT_EQ(r.values_matched, r.writes_survived);
}

TEST(Torture, Metamorphic) {
  TortureOptions o = Short("metamorphic");
  o.cycles = 3;
  o.ops_per_cycle = 1500;
  TortureReport r = RunTorture(o);
  ExpectPass(r, Promise::kEveryWrite);
  EXPECT_EQ(r.values_matched, r.values_expected) << FormatReport(r);
}

// --- the oracle catches what it claims to ---

struct Fixture {
  std::unique_ptr<env::FileSystem> mem = env::NewMemFileSystem();
  std::unique_ptr<Store> db;
  std::unique_ptr<Oracle> oracle;
  std::vector<uint64_t> states;
  Fixture() {
    engine::EngineOptions eo;
    eo.fs = mem.get();
    eo.use_io_uring = false;
    auto d = engine::OpenNativeStore(eo, "/o");
    EXPECT_OK(d.status());
    db = std::move(*d);
    auto o = Oracle::Create("", 10, 1, 100);
    EXPECT_OK(o.status());
    oracle = std::move(*o);
  }
  // Records a put of `key` in the oracle; writes it to the db if `apply`.
  void Put(uint32_t key, bool sync, bool apply) {
    KeyWrite w{key, false};
    auto g = oracle->WriteBegin(0, {&w, 1}, sync, &states);
    ASSERT_TRUE(g.has_value());
    if (apply) {
      ASSERT_OK(db->Put(KeyName(key), EncodeValue(key, StateId(states[0]))));
    }
    oracle->WriteAck(0, *g);
  }
};

TEST(Oracle, PrefixPasses) {
  Fixture f;
  f.Put(1, false, true);
  f.Put(2, false, true);
  f.Put(3, false, false);  // lost: a suffix
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 0u);
  EXPECT_EQ(v.mismatches, 0u);
  EXPECT_EQ(f.oracle->Verify(f.db.get(), /*strict=*/true).mismatches, 1u);
}

TEST(Oracle, HoleIsFound) {
  Fixture f;
  f.Put(1, false, true);
  f.Put(2, false, false);  // lost, but a later write survived
  f.Put(3, false, true);
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 1u);
}

TEST(Oracle, LostSyncedWriteIsFound) {
  Fixture f;
  f.Put(1, false, true);
  f.Put(2, true, false);  // synced and lost
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 1u);
}

TEST(Oracle, WrongValueIsFound) {
  Fixture f;
  f.Put(1, false, true);
  ASSERT_OK(f.db->Put(KeyName(4), "not a torture value"));
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_GE(v.mismatches, 1u);
}

TEST(Oracle, SurvivalCountsWhatWasReadBack) {
  Fixture f;
  f.Put(1, false, true);
  f.Put(2, true, true);  // synced: promised
  f.Put(3, false, true);
  f.Put(4, false, false);  // lost: a suffix
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 0u);
  EXPECT_EQ(v.writes_acknowledged, 4u);
  EXPECT_EQ(v.writes_promised, 2u);
  EXPECT_EQ(v.writes_survived, 3u);
  EXPECT_EQ(v.values_matched, 3u);
}

}  // namespace
}  // namespace synapsed::storage::torture
