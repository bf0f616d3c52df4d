// Every field of the public NativeOptions must reach the native engine. For
// each one the test sets a non-default value, through the StorageConfig
// struct and through its JSON, builds the store with StorageBuilder, and reads
// back what the engine runs with (GetProperty("options.json")). The table of
// fields is checked against the struct's member count and against the keys
// ToJson writes, so a field added to NativeOptions fails here until it is
// mapped (engine::EngineOptionsFrom), serialized and listed below.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/builder.h"
#include "synapsed/storage/config.h"
#include "util/status_matchers.h"

namespace synapsed::storage {
namespace {

using json = nlohmann::json;

// The number of members of an aggregate: the longest brace list of
// "anything" it can be initialized from.
struct AnyField {
  template <typename T>
  operator T() const;  // never defined: only used in unevaluated contexts
};
template <typename T, typename... A>
constexpr size_t FieldCount() {
  if constexpr (requires { T{A{}..., AnyField{}}; }) {
    return FieldCount<T, A..., AnyField>();
  } else {
    return sizeof...(A);
  }
}

struct Field {
  const char* name;   // in NativeOptions and the config JSON
  json value;         // non-default
  std::function<void(NativeOptions*)> set;
  bool needs_existing_db;  // create_if_missing=false opens only an existing one
  const char* applied = nullptr;  // where options.json has it (default: /name)

