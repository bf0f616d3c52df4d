// Runs `synapsed bench`'s logic on tiny inputs against the memory and native
// engines and checks the report's shape and that the numbers are sane (ops
// counted, keys found). No timing assertions.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "bench/db_bench/data_gen.h"
#include "bench/db_bench/db_bench.h"
#include "bench/db_bench/engines.h"
#include "bench/db_bench/histogram.h"
#include "bench/db_bench/rounds.h"
#include "bench/db_bench/settle.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "util/status_matchers.h"

namespace synapsed::storage::bench {
namespace {

using ::testing::HasSubstr;

TEST(DataGenTest, KeysAreFixedWidthDecimalAndOrdered) {
  std::string a, b;
  MakeKey(1234, 16, &a);
  EXPECT_EQ(a, "0000000000001234");
  MakeKey(0, 16, &b);
  EXPECT_EQ(b, "0000000000000000");
  MakeKey(99, 4, &a);
  MakeKey(100, 4, &b);
  EXPECT_LT(a, b);
}

TEST(DataGenTest, ValuesHaveTheRequestedSizeAndRepeat) {
  ValueGenerator gen(301, 0.5);
  std::string_view v = gen.Next(100);
  ASSERT_EQ(v.size(), 100u);
  // Each 100-byte piece is a 50-byte random string repeated.
  EXPECT_EQ(v.substr(0, 50), v.substr(50, 50));
  ValueGenerator same(301, 0.5);
  EXPECT_EQ(same.Next(100), v);  // deterministic per seed
}

TEST(HistogramTest, PercentilesAreWithinABucket) {
  Histogram h;
  for (uint64_t i = 1; i <= 10000; ++i) h.Add(i * 100);  // 100 ns .. 1 ms
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_NEAR(h.Percentile(50), 500000, 500000 * 0.02);
  EXPECT_NEAR(h.Percentile(99), 990000, 990000 * 0.02);
  EXPECT_LE(h.Percentile(100), 1000000);
  Histogram other;
  other.Add(5);
  h.Merge(other);
  EXPECT_EQ(h.min(), 5u);
  EXPECT_THAT(h.ToString(), HasSubstr("P99.9"));
}

class DbBenchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/synapsed_dbbench_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

// The access control and audit stacks run every workload with the bare
// engine's results (no timing is checked), and the audit log is written.
TEST_F(DbBenchTest, SecuredEnginesMatchNative) {
  BenchFlags flags;
  flags.benchmarks = {"fillsync", "fillrandom", "readrandom", "seekrandom", "multireadrandom"};
  flags.engines = {"native", "native_acl", "native_audit"};
  flags.num = 1000;
  flags.db = root_;
  ASSERT_OK_AND_ASSIGN(BenchReport report, RunBench(flags));
  ASSERT_EQ(report.results.size(), 3 * flags.benchmarks.size());
  std::map<std::string, std::string> found;
  for (const WorkloadResult& r : report.results) {
    SCOPED_TRACE(r.engine + " " + r.workload);
    ASSERT_OK(r.status);
    EXPECT_GT(r.ops, 0);
    if (r.workload == "readrandom") found[r.engine] = r.note;
  }
  EXPECT_EQ(found["native_acl"], found["native"]);
  EXPECT_EQ(found["native_audit"], found["native"]);
  // A fill starts a fresh database, audit log included: fillrandom and the
  // reads after it are what the log holds, a record each.
  EXPECT_GT(std::filesystem::file_size(root_ + "/native_audit/bench.audit"), 50u * flags.num);
}

TEST_F(DbBenchTest, RunsEveryWorkloadOnMemoryAndNative) {
  BenchFlags flags;
  flags.benchmarks = {"fillseq",    "fillrandom", "overwrite",        "readrandom",
                      "readseq",    "readreverse", "seekrandom",      "multireadrandom",
                      "readwhilewriting", "fillsync"};
  flags.engines = {"native", "memory"};
  flags.num = 2000;
  flags.db = root_;
  ASSERT_OK_AND_ASSIGN(BenchReport report, RunBench(flags));
  ASSERT_EQ(report.engines.size(), 2u);
  ASSERT_EQ(report.results.size(), 2 * flags.benchmarks.size());
  for (const WorkloadResult& r : report.results) {
    SCOPED_TRACE(r.engine + " " + r.workload);
    ASSERT_OK(r.status);
    EXPECT_GT(r.ops, 0);
    EXPECT_GT(r.OpsPerSec(), 0);
    EXPECT_EQ(r.latency.count() > 0, true);
    EXPECT_GT(r.bytes, 0);
    if (r.workload == "fillseq" || r.workload == "fillrandom" || r.workload == "overwrite") {
      EXPECT_EQ(r.ops, flags.num);
    }
    if (r.workload == "fillsync") {
      EXPECT_EQ(r.ops, 2);  // num / 1000
    }
    if (r.workload == "readseq") {
      // After fillrandom + overwrite, the distinct keys written (< num).
      EXPECT_LE(r.ops, flags.num);
      EXPECT_GT(r.ops, flags.num / 2);
    }
    if (r.workload == "multireadrandom") {
      EXPECT_EQ(r.latency.count() * 16, static_cast<uint64_t>(r.ops));
    }
    if (r.workload == "readrandom") {
      EXPECT_THAT(r.note, HasSubstr("found"));
    }
    // Written data lands in files (native) or nowhere (memory).
    if (r.engine == "native" && r.workload == "fillseq") {
      EXPECT_GT(r.space_amp, 0.5);
    }
    if (r.engine == "memory") {
      EXPECT_LT(r.space_amp, 0);
    }
  }
  // The same seed gives both engines the same data: same keys found.
  auto found = [&](const std::string& engine) {
    for (const WorkloadResult& r : report.results) {
      if (r.engine == engine && r.workload == "readrandom") return r.note;
    }
    return std::string();
  };
  EXPECT_EQ(found("native"), found("memory"));

  std::ostringstream out;
  PrintReport(report, out);
  const std::string table = out.str();
  for (const char* column : {"ops/s", "MB/s", "p50 us", "p99 us", "p99.9 us", "vs native"}) {
    EXPECT_THAT(table, HasSubstr(column));
  }
  EXPECT_THAT(table, HasSubstr("[native]"));
  EXPECT_THAT(table, HasSubstr("ignored (in memory)"));
  EXPECT_THAT(table, HasSubstr("1.00x"));  // native against itself
  EXPECT_THAT(table, HasSubstr("block cache hit rate"));

  auto json = nlohmann::json::parse(ReportJson(report));
  ASSERT_EQ(json["results"].size(), report.results.size());
  EXPECT_EQ(json["results"][0]["engine"], "native");
  EXPECT_GT(json["results"][0]["ops_per_sec"].get<double>(), 0);
  // Only readwhilewriting reports its writer's rate (scripts/bench.sh holds
  // native's against the peers').
  for (const auto& jr : json["results"]) {
    SCOPED_TRACE(jr["engine"].get<std::string>() + " " + jr["workload"].get<std::string>());
    const bool rww = jr["workload"] == "readwhilewriting";
    ASSERT_EQ(jr.contains("writer_ops_per_sec"), rww);
    if (rww) EXPECT_GE(jr["writer_ops_per_sec"].get<double>(), 0);
  }
}

TEST_F(DbBenchTest, UseExistingDbSkipsFillsAndReadsWhatIsThere) {
  BenchFlags flags;
  flags.engines = {"native"};
  flags.num = 500;
  flags.db = root_;
  flags.benchmarks = {"fillseq"};
  ASSERT_OK(RunBench(flags).status());
  flags.use_existing_db = true;
  flags.benchmarks = {"fillseq", "readseq"};
  ASSERT_OK_AND_ASSIGN(BenchReport report, RunBench(flags));
  ASSERT_EQ(report.results.size(), 2u);
  EXPECT_TRUE(report.results[0].skipped);
  ASSERT_OK(report.results[1].status);
  EXPECT_EQ(report.results[1].ops, 500);
}

TEST_F(DbBenchTest, BadFlagsAreRejected) {
  BenchFlags flags;
  flags.db = root_;
  flags.benchmarks = {"fillseq", "nosuch"};
  EXPECT_THAT(RunBench(flags), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("nosuch")));
  flags.benchmarks = {"fillseq"};
  flags.engines = {"oracle"};
  EXPECT_THAT(RunBench(flags), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  flags.engines = {"memory"};
  flags.key_size = 4;
  flags.num = 100000;
  EXPECT_THAT(RunBench(flags), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("key_size")));
}

// The memory bound, at a small scale (the bench-scale figure is in
// docs/performance.md): what malloc has handed out at the end of each phase
// stays within what the engine accounts for (block cache, memtable budget)
// plus a fixed slack for everything else (the bench's own buffers, table
// readers, the log buffer); the peak resident set may be higher by what
// glibc keeps in its per-thread arenas, at most one more accounted budget.
TEST_F(DbBenchTest, MemoryStaysWithinWhatTheEngineAccountsFor) {
  BenchFlags flags;
  flags.benchmarks = {"fillrandom", "readrandom"};
  flags.engines = {"native"};
  flags.num = 200000;
  flags.cache_size = 4 << 20;
  flags.write_buffer_size = 1 << 20;
  flags.bloom_bits = 10;
  flags.db = root_;
  ASSERT_OK_AND_ASSIGN(BenchReport report, RunBench(flags));
  constexpr int64_t kSlack = 16 << 20;
  for (const WorkloadResult& r : report.results) {
    SCOPED_TRACE(r.workload);
    ASSERT_OK(r.status);
    const PhaseMemory& m = r.memory;
    if (m.peak_rss < 0) GTEST_SKIP() << "no /proc/self/status here";
    ASSERT_GT(m.AccountedBytes(), 0) << "the engine reports its parts";
    EXPECT_GE(m.block_cache_usage, 0);
    EXPECT_GE(m.memtable_pool, 0);
    EXPECT_LE(m.memtable_bytes + m.memtable_pool, m.memtable_budget + (1 << 20));
    EXPECT_LE(m.end_heap, m.AccountedBytes() + kSlack);
    EXPECT_LE(m.peak_rss - m.baseline_rss, 2 * m.AccountedBytes() + kSlack);
  }
}

TEST(RoundsTest, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
}

// A result of `ops` operations in one second.
WorkloadResult Result(const std::string& workload, const std::string& engine, int64_t ops) {
  WorkloadResult r;
  r.workload = workload;
  r.engine = engine;
  r.ops = ops;
  r.seconds = 1;
  return r;
}

// Each round's ratio is against that round's native figure, not another
// round's; a failed workload leaves its round out.
TEST(RoundsTest, RatiosAreTakenWithinEachRound) {
  std::vector<BenchReport> rounds(3);
  for (BenchReport& r : rounds) {
    r.flags.benchmarks = {"fillrandom"};
    r.flags.engines = {"native", "native_audit"};
  }
  rounds[0].results = {Result("fillrandom", "native", 100), Result("fillrandom", "native_audit", 80)};
  rounds[1].results = {Result("fillrandom", "native_audit", 90), Result("fillrandom", "native", 200)};
  rounds[2].results = {Result("fillrandom", "native", 150), Result("fillrandom", "native_audit", 0)};
  rounds[2].results[1].status = absl::InternalError("failed");
  const std::vector<RoundsSummaryRow> rows = SummariseRounds(rounds);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].engine, "native");
  EXPECT_TRUE(rows[0].ratios.empty());
  EXPECT_EQ(rows[0].ops_per_sec, (std::vector<double>{100, 200, 150}));
  EXPECT_EQ(rows[1].engine, "native_audit");
  EXPECT_EQ(rows[1].ratios, (std::vector<double>{0.8, 0.45}));
  std::ostringstream out;
  PrintRoundsSummary(rounds, out);
  EXPECT_THAT(out.str(), HasSubstr("0.62x"));  // the median of 0.80 and 0.45
  EXPECT_THAT(out.str(), HasSubstr("0.45/0.80"));
  auto json = nlohmann::json::parse(RoundsJson(rounds));
  EXPECT_EQ(json["rounds"].size(), 3u);
  EXPECT_DOUBLE_EQ(json["summary"][1]["median_ratio"].get<double>(), 0.625);
}

