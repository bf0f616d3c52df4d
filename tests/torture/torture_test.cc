// Short, bounded runs of every `synapsed torture` mode (the long runs are
// flags on the tool), plus the oracle's own checks: a state with a hole, a
// lost synced write, a wrong value and two writers' states that contradict
// the order their writes were acknowledged in must each be caught.
#include "tools/torture/torture.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "env/mem_env.h"
#include "engine/db.h"
#include "gtest/gtest.h"
#include "tools/torture/soak_reader.h"
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
// because the log handed it to the OS. The io_uring log file (the default
// log is mapped; ProcessCrash and the mapped tests below cover that one).
TEST(Torture, ProcessCrashTwoWriters) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x2;
  o.cycles = 8;
  o.threads = 2;
  o.use_mmap_writes = false;
  o.max_kill_ms = 300;
  o.mix = "flush=0,compact=0,sync=0";
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// Without io_uring the log is a posix file with its own user-space buffer;
// the log writer flushes it after every record, so the kill must lose no
// acknowledged write here either (the crash mode is strict: no log buffer).
// Nothing else may flush that buffer: no synced writes, no Flush() ops, and
// a memtable big enough that the log is never switched (a switch syncs it).
// Otherwise the child spends most of its time in fdatasync with nothing
// left unflushed, and a kill would rarely catch a missing flush.
TEST(Torture, ProcessCrashPosixLog) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x3;
  o.cycles = 6;
  o.max_kill_ms = 300;
  o.use_io_uring = false;
  o.use_mmap_writes = false;
  o.sync_one_in = 0;
  o.write_buffer_size = 4 << 20;
  o.mix = "flush=0,compact=0,sync=0";
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// The log appended through a shared mapping: a copy, no syscall, and the
// bytes in the OS all the same, so the kill must lose no acknowledged write.
// No synced writes and a memtable of a few log windows: the kill lands in
// unsynced appends that cross from one mapped window to the next.
TEST(Torture, ProcessCrashMappedLog) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x4;
  o.cycles = 6;
  o.max_kill_ms = 300;
  o.use_mmap_writes = true;
  o.sync_one_in = 0;
  o.write_buffer_size = 4 << 20;
  o.mix = "flush=0,compact=0,sync=0";
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// The mapped log with synced writes, two writers, flushes and switches:
// zeros written ahead of the data, logs closed and cut while others start.
TEST(Torture, ProcessCrashMappedLogSynced) {
  TortureOptions o = Short("crash");
  o.seed ^= 0x5;
  o.cycles = 6;
  o.threads = 2;
  o.max_kill_ms = 300;
  o.use_mmap_writes = true;
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

// The crash, power-loss, kill-point and corruption modes on an encrypted
// database: recovery and damage detection through the sealed formats, and
// every kill point of the key registry reached.
TEST(Torture, EncryptedPowerLossAndKillPoints) {
  TortureOptions o = Short("powerloss");
  o.seed ^= 0xe1;
  o.encryption = true;
  o.cycles = 20;
  o.ops_per_cycle = 1500;
  ExpectPass(RunTorture(o), Promise::kSyncedWrites);
  if (!KillPointsCompiledIn()) return;
  o.mode = "killpoints";
  o.cycles = 2 * KillPointNames().size();
  o.ops_per_cycle = 2000;
  TortureReport r = RunTorture(o);
  ExpectPass(r, Promise::kSyncedWrites);
  EXPECT_TRUE(r.killpoints_unreached.empty()) << FormatReport(r);
}

TEST(Torture, EncryptedProcessCrash) {
  TortureOptions o = Short("crash");
  o.seed ^= 0xe2;
  o.encryption = true;
  o.cycles = 4;
  o.max_kill_ms = 400;
  ExpectPass(RunTorture(o), Promise::kEveryWrite);
}

// An encrypted log with a buffer seals runs of records: kill -9 and power
// cuts land between and inside runs; recovery keeps a prefix with every
// synced write.
TEST(Torture, EncryptedBufferedLog) {
  TortureOptions o = Short("crash");
  o.seed ^= 0xe4;
  o.encryption = true;
  o.wal_buffer_bytes = 4096;
  o.cycles = 4;
  o.max_kill_ms = 400;
  ExpectPass(RunTorture(o), Promise::kSyncedWrites);
  o.mode = "powerloss";
  o.cycles = 15;
  o.ops_per_cycle = 1500;
  ExpectPass(RunTorture(o), Promise::kSyncedWrites);
}

TEST(Torture, EncryptedCorruption) {
  TortureOptions o = Short("corruption");
  o.seed ^= 0xe3;
  o.encryption = true;
  o.cycles = 30;
  o.ops_per_cycle = 2000;
#ifdef SYNAPSED_TOOL_BINARY
  o.check_binary = SYNAPSED_TOOL_BINARY;  // run with --key-file
#endif
  TortureReport r = RunTorture(o);
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.corruptions_injected, 30u);
  EXPECT_GT(r.corruptions_detected, 0u);
  EXPECT_GT(r.writes_survived, 0u) << FormatReport(r);
}

