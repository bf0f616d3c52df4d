// Tests of the public types: WriteBatch encoding, KeyRange, config parsing.
// (The builder's are in storage/storage_test.cc.)
#include <string>

#include "api/write_batch_internal.h"
#include "gtest/gtest.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"
#include "synapsed/storage/write_batch.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::HasSubstr;

TEST(WriteBatch, EncodesAsDocumented) {
  WriteBatch b;
  ASSERT_OK(b.Put("k", "v"));
  ASSERT_OK(b.Delete("d"));
  WriteBatchInternal::SetSequence(&b, 0x0102);
  // docs/format/wal.md, "Record payloads": the worked example.
  const std::string expected(
      "\x02\x01\x00\x00\x00\x00\x00\x00"  // sequence 0x102
      "\x02\x00\x00\x00"                  // count 2
      "\x01\x01k\x01v"                    // put "k" -> "v"
      "\x00\x01" "d",                     // delete "d"
      12 + 5 + 3);
  EXPECT_EQ(WriteBatchInternal::Contents(b), expected);
  WriteBatch decoded;
  ASSERT_OK(WriteBatchInternal::SetContents(&decoded, expected));
  std::string trace;
  ASSERT_OK(decoded.Iterate(
      [&](std::string_view k, std::string_view v) {
        trace += "put(" + std::string(k) + "," + std::string(v) + ")";
      },
      [&](std::string_view k) { trace += "del(" + std::string(k) + ")"; }));
  EXPECT_EQ(trace, "put(k,v)del(d)");
  EXPECT_EQ(WriteBatchInternal::Sequence(decoded), 0x102u);
  EXPECT_EQ(decoded.Count(), 2u);
}

TEST(WriteBatch, MalformedRepIsDataLoss) {
  WriteBatch b;
  EXPECT_THAT(WriteBatchInternal::SetContents(&b, "short"), StatusIs(absl::StatusCode::kDataLoss));
  std::string bad("\0\0\0\0\0\0\0\0\x01\0\0\0\x07", 13);  // unknown tag
  EXPECT_THAT(WriteBatchInternal::SetContents(&b, bad), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("tag")));
  std::string miscount("\0\0\0\0\0\0\0\0\x02\0\0\0\x00\x01k", 15);
  EXPECT_THAT(WriteBatchInternal::SetContents(&b, miscount), StatusIs(absl::StatusCode::kDataLoss));
  std::string truncated("\0\0\0\0\0\0\0\0\x01\0\0\0\x01\x05k", 15);
  EXPECT_THAT(WriteBatchInternal::SetContents(&b, truncated), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_TRUE(b.Empty());  // unchanged by failed SetContents
}

