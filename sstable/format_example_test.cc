// Decodes the worked example of docs/format/sstable.md ("Worked example"),
// byte for byte: if the encoder or the spec changes, this test and the spec
// change together.
#include <string>

#include "fmt/format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crypto/file_cipher.h"
#include "sstable/block_map.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

// The 711-byte table from the spec, as printed there.
const char* const kExampleHex =
      "00 0d 03 61 70 70 6c 65 01 03 00 00 00 00 00 00"
      "72 65 64 02 0d 00 72 69 63 6f 74 00 02 00 00 00"
      "00 00 00 00 0e 06 62 61 6e 61 6e 61 01 01 00 00"
      "00 00 00 00 79 65 6c 6c 6f 77 00 00 00 00 01 00"
      "00 00 00 e1 03 38 fe 00 00 00 00 00 00 00 00 00"
      "00 00 00 00 10 00 01 02 20 00 00 00 00 00 10 00"
      "81 00 00 00 00 00 00 00 00 00 00 04 20 00 00 02"
      "a0 00 00 10 00 00 00 00 00 00 40 80 00 00 00 10"
      "00 01 01 00 00 00 00 06 01 00 00 00 00 8e 9f 71"
      "ed 00 09 02 63 03 ff ff ff ff ff ff ff 00 42 00"
      "00 00 00 01 00 00 00 00 e7 50 fc bc 00 0a 01 62"
      "6c 6f 63 6b 73 2e 6c 7a 34 00 00 0b 01 62 6c 6f"
      "63 6b 73 2e 6e 6f 6e 65 01 00 0b 01 62 6c 6f 63"
      "6b 73 2e 7a 73 74 64 00 00 0b 04 63 6f 6d 70 72"
      "65 73 73 69 6f 6e 6e 6f 6e 65 00 0d 05 63 72 65"
      "61 74 69 6f 6e 2e 74 69 6d 65 80 e2 cf aa 06 00"
      "0b 01 64 61 74 61 2e 62 6c 6f 63 6b 73 01 00 09"
      "01 64 61 74 61 2e 73 69 7a 65 47 00 16 01 64 61"
      "74 61 2e 75 6e 63 6f 6d 70 72 65 73 73 65 64 2e"
      "73 69 7a 65 42 00 09 01 64 65 6c 65 74 69 6f 6e"
      "73 01 00 07 01 65 6e 74 72 69 65 73 03 00 13 01"
      "66 69 6c 74 65 72 2e 62 69 74 73 2e 70 65 72 2e"
      "6b 65 79 0a 00 0b 01 66 69 6c 74 65 72 2e 73 69"
      "7a 65 4a 00 0e 01 66 6f 72 6d 61 74 2e 76 65 72"
      "73 69 6f 6e 01 00 0a 01 69 6e 64 65 78 2e 73 69"
      "7a 65 1b 00 0b 0e 6b 65 79 2e 6c 61 72 67 65 73"
      "74 62 61 6e 61 6e 61 01 01 00 00 00 00 00 00 00"
      "0c 0d 6b 65 79 2e 73 6d 61 6c 6c 65 73 74 61 70"
      "70 6c 65 01 03 00 00 00 00 00 00 00 0c 01 72 61"
      "77 2e 6b 65 79 2e 73 69 7a 65 2a 00 0e 01 72 61"
      "77 2e 76 61 6c 75 65 2e 73 69 7a 65 09 00 07 01"
      "73 65 71 2e 6d 61 78 03 00 07 01 73 65 71 2e 6d"
      "69 6e 01 00 00 00 00 0e 00 00 00 1d 00 00 00 2c"
      "00 00 00 3e 00 00 00 53 00 00 00 62 00 00 00 6f"
      "00 00 00 89 00 00 00 96 00 00 00 a1 00 00 00 b8"
      "00 00 00 c7 00 00 00 d9 00 00 00 e7 00 00 00 03"
      "01 00 00 1f 01 00 00 2f 01 00 00 41 01 00 00 4c"
      "01 00 00 14 00 00 00 00 d5 69 c2 8e 00 0c 02 66"
      "69 6c 74 65 72 2e 62 6c 6f 6f 6d 47 45 00 0a 04"
      "70 72 6f 70 65 72 74 69 65 73 ac 01 ab 03 00 00"
      "00 00 11 00 00 00 02 00 00 00 00 f5 8d 3c a2 dc"
      "04 2e 91 01 16 00 00 00 00 00 00 00 00 00 00 00"
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
      "00 00 00 00 00 00 00 01 00 00 00 96 2d 2d 57 4d"
      "b3 0e 4c 0d 36 74 3d";

std::string Unhex(std::string_view hex) {
  std::string out;
  int nibbles = 0;
  unsigned v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      continue;
    }
    v = v * 16 + d;
    if (++nibbles == 2) {
      out.push_back(static_cast<char>(v));
      nibbles = 0;
      v = 0;
    }
  }
  return out;
}

testing::Model ExampleEntries() {
  testing::Model m;
  m[MakeInternalKey("apple", 3, ValueType::kValue)] = "red";
  m[MakeInternalKey("apricot", 2, ValueType::kDeletion)] = "";
  m[MakeInternalKey("banana", 1, ValueType::kValue)] = "yellow";
  return m;
}