TEST(Torture, Metamorphic) {
  TortureOptions o = Short("metamorphic");
  o.cycles = 3;
  o.ops_per_cycle = 1500;
  TortureReport r = RunTorture(o);
  ExpectPass(r, Promise::kEveryWrite);
  EXPECT_EQ(r.values_matched, r.values_expected) << FormatReport(r);
}

// A few rounds of the soak on a real directory: two writers, two readers,
// samples every second, the bounds held, a clean reopen checked.
TEST(Torture, Soak) {
  TortureOptions o = Short("soak");
  o.threads = 2;
  o.keys = 2000;
  o.duration_seconds = 5;
  o.sample_seconds = 1;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.base_level_bytes = 256 << 10;
  o.block_cache_size = 1 << 20;
  o.max_open_files = 16;
  o.mix = "flush=0,compact=0,sync=0";
  TortureReport r = RunTorture(o);
  ExpectPass(r, Promise::kEveryWrite);
  EXPECT_GT(r.reads_checked, 0u);
  ASSERT_GE(r.soak_samples.size(), 2u) << FormatReport(r);
  for (const SoakSample& s : r.soak_samples) {
    EXPECT_GT(s.open_files, 0);
    EXPECT_LE(s.open_files, s.open_files_bound);
    if (s.rss_bound >= 0) EXPECT_LE(s.rss, s.rss_bound);  // -1 under a sanitizer
    EXPECT_GE(s.live_tables, 0);
  }
  EXPECT_EQ(r.soak_samples.back().snapshots, 0) << FormatReport(r);
  EXPECT_GT(r.soak_samples.back().writes_acknowledged, 0u);
}

// --- the oracle catches what it claims to ---

struct Fixture {
  std::unique_ptr<env::FileSystem> mem = env::NewMemFileSystem();
  std::unique_ptr<Store> db;
  std::unique_ptr<Oracle> oracle;
  std::vector<uint64_t> states;
  explicit Fixture(uint32_t threads = 1) {
    engine::EngineOptions eo;
    eo.fs = mem.get();
    eo.use_io_uring = false;
    auto d = engine::OpenNativeStore(eo, "/o");
    EXPECT_OK(d.status());
    db = std::move(*d);
    auto o = Oracle::Create("", 10, threads, 100);
    EXPECT_OK(o.status());
    oracle = std::move(*o);
  }
  // Records a put of `key` by thread `t` as issued (the oracle's clock
  // ticks); writes it to the db if `apply`. Returns the group.
  uint64_t Begin(int t, uint32_t key, bool sync, bool apply) {
    KeyWrite w{key, false};
    auto g = oracle->WriteBegin(t, {&w, 1}, sync, &states);
    EXPECT_TRUE(g.has_value());
    if (apply) {
      EXPECT_OK(db->Put(KeyName(key), EncodeValue(key, StateId(states[0]))));
    }
    return g.value_or(0);
  }
  // Records a put of `key` in the oracle; writes it to the db if `apply`.
  void Put(uint32_t key, bool sync, bool apply) { oracle->WriteAck(0, Begin(0, key, sync, apply)); }
};

