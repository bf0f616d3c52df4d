// TableBuilder + TableReader + TableIterator round trips against a model.
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/format.h"
#include "sstable/table_builder.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/checksum.h"
#include "util/internal_key.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::sstable {
namespace {

using ::synapsed::storage::testing::StatusIs;
using testing::BuildTable;
using testing::Model;
using testing::OpenTable;
using testing::StringSink;
using testing::TestCache;
using ::testing::HasSubstr;

std::string IKey(std::string_view user, SequenceNumber seq,
                 ValueType t = ValueType::kValue) {
  return MakeInternalKey(user, seq, t);
}
std::string Lookup(std::string_view user, SequenceNumber snapshot) {
  return MakeInternalKey(user, snapshot, kValueTypeForSeek);
}

// db_bench-like values: half random bytes, half repeated.
std::string Value(Random* rnd, size_t len) {
  std::string v = rnd->Bytes(len / 2);
  v.append(len - len / 2, 'x');
  return v;
}

Model RandomModel(Random* rnd, int n, int versions = 1) {
  Model m;
  for (int i = 0; i < n; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "key%08d", i * 3);
    for (int v = 0; v < versions; ++v) {
      const SequenceNumber seq = 1 + rnd->Uniform(1 << 20);
      m[IKey(user, seq,
             rnd->OneIn(5) ? ValueType::kDeletion : ValueType::kValue)] =
          Value(rnd, rnd->Uniform(200));
    }
  }
  return m;
}

TEST(FormatTest, MagicIsDerivedAsDocumented) {
  EXPECT_EQ(Hash64("synapsed-storage sstable"), kTableMagic);
}

TEST(FormatTest, FooterRoundTrip) {
  Footer f;
  f.metaindex = {123456789, 77};
  f.index = {5, 1u << 30};
  std::string s;
  ASSERT_OK(f.EncodeTo(&s));
  ASSERT_EQ(s.size(), kFooterSize);
  ASSERT_OK_AND_ASSIGN(Footer g, Footer::Decode(s, "f.sst", 10));
  EXPECT_EQ(g.metaindex, f.metaindex);
  EXPECT_EQ(g.index, f.index);
  EXPECT_EQ(g.format_version, kFormatVersion);
}

// An encrypted footer holds a third handle, the block map's; three handles
// of a file just under 2^56 bytes still fit, and larger ones are refused.
TEST(FormatTest, EncryptedFooterCarriesTheBlockMap) {
  Footer f;
  f.format_version = kEncryptedFormatVersion;
  const uint64_t big = (uint64_t{1} << 56) - 1;
  f.metaindex = {big - 3000, (uint64_t{1} << 28) + 16};
  f.index = {big - 2000, (uint64_t{1} << 28) + 16};
  f.block_map = {big - 1000, (uint64_t{1} << 28) + 16};
  std::string s;
  ASSERT_OK(f.EncodeTo(&s));
  ASSERT_EQ(s.size(), kFooterSize);
  ASSERT_OK_AND_ASSIGN(Footer g, Footer::Decode(s, "f.sst", 10));
  EXPECT_EQ(g.block_map, f.block_map);
  EXPECT_EQ(g.index, f.index);
  EXPECT_TRUE(g.has_block_map());

  f.block_map.offset = ~uint64_t{0};
  f.index.offset = ~uint64_t{0};
  s.clear();
  EXPECT_THAT(f.EncodeTo(&s), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(s.empty());
}

struct Config {
  CompressionType compression;
  int bloom_bits;
  size_t block_size;
  int restart_interval;
  int index_restart_interval = 1;  // other than 1: no index fences
};

class TableRoundTripTest : public ::testing::TestWithParam<Config> {};

TEST_P(TableRoundTripTest, IteratorAndGetMatchModel) {
  const Config c = GetParam();
  Random rnd(synapsed::storage::testing::TestSeed());
  const Model model = RandomModel(&rnd, 2000, 2);
  TableBuilderOptions o;
  o.compression = c.compression;
  o.bloom_bits_per_key = c.bloom_bits;
  o.block_size = c.block_size;
  o.restart_interval = c.restart_interval;
  o.index_restart_interval = c.index_restart_interval;
  FinishedTable fin;
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable(o, model, &fin));
  EXPECT_EQ(fin.file_size, bytes.size());
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  EXPECT_EQ(table->properties(), fin.properties);
  EXPECT_EQ(table->filter() != nullptr, c.bloom_bits > 0);
  EXPECT_EQ(table->has_index_fences(), c.index_restart_interval == 1);

  std::vector<std::pair<std::string, std::string>> entries(model.begin(),
                                                           model.end());
  auto it = table->NewIterator({});
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, entries.size());
    ASSERT_EQ(it->key(), entries[i].first);
    ASSERT_EQ(it->value(), entries[i].second);
  }
  ASSERT_OK(it->status());
  ASSERT_EQ(i, entries.size());
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    ASSERT_EQ(it->key(), entries[--i].first);
  }
  ASSERT_OK(it->status());
  ASSERT_EQ(i, 0u);

  for (int t = 0; t < 500; ++t) {
    char user[32];
    std::snprintf(user, sizeof(user), "key%08d",
                  static_cast<int>(rnd.Uniform(6100)));
    const SequenceNumber snap = rnd.Uniform(1 << 21);
    const std::string lk = Lookup(user, snap);
    auto want = model.lower_bound(lk);
    it->Seek(lk);
    if (want == model.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), want->first);
    }
    GetResult r;
    ASSERT_OK(table->Get({}, lk, &r));
    const bool should =
        want != model.end() && ExtractUserKey(want->first) == user;
    ASSERT_EQ(r.found, should) << user << " @" << snap;
    if (should) {
      EXPECT_EQ(r.key, want->first);
      EXPECT_EQ(r.value, want->second);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, TableRoundTripTest,
    ::testing::Values(Config{CompressionType::kNone, 10, 4096, 16},
                      Config{CompressionType::kLz4, 10, 4096, 16},
                      Config{CompressionType::kZstd, 10, 4096, 16},
                      Config{CompressionType::kLz4, 0, 4096, 16},
                      Config{CompressionType::kNone, 10, 64, 1},
                      Config{CompressionType::kZstd, 20, 16384, 4},
                      Config{CompressionType::kNone, 10, 64, 16, 3}));

