// Tables whose blocks are sealed with a data key (TableBuilderOptions::cipher):
// they read back with the key, say why without it, hold none of their keys
// or values in clear, and every altered block of every kind is DataLoss.
#include <memory>
#include <string>
#include <vector>

#include "crypto/file_cipher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sstable/block_map.h"
#include "sstable/format.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "sstable/table_test_util.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"

namespace synapsed::storage::sstable {
namespace {

using ::synapsed::storage::testing::StatusIs;
using testing::BuildTable;
using testing::Model;
using ::testing::HasSubstr;

constexpr uint64_t kFileNumber = 7;

std::shared_ptr<const crypto::SecureKey> NewKey() {
  auto key = crypto::SecureKey::Random();
  EXPECT_TRUE(key.ok()) << key.status();
  return std::make_shared<const crypto::SecureKey>(*std::move(key));
}

std::shared_ptr<const crypto::FileCipher> CipherFor(
    std::shared_ptr<const crypto::SecureKey> key, uint64_t number = kFileNumber) {
  return std::make_shared<const crypto::FileCipher>(std::move(key), number,
                                                    crypto::FileKind::kTable);
}

absl::StatusOr<std::unique_ptr<TableReader>> Open(
    const std::string& bytes, std::shared_ptr<const crypto::FileCipher> cipher,
    uint64_t number = kFileNumber, bool in_place = false) {
  TableReaderOptions ro;
  ro.cipher = std::move(cipher);
  return TableReader::Open(ro, std::make_unique<testing::StringSource>(bytes, in_place),
                           bytes.size(), number, "000007.sst", nullptr);
}

class EncryptedTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 400; ++i) {
      char user[32];
      std::snprintf(user, sizeof(user), "marker-key-%05d", i);
      model_[MakeInternalKey(user, 100 + i, ValueType::kValue)] =
          "marker-value-" + std::string(60, static_cast<char>('a' + i % 26));
    }
    key_ = NewKey();
    TableBuilderOptions o;
    o.compression = CompressionType::kLz4;
    o.cipher = CipherFor(key_);
    ASSERT_OK_AND_ASSIGN(table_, BuildTable(o, model_));
  }

  // Reads every entry through an iterator; the status that stopped it.
  absl::Status ScanAll(const std::string& bytes) {
    auto t = Open(bytes, CipherFor(key_));
    if (!t.ok()) return t.status();
    auto it = (*t)->NewIterator({});
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    if (it->status().ok() && n != model_.size()) {
      return absl::InternalError("scan lost entries");
    }
    return it->status();
  }

  // Scans `t` and compares every entry with the model.
  void ExpectScanMatchesModel(const TableReader& t) {
    auto it = t.NewIterator({});
    auto want = model_.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
      ASSERT_NE(want, model_.end());
      EXPECT_EQ(it->key(), want->first);
      EXPECT_EQ(it->value(), want->second);
    }
    ASSERT_OK(it->status());
    EXPECT_EQ(want, model_.end());
  }

  Model model_;
  std::shared_ptr<const crypto::SecureKey> key_;
  std::string table_;
};

TEST_F(EncryptedTableTest, ReadsBackWithTheKey) {
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_)));
  EXPECT_EQ(t->layout().footer.format_version, kEncryptedFormatVersion);
  ExpectScanMatchesModel(*t);
  GetResult r;
  ASSERT_OK(t->Get({}, MakeInternalKey("marker-key-00123", kMaxSequenceNumber,
                                       kValueTypeForSeek),
                   &r));
  EXPECT_TRUE(r.found);
  EXPECT_EQ(t->properties().num_entries, model_.size());
}

// Through a file that reads in place (a mapping, which is read-only), each
// block is opened in a copy: reading everything twice, with no block cache,
// authenticates the same stored bytes again.
TEST_F(EncryptedTableTest, ReadsBackTwiceFromAMappedFile) {
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_), kFileNumber, true));
  ExpectScanMatchesModel(*t);
  ExpectScanMatchesModel(*t);
}

TEST_F(EncryptedTableTest, NoKeyOrValueInClear) {
  EXPECT_EQ(table_.find("marker"), std::string::npos);
  // A plain table of the same data has them, so the search can find them.
  TableBuilderOptions plain;
  plain.compression = CompressionType::kNone;
  ASSERT_OK_AND_ASSIGN(std::string clear, BuildTable(plain, model_));
  EXPECT_NE(clear.find("marker-value"), std::string::npos);
}