// A soak reader fails on a value no write stored.
TEST(SoakReader, FindsAValueNoWriteStored) {
  Fixture f;
  ASSERT_OK(f.db->Put(KeyName(3), EncodeValue(3, 7)));
  ASSERT_OK(f.db->Put(KeyName(4), "not a torture value"));
  std::atomic<bool> stop{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 1000 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop = true;
  });
  WorkloadStats stats;
  absl::Status s = RunSoakReader(f.db.get(), {.num_keys = 10, .seed = testing::TestSeed()},
                                 &stop, &stats);
  stop = true;
  watchdog.join();
  EXPECT_TRUE(absl::IsInternal(s)) << s;
  EXPECT_GE(stats.mismatches, 1u);
  ASSERT_FALSE(stats.problems.empty());
  EXPECT_NE(stats.problems[0].find("k000004"), std::string::npos) << stats.problems[0];
}

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

TEST(Oracle, KeyOutsideTheKeySpaceIsFound) {
  Fixture f;
  f.Put(1, false, true);
  ASSERT_OK(f.db->Put("k000099", EncodeValue(99, 1)));  // past the 10 keys
  ASSERT_OK(f.db->Put("stray", "x"));
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.mismatches, 2u);
  ASSERT_EQ(v.problems.size(), 2u);
  EXPECT_NE(v.problems[0].find("k000099"), std::string::npos) << v.problems[0];
  EXPECT_NE(v.problems[1].find("stray"), std::string::npos) << v.problems[1];
}

TEST(Oracle, WrongValueIsFound) {
  Fixture f;
  f.Put(1, false, true);
  ASSERT_OK(f.db->Put(KeyName(4), "not a torture value"));
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_GE(v.mismatches, 1u);
}

// --- two writers: each thread's state is a prefix of its own writes, but
// the pair contradicts the order the writes were acknowledged in ---
// (Thread 0 writes key 0, thread 1 key 1; the oracle's clock orders them.)

TEST(Oracle, PairOrderIsChecked) {
  // 0's write is acknowledged before 1's is issued: 1's cannot be on disk
  // without 0's. Each state alone is a prefix (nothing is synced).
  for (bool first : {false, true}) {
    for (bool second : {false, true}) {
      Fixture f(2);
      f.oracle->WriteAck(0, f.Begin(0, 0, false, first));
      f.oracle->WriteAck(1, f.Begin(1, 1, false, second));
      VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
      EXPECT_EQ(v.holes, !first && second ? 1u : 0u) << first << second;
      EXPECT_EQ(v.mismatches, 0u);
      EXPECT_EQ(v.writes_survived, (first ? 1u : 0u) + (second && first ? 1u : 0u));
    }
  }
}

TEST(Oracle, OverlappingWritesMayLandInEitherOrder) {
  Fixture f(2);
  const uint64_t a = f.Begin(0, 0, false, false);
  const uint64_t b = f.Begin(1, 1, false, true);
  f.oracle->WriteAck(1, b);
  f.oracle->WriteAck(0, a);
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 0u);
  EXPECT_EQ(v.writes_survived, 1u);
  EXPECT_EQ(v.writes_acknowledged, 2u);
}

TEST(Oracle, PendingWriteIssuedAfterAnAckedOneIsOrdered) {
  // 1's write is acknowledged, then 0's is issued and never answered (the
  // kill): 0's may be on disk only together with 1's.
  Fixture f(2);
  f.oracle->WriteAck(1, f.Begin(1, 1, false, false));
  f.Begin(0, 0, false, true);
  VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
  EXPECT_EQ(v.holes, 1u);
  // A pending write that started first may land alone.
  Fixture g(2);
  g.Begin(0, 0, false, true);
  g.oracle->WriteAck(1, g.Begin(1, 1, false, false));
  EXPECT_EQ(g.oracle->Verify(g.db.get(), /*strict=*/false).holes, 0u);
}

TEST(Oracle, AbortedTransactionsDoNotOrderAnything) {
  // Aborted groups are left out of the order, on either thread, without
  // shifting which writes the pair check compares.
  for (int aborting : {0, 1}) {
    Fixture f(2);
    f.oracle->WriteAbort(aborting, f.Begin(aborting, 2 + aborting, false, false));
    f.oracle->WriteAck(0, f.Begin(0, 0, false, false));
    f.oracle->WriteAbort(aborting, f.Begin(aborting, 4 + aborting, false, false));
    f.oracle->WriteAck(1, f.Begin(1, 1, false, true));
    VerifyResult v = f.oracle->Verify(f.db.get(), /*strict=*/false);
    EXPECT_EQ(v.holes, 1u) << "aborting thread " << aborting;
    EXPECT_EQ(v.writes_acknowledged, 2u);
  }
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
