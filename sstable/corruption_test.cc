// Corruption of every structure is DataLoss naming the file and offset, and
// never wrong data or a crash; a few thousand mutated tables run through the
// reader (the in-suite complement of tests/fuzz/sstable_reader_fuzzer).
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/block_io.h"
#include "sstable/table_exerciser.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/coding.h"
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
using ::testing::HasSubstr;

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Random rnd(11);
    for (int i = 0; i < 600; ++i) {
      char user[16];
      std::snprintf(user, sizeof(user), "key%05d", i);
      std::string v = rnd.Bytes(40);
      v.append(40, 'v');
      model_[MakeInternalKey(user, 100 + i, ValueType::kValue)] = v;
    }
    entries_.assign(model_.begin(), model_.end());
    TableBuilderOptions o;
    o.compression = CompressionType::kLz4;
    auto b = BuildTable(o, model_);
    ASSERT_TRUE(b.ok());
    good_ = *b;
    auto t = OpenTable(good_);
    ASSERT_TRUE(t.ok());
    layout_ = (*t)->layout();
    auto index = (*t)->NewIndexIterator();
    for (index.SeekToFirst(); index.Valid(); index.Next()) {
      data_blocks_.push_back(*(*t)->DecodeIndexValue(index.value()));
    }
    ASSERT_GT(data_blocks_.size(), 5u);
  }

  static void Flip(std::string* s, uint64_t offset) { (*s)[offset] ^= 0x10; }

  // Rewrites a block's trailer checksum so damage to its payload or type
  // reaches the decoders.
  static void Reseal(std::string* s, const BlockHandle& h) {
    const uint8_t type = static_cast<uint8_t>((*s)[h.offset + h.size]);
    const uint32_t c =
        BlockChecksum(std::string_view(s->data() + h.offset, h.size), type);
    EncodeFixed32(s->data() + h.offset + h.size + 1, c);
  }

  // Scans `bytes`; every entry returned must be the model's next one.
  // Returns the error that stopped the scan (OK if it read everything).
  absl::Status ScanAgainstModel(const std::string& bytes) {
    auto t = OpenTable(bytes, nullptr, 7, true, in_place_);
    if (!t.ok()) return t.status();
    auto it = (*t)->NewIterator({});
    size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      if (i >= entries_.size() || it->key() != entries_[i].first ||
          it->value() != entries_[i].second) {
        ADD_FAILURE() << "wrong data at entry " << i;
        return absl::InternalError("wrong data");
      }
    }
    if (!it->status().ok()) return it->status();
    if (i != entries_.size()) {
      ADD_FAILURE() << "scan ended early without an error at " << i;
      return absl::InternalError("short scan");
    }
    return absl::OkStatus();
  }

  // 1500 tables, each with one random bit flipped: every one is DataLoss
  // naming the file.
  void ExpectRandomFlipsDetected(uint64_t seed) {
    Random rnd(seed);
    for (int t = 0; t < 1500; ++t) {
      std::string bad = good_;
      const uint64_t at = rnd.Uniform(bad.size());
      bad[at] ^= static_cast<char>(1 << rnd.Uniform(8));
      absl::Status s = ScanAgainstModel(bad);
      if (s.ok()) {
        ADD_FAILURE() << "flip at " << at << " went unnoticed";
        continue;
      }
      ASSERT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("test.sst: ")))
          << "flip at " << at;
    }
  }

  bool in_place_ = false;  // read as from a mapped file
  Model model_;
  std::vector<std::pair<std::string, std::string>> entries_;
  std::string good_;
  TableLayout layout_;
  std::vector<BlockHandle> data_blocks_;
};

TEST_F(CorruptionTest, IntactTableScansClean) { EXPECT_OK(ScanAgainstModel(good_)); }

TEST_F(CorruptionTest, TooShortFile) {
  EXPECT_THAT(OpenTable(good_.substr(0, 20)).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("test.sst: file of 20 bytes is too short")));
}

TEST_F(CorruptionTest, BadMagic) {
  std::string bad = good_;
  Flip(&bad, bad.size() - 1);
  EXPECT_THAT(OpenTable(bad).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(fmt::format("bad magic number (not an "
                                             "sstable) at offset {}",
                                             good_.size() - kFooterSize))));
}