TEST_F(EncryptedTableTest, MissingWrongOrMisplacedKeysAreRefused) {
  EXPECT_THAT(Open(table_, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("encrypted and no data key")));
  EXPECT_THAT(Open(table_, CipherFor(NewKey())),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("000007.sst: block does not authenticate")));
  // The same key under another file number: the blocks name their file.
  EXPECT_THAT(Open(table_, CipherFor(key_, kFileNumber + 1), kFileNumber + 1),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not authenticate")));
  // A plain table where an encrypted one belongs.
  TableBuilderOptions plain;
  ASSERT_OK_AND_ASSIGN(std::string clear, BuildTable(plain, model_));
  EXPECT_THAT(Open(clear, CipherFor(key_)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("a plain table where an encrypted one belongs")));
}

// Every block of every kind, altered with its checksum made to match again
// (so only the authentication can catch it): DataLoss naming the file and
// the block's offset, when the table is opened or the block read.
TEST_F(EncryptedTableTest, EveryAlteredBlockFailsAuthentication) {
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_)));
  struct Target {
    const char* kind;
    BlockHandle handle;
  };
  std::vector<Target> targets = {{"metaindex", t->layout().footer.metaindex},
                                 {"index", t->layout().footer.index},
                                 {"properties", t->layout().properties}};
  ASSERT_TRUE(t->layout().has_filter);
  targets.push_back({"filter", t->layout().filter});
  auto index = t->NewIndexIterator();
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    targets.push_back({"data", *t->DecodeIndexValue(index.value())});
  }
  ASSERT_GT(targets.size(), 8u);
  for (const Target& target : targets) {
    const BlockHandle h = target.handle;
    for (uint64_t at : {h.offset, h.offset + h.size / 2, h.offset + h.size - 1}) {
      SCOPED_TRACE(std::string(target.kind) + " block at " + std::to_string(h.offset) +
                   ", byte " + std::to_string(at));
      std::string bad = table_;
      bad[at] ^= 0x01;
      const uint8_t type = static_cast<uint8_t>(bad[h.offset + h.size]);
      EncodeFixed32(bad.data() + h.offset + h.size + 1,
                    BlockChecksum(std::string_view(bad.data() + h.offset, h.size), type));
      const auto fails = StatusIs(
          absl::StatusCode::kDataLoss,
          HasSubstr("000007.sst: block does not authenticate (wrong key, or the block "
                    "was altered or moved) at offset " +
                    std::to_string(h.offset)));
      auto opened = Open(bad, CipherFor(key_));
      if (!opened.ok()) {
        EXPECT_THAT(opened.status(), fails);
        continue;
      }
      EXPECT_STREQ(target.kind, "data") << "a damaged meta block opened";
      EXPECT_THAT(ScanAll(bad), fails);
    }
  }
  // Without the checksum fixed, the checksum catches it first (no key needed).
  std::string bad = table_;
  bad[targets.back().handle.offset] ^= 0x01;
  EXPECT_THAT(ScanAll(bad), StatusIs(absl::StatusCode::kDataLoss,
                                     HasSubstr("block checksum mismatch")));
}

// A data block copied over another of the same stored size (checksum and
// all, so it is intact as bytes): its place does not match its sealing.
TEST_F(EncryptedTableTest, ABlockCopiedToAnotherOffsetFails) {
  TableBuilderOptions o;
  o.compression = CompressionType::kNone;  // equal-sized blocks
  o.cipher = CipherFor(key_);
  Model uniform;
  for (int i = 0; i < 400; ++i) {
    char user[32];
    std::snprintf(user, sizeof(user), "k%05d", i);
    uniform[MakeInternalKey(user, 5, ValueType::kValue)] = std::string(100, 'v');
  }
  ASSERT_OK_AND_ASSIGN(std::string bytes, BuildTable(o, uniform));
  ASSERT_OK_AND_ASSIGN(auto t, Open(bytes, CipherFor(key_)));
  std::vector<BlockHandle> blocks;
  auto index = t->NewIndexIterator();
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    blocks.push_back(*t->DecodeIndexValue(index.value()));
  }
  // Two data blocks of the same stored size.
  size_t from = 0, to = 0;
  for (size_t i = 0; i < blocks.size() && to == 0; ++i) {
    for (size_t j = i + 1; j < blocks.size(); ++j) {
      if (blocks[i].size == blocks[j].size) {
        from = i;
        to = j;
        break;
      }
    }
  }
  ASSERT_NE(to, 0u) << "the test needs two data blocks of one size";
  std::string moved = bytes;
  moved.replace(blocks[to].offset, blocks[to].size + kBlockTrailerSize,
                bytes.substr(blocks[from].offset, blocks[from].size + kBlockTrailerSize));
  ASSERT_OK_AND_ASSIGN(auto m, Open(moved, CipherFor(key_)));
  EXPECT_THAT(m->ReadDataBlock({}, blocks[to], nullptr).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not authenticate")));
  EXPECT_OK(m->ReadDataBlock({}, blocks[from], nullptr).status());
}

