// libFuzzer target for the manifest edit decoder (VersionEdit::Decode,
// engine/version_edit.h). The input is one manifest record's payload.
//
// Invariants: no crash or sanitizer report; an error is DataLoss (or
// FailedPrecondition for another format version) naming the source; an
// edit that decodes re-encodes to bytes that decode to the same edit, which
// re-encode to the same bytes; DebugString() (what `synapsed manifest dump`
// prints) works on it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/version_edit.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using synapsed::storage::compaction::FileMetaData;
namespace fuzz = synapsed::storage::fuzz;
using synapsed::storage::engine::VersionEdit;

constexpr std::string_view kWhere = "/fuzz/MANIFEST-000001 at offset 0";

bool SameFile(const FileMetaData& a, const FileMetaData& b) {
  return a.number == b.number && a.file_size == b.file_size &&
         a.smallest == b.smallest && a.largest == b.largest &&
         a.smallest_seq == b.smallest_seq && a.largest_seq == b.largest_seq &&
         a.num_entries == b.num_entries && a.num_deletions == b.num_deletions;
}

bool SameEdit(const VersionEdit& a, const VersionEdit& b) {
  if (a.format_version != b.format_version || a.log_number != b.log_number ||
      a.next_file_number != b.next_file_number ||
      a.last_sequence != b.last_sequence ||
      a.deleted_files != b.deleted_files ||
      a.new_files.size() != b.new_files.size()) {
    return false;
  }
  for (size_t i = 0; i < a.new_files.size(); ++i) {
    if (a.new_files[i].first != b.new_files[i].first ||
        !SameFile(a.new_files[i].second, b.new_files[i].second)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  VersionEdit edit;
  const absl::Status s = edit.Decode(input, kWhere);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kDataLoss ||
               s.code() == absl::StatusCode::kFailedPrecondition);
    FUZZ_CHECK(fuzz::Message(s).starts_with(kWhere));
    return 0;
  }
  (void)edit.DebugString();
  const std::string encoded = edit.Encode();
  VersionEdit again;
  FUZZ_CHECK(again.Decode(encoded, kWhere).ok());
  FUZZ_CHECK(SameEdit(edit, again));
  FUZZ_CHECK(again.Encode() == encoded);
  return 0;
}