TEST_F(CorruptionTest, FooterHandleFlipFailsFooterChecksum) {
  std::string bad = good_;
  Flip(&bad, bad.size() - kFooterSize + 1);
  EXPECT_THAT(OpenTable(bad).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("footer checksum mismatch at offset")));
}

TEST_F(CorruptionTest, UnknownFormatVersion) {
  std::string bad = good_;
  char* f = bad.data() + bad.size() - kFooterSize;
  EncodeFixed32(f + kFooterHandlesLength, 99);
  EncodeFixed32(f + kFooterHandlesLength + 4,
                BlockChecksum(std::string_view(f, kFooterHandlesLength + 4), 0));
  EXPECT_THAT(OpenTable(bad).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("unsupported format version 99")));
}

TEST_F(CorruptionTest, EachMetaBlockNamesItsOffset) {
  const std::pair<const char*, BlockHandle> blocks[] = {
      {"metaindex", layout_.footer.metaindex},
      {"index", layout_.footer.index},
      {"properties", layout_.properties},
      {"filter", layout_.filter},
  };
  for (const auto& [name, h] : blocks) {
    for (uint64_t at : {h.offset, h.offset + h.size / 2, h.offset + h.size,
                        h.offset + h.size + 3}) {
      std::string bad = good_;
      Flip(&bad, at);
      EXPECT_THAT(OpenTable(bad).status(),
                  StatusIs(absl::StatusCode::kDataLoss,
                           HasSubstr(fmt::format("test.sst: block checksum "
                                                 "mismatch at offset {}",
                                                 h.offset))))
          << name << " flipped at " << at;
    }
  }
}

TEST_F(CorruptionTest, DataBlockChecksumFailsGetAndStopsIterator) {
  const BlockHandle h = data_blocks_[2];
  std::string bad = good_;
  Flip(&bad, h.offset + 7);
  ASSERT_OK_AND_ASSIGN(auto table, OpenTable(bad));
  const std::string want =
      fmt::format("test.sst: block checksum mismatch at offset {}", h.offset);
  // Find a key stored in block 2 through a clean reader.
  ASSERT_OK_AND_ASSIGN(auto clean, OpenTable(good_));
  ASSERT_OK_AND_ASSIGN(BlockRef block, clean->ReadDataBlock({}, h));
  BlockIterator bi(block.get(), KeyOrder::kInternal, "x");
  bi.SeekToFirst();
  ASSERT_TRUE(bi.Valid());
  GetResult r;
  EXPECT_THAT(table->Get({}, bi.key(), &r),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(want)));
  EXPECT_FALSE(r.found);
  EXPECT_THAT(ScanAgainstModel(bad),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(want)));
  // Backward too.
  auto it = table->NewIterator({});
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
  }
  EXPECT_THAT(it->status(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(want)));
}

TEST_F(CorruptionTest, UnknownCompressionTypeBehindAValidChecksum) {
  const BlockHandle h = data_blocks_[1];
  std::string bad = good_;
  bad[h.offset + h.size] = 9;
  Reseal(&bad, h);
  EXPECT_THAT(ScanAgainstModel(bad),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(fmt::format("unknown block compression type 9 "
                                             "at offset {}",
                                             h.offset))));
}