TEST(TableTest, EmptyTable) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, {}));
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  EXPECT_EQ(table->properties().num_entries, 0u);
  auto it = table->NewIterator({});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_OK(it->status());
  GetResult r;
  EXPECT_OK(table->Get({}, Lookup("a", 5), &r));
  EXPECT_FALSE(r.found);
}

TEST(TableTest, PropertiesDescribeTheTable) {
  Model m;
  m[IKey("a", 10)] = "1";
  m[IKey("b", 3, ValueType::kDeletion)] = "";
  m[IKey("c", 7)] = std::string(5000, 'z');  // compresses
  TableBuilderOptions o;
  o.creation_time = 1700000000;
  o.compression = CompressionType::kZstd;
  o.zstd_level = 5;
  FinishedTable fin;
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable(o, m, &fin));
  const TableProperties& p = fin.properties;
  EXPECT_EQ(p.num_entries, 3u);
  EXPECT_EQ(p.num_deletions, 1u);
  EXPECT_EQ(p.min_sequence, 3u);
  EXPECT_EQ(p.max_sequence, 10u);
  EXPECT_EQ(p.smallest_key, IKey("a", 10));
  EXPECT_EQ(p.largest_key, IKey("c", 7));
  EXPECT_EQ(p.raw_key_size, 27u);
  EXPECT_EQ(p.raw_value_size, 5001u);
  EXPECT_EQ(p.creation_time, 1700000000u);
  EXPECT_EQ(p.compression, "zstd:5");
  EXPECT_EQ(p.num_data_blocks, 1u);  // flushed after the 5000-byte entry
  EXPECT_EQ(p.blocks_by_codec[2], 1u);
  EXPECT_LT(p.data_size, p.uncompressed_data_size);
  EXPECT_GT(p.filter_size, 0u);
  EXPECT_GT(p.index_size, 0u);
  EXPECT_EQ(p.format_version, kFormatVersion);
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  EXPECT_EQ(table->properties(), p);
  EXPECT_THAT(PropertiesToString(p), HasSubstr("entries: 3\n"));
}

TEST(TableTest, IncompressibleBlocksAreStoredRawInTheSameTable) {
  Random rnd(synapsed::storage::testing::TestSeed());
  Model m;
  for (int i = 0; i < 200; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%05d", i);
    // Alternate runs of random and repetitive values.
    m[IKey(user, 1)] = (i / 20) % 2 ? std::string(500, 'r') : rnd.Bytes(500);
  }
  for (CompressionType c : {CompressionType::kLz4, CompressionType::kZstd}) {
    TableBuilderOptions o;
    o.compression = c;
    FinishedTable fin;
    ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable(o, m, &fin));
    const auto& b = fin.properties.blocks_by_codec;
    EXPECT_GT(b[0], 0u);
    EXPECT_GT(b[static_cast<int>(c)], 0u);
    EXPECT_EQ(b[0] + b[1] + b[2], fin.properties.num_data_blocks);
    ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
    auto it = table->NewIterator({});
    auto want = m.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
      ASSERT_EQ(it->value(), want->second);
    }
    EXPECT_EQ(want, m.end());
  }
}

