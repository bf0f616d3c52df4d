// Runs `synapsed bench`'s logic on tiny inputs against the memory and native
// engines and checks the report's shape and that the numbers are sane (ops
// counted, keys found). No timing assertions.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "bench/db_bench/data_gen.h"
#include "bench/db_bench/db_bench.h"
#include "bench/db_bench/histogram.h"
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

}  // namespace
}  // namespace synapsed::storage::bench