TEST_F(CorruptionTest, UndecompressableBlocksBehindAValidChecksum) {
  for (CompressionType c : {CompressionType::kLz4, CompressionType::kZstd}) {
    TableBuilderOptions o;
    o.compression = c;
    ASSERT_OK_AND_ASSIGN(std::string table, BuildTable(o, model_));
    ASSERT_OK_AND_ASSIGN(auto t, OpenTable(table));
    auto index = t->NewIndexIterator();
    index.SeekToFirst();
    ASSERT_OK_AND_ASSIGN(BlockHandle h, t->DecodeIndexValue(index.value()));
    ASSERT_EQ(table[h.offset + h.size], static_cast<char>(c));
    // Damage the compressed stream (past the varint raw size) ...
    std::string bad = table;
    for (uint64_t i = h.offset + 4; i < h.offset + h.size; i += 3) bad[i] ^= 0x5a;
    Reseal(&bad, h);
    auto reopened = OpenTable(bad);
    ASSERT_OK(reopened);
    auto it = (*reopened)->NewIterator({});
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_THAT(it->status(),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr(fmt::format("at offset {}", h.offset))))
        << CompressionTypeName(c);
    // ... and the stated raw size.
    bad = table;
    bad[h.offset] ^= 0x01;
    Reseal(&bad, h);
    ASSERT_OK_AND_ASSIGN(auto t2, OpenTable(bad));
    auto it2 = t2->NewIterator({});
    it2->SeekToFirst();
    EXPECT_FALSE(it2->Valid());
    EXPECT_THAT(it2->status(), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST_F(CorruptionTest, BlockHandleOutsideTheFile) {
  testing::StringSource src(good_);
  EXPECT_THAT(ReadBlock(src, "test.sst", good_.size(),
                        BlockHandle{good_.size() - 3, 10}, {}),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("outside the file")));
  EXPECT_THAT(ReadBlock(src, "test.sst", good_.size(),
                        BlockHandle{1, ~uint64_t{0} - 2}, {}),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("outside the file")));
}

TEST_F(CorruptionTest, EverySingleBitFlipIsDetected) {
  // Every byte is under a checksum (blocks, trailers and the footer), so no
  // flip may go unnoticed. Test a sample of positions in every structure.
  ExpectRandomFlipsDetected(synapsed::storage::testing::TestSeed());
}

// The same through a file that reads in place (a mapping): the stored bytes
// are checked and decoded where they lie, never trusted.
TEST_F(CorruptionTest, EverySingleBitFlipIsDetectedInAMappedFile) {
  in_place_ = true;
  EXPECT_OK(ScanAgainstModel(good_));
  ExpectRandomFlipsDetected(synapsed::storage::testing::TestSeed() + 2);
}

TEST_F(CorruptionTest, TruncationsAreDetected) {
  Random rnd(synapsed::storage::testing::TestSeed() + 1);
  for (int t = 0; t < 500; ++t) {
    const size_t len = rnd.Uniform(good_.size());
    EXPECT_THAT(OpenTable(good_.substr(0, len)).status(),
                StatusIs(absl::StatusCode::kDataLoss))
        << "length " << len;
  }
}

TEST_F(CorruptionTest, MutatedTablesNeverCrashWithoutChecksums) {
  // With verification off, damaged bytes reach every decoder; they may
  // yield wrong data (that is what checksums are for) but must not crash,
  // hang or fail with anything but DataLoss.
  Random rnd(synapsed::storage::testing::TestSeed() + 2);
  std::vector<std::string> tables = {good_};
  for (CompressionType c : {CompressionType::kNone, CompressionType::kZstd}) {
    TableBuilderOptions o;
    o.compression = c;
    o.block_size = 512;
    tables.push_back(*BuildTable(o, model_));
  }
  for (int t = 0; t < 3000; ++t) {
    std::string bad = tables[t % tables.size()];
    const int kind = rnd.Uniform(4);
    if (kind == 0) {
      bad.resize(rnd.Uniform(bad.size()));
    } else {
      const int flips = 1 + rnd.Uniform(kind == 3 ? 64 : 4);
      for (int i = 0; i < flips; ++i) {
        // Favour the meta blocks and footer at the end of the file.
        const uint64_t at = rnd.OneIn(2) ? rnd.Uniform(bad.size())
                                         : bad.size() - 1 -
                                               rnd.Uniform(std::min<size_t>(
                                                   bad.size(), 2048));
        bad[at] = kind == 1 ? bad[at] ^ (1 << rnd.Uniform(8))
                            : static_cast<char>(rnd.Next64());
      }
    }
    for (bool verify : {false, true}) {
      absl::Status s = testing::ExerciseTableBytes(bad, verify, nullptr, 700);
      ASSERT_TRUE(s.ok() || s.code() == absl::StatusCode::kDataLoss)
          << "mutation " << t << ": " << s;
    }
  }
}

}  // namespace
}  // namespace synapsed::storage::sstable
