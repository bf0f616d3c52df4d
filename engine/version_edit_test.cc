#include "engine/version_edit.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace synapsed::storage::engine {
namespace {

using ::synapsed::storage::testing::StatusIs;

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

// docs/format/manifest.md, "Worked example".
const char* kExample =
    "01 01 02 05 03 09 04 ac 02 05 01 04 06 00 07 d2 09 "
    "09 61 01 01 00 00 00 00 00 00 "
    "09 7a 01 2c 01 00 00 00 00 00 "
    "01 ac 02 ac 02 00";

TEST(VersionEdit, DocExampleDecodes) {
  const std::string bytes = Hex(kExample);
  ASSERT_EQ(bytes.size(), 43u);
  VersionEdit e;
  ASSERT_OK(e.Decode(bytes, "example"));
  EXPECT_EQ(e.format_version, 1u);
  EXPECT_EQ(e.log_number, 5u);
  EXPECT_EQ(e.next_file_number, 9u);
  EXPECT_EQ(e.last_sequence, 300u);
  ASSERT_EQ(e.deleted_files.size(), 1u);
  EXPECT_EQ(e.deleted_files[0], std::make_pair(1, uint64_t{4}));
  ASSERT_EQ(e.new_files.size(), 1u);
  const auto& [level, f] = e.new_files[0];
  EXPECT_EQ(level, 0);
  EXPECT_EQ(f.number, 7u);
  EXPECT_EQ(f.file_size, 1234u);
  EXPECT_EQ(f.smallest, MakeInternalKey("a", 1, ValueType::kValue));
  EXPECT_EQ(f.largest, MakeInternalKey("z", 300, ValueType::kValue));
  EXPECT_EQ(f.smallest_seq, 1u);
  EXPECT_EQ(f.largest_seq, 300u);
  EXPECT_EQ(f.num_entries, 300u);
  EXPECT_EQ(f.num_deletions, 0u);
  EXPECT_EQ(e.Encode(), bytes);  // and the encoder writes exactly these bytes
}

TEST(VersionEdit, RoundTripAndCorruption) {
  VersionEdit e;
  e.log_number = 12;
  e.last_sequence = 1ull << 50;
  FileMetaData f;
  f.number = 99;
  f.file_size = 1 << 20;
  f.smallest = MakeInternalKey(std::string("\0k", 2), 5, ValueType::kDeletion);
  f.largest = MakeInternalKey("zz", 9, ValueType::kValue);
  e.new_files.emplace_back(6, f);
  e.deleted_files.emplace_back(3, 77);
  const std::string enc = e.Encode();
  VersionEdit d;
  ASSERT_OK(d.Decode(enc, "x"));
  EXPECT_EQ(d.Encode(), enc);
  EXPECT_NE(d.DebugString().find("L6 #99"), std::string::npos);
  // Every truncation inside a field is an error, never a silently shorter
  // edit. The only cuts that decode are the boundaries between whole fields
  // (the encoder's order: log number, last sequence, deleted file, new file),
  // and what they decode re-encodes to exactly the bytes kept.
  std::set<size_t> boundaries;
  {
    VersionEdit part;
    part.log_number = e.log_number;
    boundaries.insert(part.Encode().size());
    part.last_sequence = e.last_sequence;
    boundaries.insert(part.Encode().size());
    part.deleted_files = e.deleted_files;
    boundaries.insert(part.Encode().size());
  }
  std::set<size_t> decoded;
  for (size_t n = 1; n < enc.size(); ++n) {
    VersionEdit t;
    const std::string_view cut = std::string_view(enc).substr(0, n);
    absl::Status s = t.Decode(cut, "trunc");
    if (s.ok()) {
      decoded.insert(n);
      EXPECT_EQ(t.Encode(), cut) << "cut at " << n;
    } else {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("trunc")))
          << "cut at " << n;
    }
  }
  EXPECT_EQ(decoded, boundaries);
  EXPECT_THAT(d.Decode(std::string("\x63\x01", 2), "unknown"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(d.Decode(std::string("\x05\x09\x01", 3), "level"),
              StatusIs(absl::StatusCode::kDataLoss));  // level 9
  EXPECT_THAT(d.Decode(std::string("\x01\x02", 2), "version"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace synapsed::storage::engine