TEST(TableBuilderTest, RejectsOutOfOrderAndMalformedKeys) {
  std::string out;
  StringSink sink(&out);
  TableBuilder b({}, &sink);
  EXPECT_THAT(b.Add("short", "v"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(b.Add(IKey("a", 1, kValueTypeForSeek), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(b.Add(IKey("b", 5), "v"));
  // Same user key, higher sequence sorts first: out of order.
  EXPECT_THAT(b.Add(IKey("b", 6), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("order")));
  // Sticky.
  EXPECT_THAT(b.Add(IKey("c", 1), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(b.Finish(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TableBuilderTest, DuplicateKeyRejected) {
  std::string out;
  StringSink sink(&out);
  TableBuilder b({}, &sink);
  ASSERT_OK(b.Add(IKey("b", 5), "v"));
  EXPECT_THAT(b.Add(IKey("b", 5), "w"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TableBuilderTest, AbandonWritesNoFooter) {
  std::string out;
  StringSink sink(&out);
  TableBuilder b({}, &sink);
  ASSERT_OK(b.Add(IKey("a", 1), "v"));
  b.Abandon();
  EXPECT_THAT(b.Finish(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(OpenTable(out).status(), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(TableBuilderTest, FileSizeGrowsAsBlocksFlush) {
  std::string out;
  StringSink sink(&out);
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;
  TableBuilder b(o, &sink);
  Random rnd(1);
  for (int i = 0; i < 1000; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%05d", i);
    ASSERT_OK(b.Add(IKey(user, 1), rnd.Bytes(100)));
  }
  EXPECT_GT(b.FileSize(), 90000u);
  EXPECT_EQ(b.FileSize(), out.size());
  EXPECT_EQ(b.NumEntries(), 1000u);
}

TEST(TableTest, GetSeesNewestVisibleVersion) {
  Model m;
  m[IKey("k", 30)] = "v30";
  m[IKey("k", 20, ValueType::kDeletion)] = "";
  m[IKey("k", 10)] = "v10";
  m[IKey("l", 5)] = "l5";
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, m));
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  GetResult r;
  ASSERT_OK(table->Get({}, Lookup("k", 100), &r));
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.value, "v30");
  ASSERT_OK(table->Get({}, Lookup("k", 25), &r));
  ASSERT_TRUE(r.found);
  EXPECT_EQ(ExtractValueType(r.key), ValueType::kDeletion);
  ASSERT_OK(table->Get({}, Lookup("k", 15), &r));
  EXPECT_EQ(r.value, "v10");
  ASSERT_OK(table->Get({}, Lookup("k", 5), &r));
  EXPECT_FALSE(r.found);  // next entry is "l"
  ASSERT_OK(table->Get({}, Lookup("m", 5), &r));
  EXPECT_FALSE(r.found);
  EXPECT_THAT(table->Get({}, "short", &r),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TableTest, FilterSkipsAbsentKeys) {
  Random rnd(3);
  const Model m = RandomModel(&rnd, 1000);
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, m));
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  int may = 0;
  for (int i = 0; i < 1000; ++i) {
    may += table->KeyMayMatch(FilterHash("absent" + std::to_string(i)));
  }
  EXPECT_LT(may, 40);
  for (const auto& [k, v] : m) {
    ASSERT_TRUE(table->KeyMayMatch(FilterHash(ExtractUserKey(k))));
  }
}

TEST(TableTest, ApproximateOffsetsIncrease) {
  Random rnd(4);
  const Model m = RandomModel(&rnd, 3000);
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable(o, m));
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
  EXPECT_EQ(table->ApproximateOffsetOf(Lookup("a", 1)), 0u);
  const uint64_t mid = table->ApproximateOffsetOf(Lookup("key00004500", 1));
  const uint64_t end = table->ApproximateOffsetOf(Lookup("z", 1));
  EXPECT_GT(mid, 0u);
  EXPECT_LT(mid, end);
  EXPECT_EQ(end, table->properties().data_size);
}

TEST(TableCacheUseTest, BlocksAreSharedThroughTheBlockCache) {
  Random rnd(5);
  const Model m = RandomModel(&rnd, 2000);
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, m));
  TestCache cache;
  {
    ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes, &cache, 42));
    EXPECT_EQ(cache.high_inserts(), 3);  // index, its fences and filter
    EXPECT_TRUE(table->has_index_fences());
    GetResult r;
    const std::string& k = m.begin()->first;
    ASSERT_OK(table->Get({}, Lookup(ExtractUserKey(k), kMaxSequenceNumber), &r));
    ASSERT_TRUE(r.found);
    EXPECT_TRUE(r.pin.cached());
    const auto after_first = cache.Stats();
    GetResult r2;
    ASSERT_OK(table->Get({}, Lookup(ExtractUserKey(k), kMaxSequenceNumber), &r2));
    EXPECT_EQ(cache.Stats().hits, after_first.hits + 1);
    EXPECT_EQ(r2.value, m.begin()->second);
    // fill_cache=false reads without inserting.
    const size_t entries = cache.size();
    ReadOptions no_fill;
    no_fill.fill_cache = false;
    auto it = table->NewIterator(no_fill);
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_EQ(n, m.size());
    EXPECT_EQ(cache.size(), entries);
    // A second reader of the same file number finds all three.
    ASSERT_OK_AND_ASSIGN(auto again, OpenTable(bytes, &cache, 42));
    EXPECT_EQ(cache.high_inserts(), 3);
    EXPECT_TRUE(again->has_index_fences());
  }
}

TEST(TableCacheUseTest, RefusedInsertsStillServeReads) {
  Random rnd(6);
  const Model m = RandomModel(&rnd, 500);
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, m));
  TestCache cache(/*refuse_inserts=*/true);
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes, &cache));
  auto it = table->NewIterator({});
  auto want = m.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    ASSERT_EQ(it->key(), want->first);
  }
  EXPECT_EQ(want, m.end());
  EXPECT_OK(it->status());
  GetResult r;
  ASSERT_OK(table->Get({}, m.begin()->first, &r));
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.pin.cached());
}

