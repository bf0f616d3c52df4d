#include "layers/metrics_layer.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "backends/backend_registry.h"
#include "backends/memory_store.h"
#include "gtest/gtest.h"
#include "layers/cache_layer.h"
#include "layers/prometheus_text_test_util.h"
#include "nlohmann/json.hpp"
#include "util/status_matchers.h"

namespace synapsed::storage::layers {
namespace {

using ::nlohmann::json;
using ::synapsed::storage::testing::ParsePrometheusText;
using ::synapsed::storage::testing::StatusIs;

json Metrics(Store& store) {
  auto text = store.GetProperty("metrics");
  EXPECT_TRUE(text.ok()) << text.status();
  return json::parse(text.ok() ? *text : "{}");
}

// A known sequence of operations, and every count, error and byte it must
// leave, in JSON and in the Prometheus text.
TEST(MetricsLayer, CountsErrorsAndBytesAreExact) {
  auto store = NewMetricsLayer(NewMemoryStore(), MetricsConfig());
  EXPECT_EQ(store->Name(), "metrics(memory)");
  ASSERT_OK(store->Put("a", "xyz"));
  ASSERT_OK(store->Put("b", "xyz"));
  ASSERT_OK(store->Put("c", "xyz"));
  const std::string too_long(kMaxKeySize + 1, 'k');
  EXPECT_THAT(store->Put(too_long, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string v, store->Get("a"));
  EXPECT_EQ(v, "xyz");
  EXPECT_THAT(store->Get("zz").status(), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(bool exists, store->Exists("b"));
  EXPECT_TRUE(exists);
  ASSERT_OK(store->Delete("b"));
  WriteBatch batch;
  ASSERT_OK(batch.Put("d", "vv"));
  ASSERT_OK(batch.Delete("c"));
  ASSERT_OK(store->Write(WriteOptions(), batch));
  const std::vector<std::string_view> keys = {"a", "b", "d"};
  ASSERT_OK_AND_ASSIGN(auto got, store->BatchGet(ReadOptions(), keys));
  ASSERT_EQ(got.size(), 3u);
  // Scan: SeekToFirst lands on a, Next on d, Next ends.
  ASSERT_OK_AND_ASSIGN(auto all, store->Scan(KeyRange::All()));
  ASSERT_EQ(all.size(), 2u);
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store->BeginTransaction());
    ASSERT_OK(txn->Put("e", "12345"));
    ASSERT_OK_AND_ASSIGN(std::string tv, txn->Get("a"));
    ASSERT_OK(txn->Commit());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto txn, store->BeginTransaction());
    std::string tv;
    EXPECT_THAT(txn->GetForUpdate("nope", &tv),
                StatusIs(absl::StatusCode::kNotFound));
    ASSERT_OK(txn->Put("a", "1"));
    ASSERT_OK(store->Put("a", "2"));  // a conflict
    EXPECT_THAT(txn->Commit(), StatusIs(absl::StatusCode::kAborted));
  }
  ASSERT_OK(store->Flush());

  const json m = Metrics(*store);
  EXPECT_EQ(m["store"], "metrics(memory)");
  const json& ops = m["operations"];
  auto expect = [&](const char* op, uint64_t count, uint64_t in, uint64_t out,
                    json errors) {
    SCOPED_TRACE(op);
    EXPECT_EQ(ops[op]["count"], count);
    EXPECT_EQ(ops[op]["bytes_in"], in);
    EXPECT_EQ(ops[op]["bytes_out"], out);
    EXPECT_EQ(ops[op]["errors"], errors);
    EXPECT_EQ(ops[op]["latency_seconds"]["count"], count);
  };
  // Puts: a, b, c (1 + 3 each), the oversized key (refused, its bytes still
  // offered), and a = 2 (1 + 1).
  expect("put", 5, 3 * 4 + (kMaxKeySize + 1 + 1) + 2, 0,
         {{"invalid_argument", 1}});
  expect("get", 2, 1 + 2, 3, {{"not_found", 1}});
  expect("exists", 1, 1, 0, json::object());
  expect("delete", 1, 1, 0, json::object());
  expect("write", 1, 1 + 2 + 1, 0, json::object());
  expect("batch_get", 1, 3, 3 + 2, json::object());
  expect("iterator", 1, 0, 0, json::object());
  expect("iterator_seek", 1, 0, 1 + 3, json::object());
  expect("iterator_next", 2, 0, 1 + 2, json::object());
  expect("txn_begin", 2, 0, 0, json::object());
  expect("txn_put", 2, 1 + 5 + 1 + 1, 0, json::object());
  expect("txn_get", 2, 1 + 4, 3, {{"not_found", 1}});
  expect("txn_commit", 2, 0, 0, {{"aborted", 1}});
  expect("txn_rollback", 0, 0, 0, json::object());
  expect("flush", 1, 0, 0, json::object());
  expect("snapshot", 0, 0, 0, json::object());
  // The memory backend reports no JSON statistics.
  EXPECT_FALSE(m.contains("engine"));

