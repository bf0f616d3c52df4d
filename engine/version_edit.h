// VersionEdit: one change to the set of live tables, as recorded in the
// MANIFEST (spec: docs/format/manifest.md).
//
// A manifest is a log (wal/ record format) of edits; replaying them in order
// from an empty state gives the live tables per level, the oldest log still
// needed, the next file number and the last sequence. The first record of
// every manifest is a full snapshot (all live tables) written at open.
//
// Encoding: a sequence of fields, each `tag:varint32` then the field's
// bytes. Tags are on disk: do not change their values; unknown tags are
// corruption (a newer format), not something to skip silently.
#ifndef SYNAPSED_ENGINE_VERSION_EDIT_H_
#define SYNAPSED_ENGINE_VERSION_EDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "compaction/file_metadata.h"

namespace synapsed::storage::engine {

using compaction::FileMetaData;
using compaction::kNumLevels;

// The manifest format this build writes and reads.
inline constexpr uint32_t kManifestFormatVersion = 1;

struct VersionEdit {
  std::optional<uint32_t> format_version;  // in the first record of a manifest
  std::optional<uint64_t> log_number;      // logs below this are obsolete
  std::optional<uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;
  std::vector<std::pair<int, uint64_t>> deleted_files;  // (level, number)
  std::vector<std::pair<int, FileMetaData>> new_files;  // (level, file)

  void Clear() { *this = VersionEdit(); }
  std::string Encode() const;
  // DataLoss (naming `where`) on malformed input.
  [[nodiscard]] absl::Status Decode(std::string_view data, std::string_view where);
  // One line per field, for `synapsed manifest dump`.
  std::string DebugString() const;
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_VERSION_EDIT_H_