TEST(WriteBatch, OversizedInputIsRejectedAndBatchUnchanged) {
  WriteBatch b;
  EXPECT_THAT(b.Put(std::string(kMaxKeySize + 1, 'k'), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
  EXPECT_THAT(b.Delete(std::string(kMaxKeySize + 1, 'k')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(b.Empty());
  EXPECT_EQ(b.ApproximateSize(), WriteBatchInternal::kHeaderSize);
  ASSERT_OK(b.Put(std::string(kMaxKeySize, 'k'), ""));
  EXPECT_EQ(b.Count(), 1u);
}

TEST(WriteBatch, AppendKeepsOrder) {
  WriteBatch a, b;
  ASSERT_OK(a.Put("1", "a"));
  ASSERT_OK(b.Delete("2"));
  ASSERT_OK(b.Put("3", "c"));
  a.Append(b);
  EXPECT_EQ(a.Count(), 3u);
  std::string keys;
  ASSERT_OK(a.Iterate([&](auto k, auto) { keys += k; }, [&](auto k) { keys += k; }));
  EXPECT_EQ(keys, "123");
}

TEST(KeyRange, Prefix) {
  KeyRange r = KeyRange::Prefix("ab");
  EXPECT_TRUE(r.Contains("ab"));
  EXPECT_TRUE(r.Contains("ab\xff\xff"));
  EXPECT_FALSE(r.Contains("ac"));
  EXPECT_FALSE(r.Contains("aa\xff"));
  KeyRange ff = KeyRange::Prefix("a\xff");
  EXPECT_EQ(*ff.end, "b");
  EXPECT_FALSE(KeyRange::Prefix("\xff\xff").end.has_value());
  EXPECT_FALSE(KeyRange::Prefix("").start.has_value());
  EXPECT_TRUE(KeyRange::Between("b", "a").Empty());
}

TEST(Config, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(StorageConfig c, StorageConfig::FromJson(R"({
    "type": "native", "path": "/tmp/x", "write_buffer_size": 8192,
    "block_cache_size": 1048576, "create_if_missing": false,
    "cache": {"policy": "arc", "max_entries": 5, "ttl_seconds": 9},
    "compression": {"enabled": true, "algorithm": "zstd", "min_size": 10}})"));
  EXPECT_EQ(c.type, BackendType::kNative);
  EXPECT_EQ(c.path, "/tmp/x");
  EXPECT_EQ(c.native.write_buffer_size, 8192u);
  EXPECT_FALSE(c.native.create_if_missing);
  ASSERT_TRUE(c.cache.has_value());
  EXPECT_EQ(c.cache->policy, CacheConfig::Policy::kArc);
  EXPECT_EQ(*c.cache->ttl_seconds, 9u);
  EXPECT_EQ(c.compression->algorithm, CompressionConfig::Algorithm::kZstd);
  ASSERT_OK_AND_ASSIGN(StorageConfig again, StorageConfig::FromJson(c.ToJson()));
  EXPECT_EQ(again.ToJson(), c.ToJson());
}

TEST(Config, AdaptiveCompressionParsesAndPrints) {
  ASSERT_OK_AND_ASSIGN(StorageConfig c, StorageConfig::FromJson(R"({"type": "memory",
    "compression": {"algorithm": "adaptive"}})"));
  ASSERT_TRUE(c.compression.has_value());
  EXPECT_EQ(c.compression->algorithm, CompressionConfig::Algorithm::kAdaptive);
  EXPECT_NE(c.ToJson().find(R"("algorithm":"adaptive")"), std::string::npos) << c.ToJson();
  ASSERT_OK_AND_ASSIGN(StorageConfig again, StorageConfig::FromJson(c.ToJson()));
  EXPECT_EQ(again.compression->algorithm, CompressionConfig::Algorithm::kAdaptive);
}

TEST(Config, Defaults) {
  ASSERT_OK_AND_ASSIGN(StorageConfig c,
                       StorageConfig::FromJson(R"({"type":"memory","cache":{}})"));
  EXPECT_EQ(c.type, BackendType::kMemory);
  EXPECT_EQ(c.cache->policy, CacheConfig::Policy::kLru);
  EXPECT_EQ(c.cache->max_entries, 10000u);
  EXPECT_FALSE(c.cache->ttl_seconds.has_value());
  EXPECT_FALSE(c.compression.has_value());
}

TEST(Config, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {R"({"type":"native","path":"/x","write_bufer_size":1})", "\"write_bufer_size\""},
      {R"({"type":"nativ"})", "\"type\""},
      {R"({"path":"/x"})", "\"type\""},
      {R"({"type":"native"})", "\"path\""},
      {R"({"type":"native","path":5})", "\"path\""},
      {R"({"type":"native","path":"/x","write_buffer_size":"big"})", "\"write_buffer_size\""},
      {R"({"type":"native","path":"/x","write_buffer_size":-1})", "\"write_buffer_size\""},
      {R"({"type":"memory","cache":{"policy":"fifo"}})", "\"cache.policy\""},
      {R"({"type":"memory","cache":{"size":1}})", "\"cache.size\""},
      {R"({"type":"memory","cache":{"max_entries":0}})", "\"cache.max_entries\""},
      {R"({"type":"memory","compression":{"algorithm":"gzip"}})", "\"compression.algorithm\""},
      {R"({"type":"memory","compression":{"enabled":"yes"}})", "\"compression.enabled\""},
      {R"({"type":"memory","path":"/x","max_open_files":3})", "\"max_open_files\""},
      {R"({"type":"sqlite","path":"/x","write_buffer_size":3})", "\"write_buffer_size\""},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(StorageConfig::FromJson(c.json),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.json;
  }
  EXPECT_THAT(StorageConfig::FromJson("{not json"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace synapsed::storage