  ASSERT_OK_AND_ASSIGN(std::string text,
                       store->GetProperty("metrics.prometheus"));
  ASSERT_OK_AND_ASSIGN(auto samples, ParsePrometheusText(text));
  EXPECT_EQ(samples.at(R"x(synapsed_store_info{store="metrics(memory)"})x"), 1);
  EXPECT_EQ(samples.at(R"(synapsed_operations_total{op="put"})"), 5);
  EXPECT_EQ(
      samples.at(
          R"(synapsed_operation_errors_total{op="put",code="invalid_argument"})"),
      1);
  EXPECT_EQ(
      samples.at(
          R"(synapsed_operation_errors_total{op="txn_commit",code="aborted"})"),
      1);
  EXPECT_EQ(
      samples.count(
          R"(synapsed_operation_errors_total{op="delete",code="aborted"})"),
      0u);
  EXPECT_EQ(samples.at(R"(synapsed_operation_input_bytes_total{op="write"})"),
            4);
  EXPECT_EQ(
      samples.at(R"(synapsed_operation_output_bytes_total{op="batch_get"})"),
      5);
  EXPECT_EQ(
      samples.at(R"(synapsed_operation_duration_seconds_count{op="get"})"), 2);
  EXPECT_EQ(
      samples.at(
          R"(synapsed_operation_duration_seconds_bucket{op="get",le="+Inf"})"),
      2);
  for (const auto& [key, value] : samples) {
    EXPECT_FALSE(key.starts_with("synapsed_engine_")) << key;
  }
}

// Relaxed atomics lose no update: threads writing and reading at once
// leave exact totals.
TEST(MetricsLayer, ConcurrentOperationsAreAllCounted) {
  auto store = NewMetricsLayer(NewMemoryStore(), MetricsConfig());
  constexpr int kThreads = 4;
  constexpr int kOps = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key =
            "t" + std::to_string(t) + "-" + std::to_string(i % 10);
        EXPECT_TRUE(store->Put(key, "v").ok());
        EXPECT_TRUE(store->Get(key).ok());
        EXPECT_FALSE(store->Get("absent").ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const json m = Metrics(*store);
  EXPECT_EQ(m["operations"]["put"]["count"], kThreads * kOps);
  EXPECT_EQ(m["operations"]["put"]["latency_seconds"]["count"],
            kThreads * kOps);
  EXPECT_EQ(m["operations"]["get"]["count"], 2 * kThreads * kOps);
  EXPECT_EQ(m["operations"]["get"]["errors"]["not_found"], kThreads * kOps);
  EXPECT_EQ(m["operations"]["get"]["bytes_out"], kThreads * kOps);  // "v" each
}

TEST(MetricsLayer, IteratorErrorsAreCountedOnceWhenDestroyed) {
  auto store = NewMetricsLayer(NewMemoryStore(), MetricsConfig());
  {
    ReadOptions ro;
    // A snapshot of another store: the memory backend refuses it.
    auto other = NewMemoryStore();
    ASSERT_OK_AND_ASSIGN(SnapshotHandle foreign, other->GetSnapshot());
    ro.snapshot = foreign.get();
    auto it = store->NewIterator(ro, KeyRange::All());
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_FALSE(it->status().ok());
  }
  const json m = Metrics(*store);
  EXPECT_EQ(m["operations"]["iterator"]["count"], 1);
  EXPECT_EQ(m["operations"]["iterator"]["errors"],
            json({{"invalid_argument", 1}}));
}

// Over the value cache layer, its counters come through too.
TEST(MetricsLayer, ValueCacheCountersAreReported) {
  CacheConfig cache;
  cache.max_entries = 100;
  ASSERT_OK_AND_ASSIGN(auto cached, NewCacheLayer(NewMemoryStore(), cache));
  auto store = NewMetricsLayer(std::move(cached), MetricsConfig());
  ASSERT_OK(store->Put("a", "1"));
  ASSERT_OK(store->Get("a").status());  // a miss, which fills
  ASSERT_OK(store->Get("a").status());  // a hit
  const json m = Metrics(*store);
  ASSERT_TRUE(m.contains("value_cache")) << m.dump();
  EXPECT_EQ(m["value_cache"]["policy"], "lru");
  EXPECT_EQ(m["value_cache"]["hits"], 1);
  EXPECT_EQ(m["value_cache"]["misses"], 1);
  EXPECT_EQ(m["value_cache"]["fills"], 1);
  EXPECT_EQ(m["value_cache"]["max_entries"], 100);
  ASSERT_OK_AND_ASSIGN(std::string text,
                       store->GetProperty("metrics.prometheus"));
  ASSERT_OK_AND_ASSIGN(auto samples, ParsePrometheusText(text));
  EXPECT_EQ(samples.at("synapsed_value_cache_hits_total"), 1);
  EXPECT_EQ(samples.at("synapsed_value_cache_misses_total"), 1);
  EXPECT_EQ(samples.at("synapsed_value_cache_entries"), 1);
  EXPECT_EQ(samples.at("synapsed_value_cache_invalidations_total"),
            1);  // the put
  // Without a cache layer there are no such series.
  auto bare = NewMetricsLayer(NewMemoryStore(), MetricsConfig());
  EXPECT_FALSE(Metrics(*bare).contains("value_cache"));
}

TEST(MetricsLayer, OtherPropertiesAreForwarded) {
  auto store = NewMetricsLayer(NewMemoryStore(), MetricsConfig());
  ASSERT_OK(store->Put("k", "v"));
  ASSERT_OK_AND_ASSIGN(std::string stats, store->GetProperty("stats"));
  EXPECT_NE(stats.find("keys: 1"), std::string::npos) << stats;
  EXPECT_THAT(store->GetProperty("no.such").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

class MetricsLayerNative : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/metrics_native.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// The engine's own numbers come through, parsed from its stats.json, with
// the types the Prometheus reader accepts; engine_stats=false leaves them out.
TEST_F(MetricsLayerNative, EngineStatisticsAreReported) {
  for (bool engine_stats : {true, false}) {
    SCOPED_TRACE(engine_stats);
    const std::string dir = dir_ + (engine_stats ? "/with" : "/without");
    ASSERT_OK_AND_ASSIGN(auto native, OpenBackend(StorageConfig::Native(dir)));
    MetricsConfig config;
    config.engine_stats = engine_stats;
    auto store = NewMetricsLayer(std::move(native), config);
    for (int i = 0; i < 100; ++i)
      ASSERT_OK(store->Put("key" + std::to_string(i), "value"));
    ASSERT_OK(store->Flush());
    ASSERT_OK_AND_ASSIGN(std::string text,
                         store->GetProperty("metrics.prometheus"));
    ASSERT_OK_AND_ASSIGN(auto samples, ParsePrometheusText(text));
    const json m = Metrics(*store);
    if (!engine_stats) {
      EXPECT_FALSE(m.contains("engine"));
      EXPECT_EQ(samples.count("synapsed_engine_flushes_total"), 0u);
      continue;
    }
    ASSERT_TRUE(m.contains("engine"));
    // Both forms agree with the engine's own report.
    EXPECT_GE(m["engine"]["flushes"].get<uint64_t>(), 1u);
    EXPECT_EQ(samples.at("synapsed_engine_flushes_total"),
              m["engine"]["flushes"].get<double>());
    EXPECT_EQ(samples.at("synapsed_engine_live_tables"),
              m["engine"]["live_tables"].get<double>());
    EXPECT_EQ(samples.at("synapsed_engine_user_written_bytes_total"),
              m["engine"]["user_bytes_written"].get<double>());
    EXPECT_EQ(samples.at("synapsed_engine_background_error"), 0);
    EXPECT_EQ(samples.count(R"(synapsed_engine_stalls_total{cause="stop"})"),
              1u);
    EXPECT_EQ(samples.count(R"(synapsed_engine_level_files{level="0"})"), 1u);
    EXPECT_EQ(samples.count("synapsed_engine_block_cache_hits_total"), 1u);
    EXPECT_EQ(samples.at(R"(synapsed_operations_total{op="put"})"), 100);
  }
}

// The reader the tests above rely on refuses what Prometheus would.
TEST(PrometheusTextReader, RefusesMalformedExpositions) {
  const char* bad[] = {
      "x_total 1\n",                               // no TYPE
      "# TYPE x_total counter\nx_total one\n",     // not a number
      "# TYPE x counter\nx 1\n",                   // counter without _total
      "# TYPE x_total counter\nx_total{a=b} 1\n",  // unquoted label
      "# TYPE x_total counter\nx_total 1",         // no final newline
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} "
      "1\nh_sum 0\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 0\nh_count 2\n",  // no
                                                                         // +Inf
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 3\n",
      "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParsePrometheusText(text).ok()) << text;
  }
  EXPECT_TRUE(ParsePrometheusText(
                  "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
                  "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n")
                  .ok());
}

}  // namespace
}  // namespace synapsed::storage::layers
