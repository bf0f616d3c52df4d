// EngineOptions::use_direct_reads on a real directory: tables written by
// flushes and compactions read back with O_DIRECT, through Get, BatchGet,
// scans and a reopen, exactly as with the page cache.
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/db.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

std::string Key(int i) { return "key" + std::to_string(100000 + i); }
std::string Value(int i) { return std::string(50 + i % 200, static_cast<char>('a' + i % 26)); }

TEST(DirectReadsTest, TablesReadBackAroundThePageCache) {
  char dir_template[] = "/tmp/direct_reads.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  EngineOptions options;
  options.use_direct_reads = true;
  options.write_buffer_size = 64 << 10;  // many flushes and compactions
  options.block_cache_size = 64 << 10;   // mostly misses: reads reach the files
  constexpr int kKeys = 6000;
  {
    ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(options, dir));
    for (int i = 0; i < kKeys; ++i) ASSERT_OK(db->Put(Key(i), Value(i)));
    ASSERT_OK(db->Flush());
  }
  ASSERT_OK_AND_ASSIGN(auto db, OpenNativeStore(options, dir));
  for (int i = 0; i < kKeys; i += 7) {
    ASSERT_OK_AND_ASSIGN(std::string v, db->Get(Key(i)));
    ASSERT_EQ(v, Value(i)) << i;
  }
  std::vector<std::string> keys = {Key(5), Key(kKeys + 1), Key(4321)};
  std::vector<std::string_view> views(keys.begin(), keys.end());
  ASSERT_OK_AND_ASSIGN(auto got, db->BatchGet(ReadOptions(), views));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], Value(5));
  EXPECT_EQ(got[1], std::nullopt);
  EXPECT_EQ(got[2], Value(4321));
  ASSERT_OK_AND_ASSIGN(auto all, db->Scan(KeyRange::All()));
  ASSERT_EQ(all.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(all[i].value, Value(i)) << i;
  ASSERT_OK_AND_ASSIGN(std::string options_json, db->GetProperty("options.json"));
  EXPECT_NE(options_json.find("\"use_direct_reads\": true"), std::string::npos) << options_json;
  db.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace synapsed::storage::engine