TEST(FormatExampleTest, DecodesTheSpecExample) {
  const std::string bytes = Unhex(kExampleHex);
  ASSERT_EQ(bytes.size(), 711u);
  ASSERT_OK_AND_ASSIGN(auto table, testing::OpenTable(bytes));

  // Layout, as annotated in the spec.
  const TableLayout& l = table->layout();
  EXPECT_EQ(l.footer.index, (BlockHandle{145, 22}));
  EXPECT_EQ(l.footer.metaindex, (BlockHandle{604, 46}));
  EXPECT_EQ(l.footer.format_version, 1u);
  ASSERT_TRUE(l.has_filter);
  EXPECT_EQ(l.filter, (BlockHandle{71, 69}));
  EXPECT_EQ(l.properties, (BlockHandle{172, 427}));
  BlockIterator index = table->NewIndexIterator();
  index.SeekToFirst();
  ASSERT_TRUE(index.Valid());
  EXPECT_EQ(index.key(), MakeInternalKey("c", kMaxSequenceNumber,
                                         kValueTypeForSeek));
  ASSERT_OK_AND_ASSIGN(BlockHandle data, table->DecodeIndexValue(index.value()));
  EXPECT_EQ(data, (BlockHandle{0, 66}));

  // Entries.
  const testing::Model want = ExampleEntries();
  auto it = table->NewIterator({});
  auto w = want.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++w) {
    ASSERT_NE(w, want.end());
    EXPECT_EQ(it->key(), w->first);
    EXPECT_EQ(it->value(), w->second);
  }
  EXPECT_EQ(w, want.end());
  EXPECT_OK(it->status());

  GetResult r;
  ASSERT_OK(table->Get({}, MakeInternalKey("apricot", 10, kValueTypeForSeek),
                       &r));
  ASSERT_TRUE(r.found);
  EXPECT_EQ(ExtractValueType(r.key), ValueType::kDeletion);
  EXPECT_EQ(ExtractSequence(r.key), 2u);

  // Properties.
  const TableProperties& p = table->properties();
  EXPECT_EQ(p.creation_time, 1700000000u);
  EXPECT_EQ(p.num_entries, 3u);
  EXPECT_EQ(p.num_deletions, 1u);
  EXPECT_EQ(p.num_data_blocks, 1u);
  EXPECT_EQ(p.raw_key_size, 42u);
  EXPECT_EQ(p.raw_value_size, 9u);
  EXPECT_EQ(p.uncompressed_data_size, 66u);
  EXPECT_EQ(p.data_size, 71u);
  EXPECT_EQ(p.filter_size, 74u);
  EXPECT_EQ(p.index_size, 27u);
  EXPECT_EQ(p.filter_bits_per_key, 10u);
  EXPECT_EQ(p.min_sequence, 1u);
  EXPECT_EQ(p.max_sequence, 3u);
  EXPECT_EQ(p.compression, "none");
  EXPECT_EQ(p.blocks_by_codec[0], 1u);
  EXPECT_EQ(p.smallest_key, MakeInternalKey("apple", 3, ValueType::kValue));
  EXPECT_EQ(p.largest_key, MakeInternalKey("banana", 1, ValueType::kValue));

  // The filter holds the three user keys.
  ASSERT_NE(table->filter(), nullptr);
  EXPECT_EQ(table->filter()->num_probes(), 6);
  for (const char* u : {"apple", "apricot", "banana"}) {
    EXPECT_TRUE(table->KeyMayMatch(FilterHash(u))) << u;
  }
}

TEST(FormatExampleTest, EncoderWritesTheSpecExample) {
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;
  o.creation_time = 1700000000;
  ASSERT_OK_AND_ASSIGN(std::string built,
                       testing::BuildTable(o, ExampleEntries()));
  EXPECT_EQ(built, Unhex(kExampleHex));
}

// The example table encrypted ("Block map" in the spec): file number 7,
// data key 00 01 02 ... 1f. Its block map and footer, byte for byte.
constexpr char kEncryptedMapHex[] = "05 52 55 26 bb 03 3e 00 ca 97 23 a2";
constexpr char kEncryptedFooterHex[] =
    "9c 05 3e b1 01 26 df 05 07 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 03 00 00 00 91 d6 08 dd"
    "4d b3 0e 4c 0d 36 74 3d";

TEST(FormatExampleTest, EncryptedExampleHasTheSpecBlockMap) {
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += fmt::format("{:02x}", i);
  ASSERT_OK_AND_ASSIGN(crypto::SecureKey key, crypto::SecureKey::FromHex(hex));
  auto cipher = std::make_shared<const crypto::FileCipher>(
      std::make_shared<const crypto::SecureKey>(std::move(key)), 7, crypto::FileKind::kTable);
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;
  o.creation_time = 1700000000;
  o.cipher = cipher;
  ASSERT_OK_AND_ASSIGN(std::string built, testing::BuildTable(o, ExampleEntries()));
  testing::StringSource file(built);
  ASSERT_OK_AND_ASSIGN(StoredBlocksReport r, VerifyStoredBlocks(file, "000007.sst", built.size()));
  EXPECT_EQ(r.blocks, 6u);
  EXPECT_EQ(built.size(), 803u);
  const std::string footer = built.substr(built.size() - kFooterSize);
  ASSERT_OK_AND_ASSIGN(Footer f, Footer::Decode(footer, "000007.sst", 0));
  const std::string map = built.substr(f.block_map.offset, f.block_map.size + kBlockTrailerSize);
  std::string map_hex, footer_hex;
  for (char c : map) map_hex += fmt::format("{:02x} ", static_cast<uint8_t>(c));
  for (char c : footer) footer_hex += fmt::format("{:02x} ", static_cast<uint8_t>(c));
  EXPECT_EQ(map, Unhex(kEncryptedMapHex)) << map_hex << " at " << f.block_map.offset;
  EXPECT_EQ(footer, Unhex(kEncryptedFooterHex)) << footer_hex << " size " << built.size();
}

}  // namespace
}  // namespace synapsed::storage::sstable