  json::json_pointer AppliedAt() const {
    return json::json_pointer(applied != nullptr ? applied : std::string("/") + name);
  }
};

const std::vector<Field>& Fields() {
  static const auto* fields = new std::vector<Field>{
      {"write_buffer_size", 1 << 20,
       [](NativeOptions* o) { o->write_buffer_size = 1 << 20; }, false},
      {"block_cache_size", 3 << 20,
       [](NativeOptions* o) { o->block_cache_size = 3 << 20; }, false},
      {"create_if_missing", false,
       [](NativeOptions* o) { o->create_if_missing = false; }, true},
      {"error_if_exists", true,
       [](NativeOptions* o) { o->error_if_exists = true; }, false},
      {"compression_per_level", json{"none", "lz4", "zstd"},
       [](NativeOptions* o) {
         using A = CompressionConfig::Algorithm;
         o->compression_per_level = {A::kNone, A::kLz4, A::kZstd};
       },
       false},
      {"adaptive_compression", true,
       [](NativeOptions* o) { o->adaptive_compression = true; }, false,
       "/table/adaptive_compression"},
      {"log_retention_bytes", 1 << 20,
       [](NativeOptions* o) { o->log_retention_bytes = 1 << 20; }, false},
      {"wal_buffer_bytes", 4096,
       [](NativeOptions* o) { o->wal_buffer_bytes = 4096; }, false},
      {"wal_flush_interval_ms", 25,
       [](NativeOptions* o) { o->wal_flush_interval_ms = 25; }, false},
  };
  return *fields;
}

std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/synapsed_native_options_" +
                    std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// Builds `config` and returns the engine's options.json.
json AppliedOptions(const StorageConfig& config) {
  auto store = StorageBuilder(config).Build();
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return json();
  auto text = (*store)->GetProperty("options.json");
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? json::parse(*text) : json();
}

TEST(NativeOptions, TheTableListsEveryField) {
  EXPECT_EQ(Fields().size(), FieldCount<NativeOptions>())
      << "a NativeOptions field is missing from this test's table";
  std::set<std::string> listed = {"type", "path"};
  for (const Field& f : Fields()) listed.insert(f.name);
  std::set<std::string> written;
  const json native = json::parse(StorageConfig::Native("/x").ToJson());
  for (const auto& [key, value] : native.items()) written.insert(key);
  EXPECT_EQ(written, listed) << "ToJson of a native config";
}

TEST(NativeOptions, EveryFieldReachesTheEngine) {
  const json defaults = json::parse(StorageConfig::Native("/x").ToJson());
  for (const Field& f : Fields()) {
    SCOPED_TRACE(f.name);
    ASSERT_NE(defaults[f.name], f.value) << "the test value must not be the default";
    StorageConfig by_struct = StorageConfig::Native(FreshDir(f.name));
    f.set(&by_struct.native);
    json text = {{"type", "native"}, {"path", by_struct.path}, {f.name, f.value}};
    ASSERT_OK_AND_ASSIGN(StorageConfig by_json, StorageConfig::FromJson(text.dump()));
    for (const StorageConfig* c : {&by_struct, &by_json}) {
      std::filesystem::remove_all(c->path);
      if (f.needs_existing_db) {
        ASSERT_OK(StorageBuilder(StorageConfig::Native(c->path)).Build().status());
      }
      json applied = AppliedOptions(*c);
      EXPECT_EQ(applied[f.AppliedAt()], f.value) << applied.dump();
      // Everything else stays at the engine's default.
      json expected = AppliedOptions(StorageConfig::Native(FreshDir("defaults")));
      expected[f.AppliedAt()] = f.value;
      EXPECT_EQ(applied, expected);
      std::filesystem::remove_all(c->path);
    }
  }
  std::filesystem::remove_all(FreshDir("defaults"));
}

// A table codec the engine does not have, set through the struct (JSON
// refuses it earlier), fails the build naming the field.
TEST(NativeOptions, TablesRefuseCodecsTheyDoNotHave) {
  StorageConfig c = StorageConfig::Native(FreshDir("snappy"));
  c.native.compression_per_level = {CompressionConfig::Algorithm::kLz4,
                                    CompressionConfig::Algorithm::kSnappy};
  auto store = StorageBuilder(c).Build();
  EXPECT_TRUE(absl::IsInvalidArgument(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()),
              ::testing::HasSubstr("native.compression_per_level[1]"));
  EXPECT_FALSE(std::filesystem::exists(c.path));
}

// Past a minute is refused, by JSON and by the builder, naming the field;
// no directory is made.
TEST(NativeOptions, LogFlushIntervalIsBounded) {
  const std::string dir = FreshDir("interval");
  json text = {{"type", "native"}, {"path", dir}, {"wal_flush_interval_ms", 60001}};
  auto by_json = StorageConfig::FromJson(text.dump());
  EXPECT_TRUE(absl::IsInvalidArgument(by_json.status())) << by_json.status();
  EXPECT_THAT(std::string(by_json.status().message()),
              ::testing::HasSubstr("wal_flush_interval_ms"));
  StorageConfig c = StorageConfig::Native(dir);
  c.native.wal_flush_interval_ms = 60001;
  auto store = StorageBuilder(c).Build();
  EXPECT_TRUE(absl::IsInvalidArgument(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()),
              ::testing::HasSubstr("native.wal_flush_interval_ms"));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// Unset is written as null and read back as unset: the engine decides
// (0 for this plain database).
TEST(NativeOptions, AnUnsetLogBufferIsTheEngines) {
  const std::string dir = FreshDir("unset_buffer");
  StorageConfig c = StorageConfig::Native(dir);
  ASSERT_TRUE(json::parse(c.ToJson())["wal_buffer_bytes"].is_null());
  ASSERT_OK_AND_ASSIGN(StorageConfig back, StorageConfig::FromJson(c.ToJson()));
  EXPECT_FALSE(back.native.wal_buffer_bytes.has_value());
  EXPECT_EQ(AppliedOptions(back)["wal_buffer_bytes"], 0);
  std::filesystem::remove_all(dir);
  json text = {{"type", "native"}, {"path", dir}, {"wal_buffer_bytes", "big"}};
  auto bad = StorageConfig::FromJson(text.dump());
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("wal_buffer_bytes"));
}

// The regression behind issue 18: the builder dropped block_cache_size, so
// the engine's cache kept its default capacity whatever the config said.
TEST(NativeOptions, BlockCacheHasTheConfiguredCapacity) {
  StorageConfig c = StorageConfig::Native(FreshDir("cache"));
  c.native.block_cache_size = 5 << 20;
  ASSERT_OK_AND_ASSIGN(auto store, StorageBuilder(c).Build());
  ASSERT_OK_AND_ASSIGN(std::string stats, store->GetProperty("stats.json"));
  EXPECT_EQ(json::parse(stats)["block_cache"]["capacity"], 5u << 20) << stats;
  store.reset();
  std::filesystem::remove_all(c.path);
}

}  // namespace
}  // namespace synapsed::storage