TEST_F(DbBenchTest, EveryOtherRoundRunsTheEnginesInReverse) {
  BenchFlags flags;
  flags.benchmarks = {"fillrandom"};
  flags.engines = {"native", "memory"};
  flags.num = 500;
  flags.db = root_;
  ASSERT_OK_AND_ASSIGN(std::vector<BenchReport> rounds, RunRounds(flags, 3));
  ASSERT_EQ(rounds.size(), 3u);
  const std::vector<std::string> order[] = {{"native", "memory"}, {"memory", "native"},
                                            {"native", "memory"}};
  for (size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(rounds[k].engines.size(), 2u);
    EXPECT_EQ(rounds[k].engines[0].engine, order[k][0]) << k;
    EXPECT_EQ(rounds[k].engines[1].engine, order[k][1]) << k;
  }
  EXPECT_EQ(SummariseRounds(rounds)[1].ratios.size(), 3u);
  EXPECT_THAT(RunRounds(flags, 0).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SettleTest, LevelDbTriggerFollowsItsListing) {
  // Three L0 tables and 9 MiB in L1: under both triggers.
  const std::string quiet =
      "--- level 0 ---\n 7:1000['a' @ 1 : 1 .. 'b' @ 2 : 1]\n"
      " 8:1000['a' @ 3 : 1 .. 'c' @ 4 : 1]\n 9:1000['b' @ 5 : 1 .. 'd' @ 6 : 1]\n"
      "--- level 1 ---\n 5:9437184['a' @ 1 : 1 .. 'z' @ 2 : 1]\n"
      "--- level 2 ---\n--- level 3 ---\n--- level 4 ---\n--- level 5 ---\n"
      "--- level 6 ---\n 4:999999999999['a' @ 1 : 1 .. 'z' @ 2 : 1]\n";
  EXPECT_FALSE(LevelDbWantsCompaction(quiet));  // L6, the last level, is never scored
  EXPECT_TRUE(LevelDbWantsCompaction(
      quiet + "--- level 0 ---\n 10:1000['e' @ 7 : 1 .. 'f' @ 8 : 1]\n"));
  // 10 MiB in L1 reaches its trigger; 99 MiB in L2 does not reach its own.
  EXPECT_TRUE(LevelDbWantsCompaction("--- level 1 ---\n 5:10485760['a' @ 1 : 1 .. 'z' @ 2 : 1]\n"));
  EXPECT_FALSE(LevelDbWantsCompaction("--- level 2 ---\n 5:103809024['a' @ 1 : 1 .. 'z' @ 2 : 1]\n"));
  EXPECT_TRUE(LevelDbWantsCompaction("--- level 2 ---\n 5:104857600['a' @ 1 : 1 .. 'z' @ 2 : 1]\n"));
  EXPECT_FALSE(LevelDbWantsCompaction(""));
}

// After writes that leave memtables and L0 tables behind, Settle returns
// with the memtable written out and no level over its engine's trigger.
TEST_F(DbBenchTest, SettleLeavesEachEngineQuiet) {
  BenchFlags flags;
  flags.write_buffer_size = 64 << 10;
  flags.compression_type = "none";
  flags.db = root_;
  const std::string value(100, 'v');
  for (const std::string engine : {"native", "rocksdb", "leveldb"}) {
    SCOPED_TRACE(engine);
    auto opened = OpenEngine(engine, flags, root_ + "/" + engine);
    if (opened.status().code() == absl::StatusCode::kUnimplemented) continue;  // not built
    ASSERT_OK(opened.status());
    std::unique_ptr<Store> store = std::move(*opened);
    for (int i = 0; i < 20000; ++i) {
      ASSERT_OK(store->Put(WriteOptions(), fmt::format("{:016}", (i * 7919) % 20000), value));
    }
    ASSERT_OK_AND_ASSIGN(double seconds, Settle(engine, store.get()));
    EXPECT_GE(seconds, 0);
    if (engine == "native") {
      ASSERT_OK_AND_ASSIGN(std::string text, store->GetProperty("stats.json"));
      const nlohmann::json j = nlohmann::json::parse(text);
      EXPECT_EQ(j["memtable_entries"].get<uint64_t>(), 0u);
      EXPECT_GT(j["live_tables"].get<uint64_t>(), 0u);
      for (const auto& level : j["levels"]) EXPECT_LT(level["score"].get<double>(), 1.0);
    } else if (engine == "rocksdb") {
      for (const char* name : {"rocksdb.num-entries-active-mem-table",
                               "rocksdb.compaction-pending", "rocksdb.num-running-compactions"}) {
        ASSERT_OK_AND_ASSIGN(std::string v, store->GetProperty(name));
        EXPECT_EQ(v, "0") << name;
      }
      ASSERT_OK_AND_ASSIGN(std::string l0, store->GetProperty("rocksdb.num-files-at-level0"));
      EXPECT_LT(std::stoi(l0), 4);
    } else {
      ASSERT_OK_AND_ASSIGN(std::string listing, store->GetProperty("leveldb.sstables"));
      EXPECT_FALSE(LevelDbWantsCompaction(listing)) << listing;
      // The memtable went out: every key is in a table.
      EXPECT_THAT(listing, HasSubstr(":"));
      ASSERT_OK_AND_ASSIGN(std::string mem,
                           store->GetProperty("leveldb.approximate-memory-usage"));
      EXPECT_LT(std::stoll(mem), 64 << 10);
    }
    EXPECT_THAT(store->GetProperty(engine == "native" ? "native.nonsense" : engine + ".nonsense")
                    .status(),
                testing::StatusIs(absl::StatusCode::kNotFound));
  }
}

}  // namespace
}  // namespace synapsed::storage::bench