// Without the key, the block map still leads to every stored block: each
// checksum is verified and the blocks cover the file exactly.
TEST_F(EncryptedTableTest, ChecksumsVerifyWithoutTheKey) {
  testing::StringSource file(table_);
  ASSERT_OK_AND_ASSIGN(StoredBlocksReport r,
                       VerifyStoredBlocks(file, "000007.sst", table_.size()));
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_)));
  // data blocks, filter, index, properties, meta-index and the map itself
  EXPECT_EQ(r.blocks, t->properties().num_data_blocks + 5);
  EXPECT_EQ(r.bytes, table_.size());

  // A flipped byte anywhere before the footer is caught, at its block.
  const BlockHandle map = t->layout().footer.block_map;
  for (uint64_t at = 0; at < table_.size() - kFooterSize; at += 97) {
    std::string bad = table_;
    bad[at] ^= 0x10;
    testing::StringSource damaged(bad);
    auto v = VerifyStoredBlocks(damaged, "000007.sst", bad.size());
    ASSERT_THAT(v.status(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("000007.sst: ")))
        << "byte " << at;
    if (at >= map.offset) {
      EXPECT_THAT(v.status(), StatusIs(absl::StatusCode::kDataLoss,
                                       HasSubstr("at offset " + std::to_string(map.offset))));
    }
  }
  // The footer, and a cut file.
  std::string bad = table_;
  bad[bad.size() - kFooterSize + 2] ^= 0x01;
  testing::StringSource damaged_footer(bad);
  EXPECT_THAT(VerifyStoredBlocks(damaged_footer, "000007.sst", bad.size()).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("footer checksum mismatch")));
  const std::string shorter = table_.substr(0, table_.size() - 1);
  testing::StringSource cut(shorter);
  EXPECT_THAT(VerifyStoredBlocks(cut, "000007.sst", shorter.size()).status(),
              StatusIs(absl::StatusCode::kDataLoss));
}

// A map that lies, checksum and all, is caught by the blocks' own
// checksums or by not covering the file.
TEST_F(EncryptedTableTest, ABlockMapThatLiesIsCaught) {
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_)));
  const BlockHandle map = t->layout().footer.block_map;
  for (int delta : {-1, +1}) {
    std::string bad = table_;
    // The first block's size (a varint after the count): nudge its low byte.
    std::string_view in(bad.data() + map.offset, map.size);
    uint64_t count = 0;
    ASSERT_TRUE(GetVarint64(&in, &count));
    const size_t first = static_cast<size_t>(in.data() - bad.data());
    bad[first] = static_cast<char>(bad[first] + delta);
    EncodeFixed32(bad.data() + map.offset + map.size + 1,
                  BlockChecksum(std::string_view(bad.data() + map.offset, map.size), 0));
    testing::StringSource file(bad);
    EXPECT_THAT(VerifyStoredBlocks(file, "000007.sst", bad.size()).status(),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("000007.sst: ")))
        << delta;
  }
}

TEST_F(EncryptedTableTest, TablesWithoutABlockMapSaySo) {
  TableBuilderOptions plain;
  ASSERT_OK_AND_ASSIGN(std::string clear, BuildTable(plain, model_));
  testing::StringSource file(clear);
  EXPECT_THAT(VerifyStoredBlocks(file, "p.sst", clear.size()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a plain table is checked by reading it")));

  // An encrypted table as written before block maps (footer version 2, two
  // handles): it still reads with its key; without, it cannot be checked.
  ASSERT_OK_AND_ASSIGN(auto t, Open(table_, CipherFor(key_)));
  Footer old = t->layout().footer;
  old.format_version = kEncryptedFormatVersionWithoutBlockMap;
  std::string footer;
  ASSERT_OK(old.EncodeTo(&footer));
  std::string v2 = table_;
  v2.replace(v2.size() - kFooterSize, kFooterSize, footer);
  testing::StringSource v2_file(v2);
  EXPECT_THAT(VerifyStoredBlocks(v2_file, "000007.sst", v2.size()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only with its key")));
  EXPECT_OK(ScanAll(v2));
}

}  // namespace
}  // namespace synapsed::storage::sstable