TEST(TableTest, GetResultOutlivesTheReader) {
  Model m;
  m[IKey("k", 1)] = std::string(300, 'v');
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable({}, m));
  GetResult r;
  {
    ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bytes));
    ASSERT_OK(table->Get({}, Lookup("k", 9), &r));
  }
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.value, std::string(300, 'v'));
}

}  // namespace
}  // namespace synapsed::storage::sstable

namespace synapsed::storage::sstable {
namespace {

// Writes a multi-block LZ4 table through the POSIX file system and reads it
// back through it. With SYNAPSED_KEEP_SST_DIR=<dir> the table is left in
// <dir>/000042.sst for `synapsed sst` to inspect.
TEST(PosixTableTest, WritesAndReadsThroughTheRealFileSystem) {
  env::FileSystem* fs = env::DefaultFileSystem();
  const char* keep = std::getenv("SYNAPSED_KEEP_SST_DIR");
  std::string dir;
  if (keep != nullptr) {
    dir = keep;
    ASSERT_OK(fs->CreateDirIfMissing(dir));
  } else {
    char tmpl[] = "/tmp/synapsed_sst_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  const std::string path = env::JoinPath(dir, "000042.sst");
  Random rnd(42);
  const Model m = RandomModel(&rnd, 5000, 2);
  {
    ASSERT_OK_AND_ASSIGN(auto file, fs->NewWritableFile(path));
    TableBuilder b({}, file.get());
    for (const auto& [k, v] : m) ASSERT_OK(b.Add(k, v));
    ASSERT_OK_AND_ASSIGN(FinishedTable f, b.Finish());
    ASSERT_OK(file->Sync());
    ASSERT_OK(file->Close());
    ASSERT_OK_AND_ASSIGN(uint64_t size, fs->GetFileSize(path));
    EXPECT_EQ(size, f.file_size);
  }
  ASSERT_OK_AND_ASSIGN(uint64_t size, fs->GetFileSize(path));
  ASSERT_OK_AND_ASSIGN(auto file, fs->NewRandomAccessFile(path));
  ASSERT_OK_AND_ASSIGN(auto table,
                       TableReader::Open({}, std::move(file), size, 42, path,
                                         nullptr));
  auto it = table->NewIterator({});
  auto want = m.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    ASSERT_EQ(it->key(), want->first);
    ASSERT_EQ(it->value(), want->second);
  }
  EXPECT_EQ(want, m.end());
  EXPECT_OK(it->status());
  if (keep == nullptr) {
    EXPECT_OK(fs->DeleteFile(path));
    EXPECT_OK(fs->DeleteDir(dir));
  }
}

}  // namespace
}  // namespace synapsed::storage::sstable
