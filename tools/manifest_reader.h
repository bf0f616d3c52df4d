// ManifestReplay: reads a MANIFEST (docs/format/manifest.md) the way
// recovery does, but keeps every edit with its offset and stops at the
// first problem instead of failing outright, so tools can show what was
// read before the damage. Used by `synapsed manifest dump` and
// `synapsed db check`. Opens the file for reading only.
//
// The checks are recovery's: every record decodes; the first carries the
// format version; deletions name a table the level holds; L1+ tables do
// not overlap after an edit; the manifest ends with a log number, next file
// number and last sequence known. A torn final record is not an error
// (recovery drops it too); torn_tail_bytes() says so.
//
// Any thread; no shared state.
#ifndef SYNAPSED_TOOLS_MANIFEST_READER_H_
#define SYNAPSED_TOOLS_MANIFEST_READER_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/version_edit.h"
#include "env/env.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::tools {

struct ManifestRecord {
  uint64_t offset = 0;  // file offset of the record's first fragment
  engine::VersionEdit edit;
};

struct ManifestReplay {
  std::string path;
  uint64_t number = 0;  // the manifest's file number (its log number)
  std::vector<ManifestRecord> records;  // every edit read, in order
  // The state after the last good edit: level -> tables by number (L0 by
  // number, L1+ sorted by smallest key when printed by the caller).
  std::array<std::map<uint64_t, engine::FileMetaData>, engine::kNumLevels> levels;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<uint64_t> last_sequence;
  uint64_t torn_tail_bytes = 0;
  uint64_t torn_tail_offset = 0;
  // OK, or the first problem: DataLoss naming the file and offset.
  absl::Status status;
};

// The manifest CURRENT in `dir` names. NotFound if `dir` has no CURRENT
// (not a synapsed database); DataLoss if CURRENT is malformed.
[[nodiscard]] absl::StatusOr<std::string> CurrentManifestPath(env::FileSystem* fs,
                                                              const std::string& dir);

// Replays the manifest at `path`, which must be named MANIFEST-NNNNNN
// (its number is the log number its fragments carry); InvalidArgument in
// `status` otherwise, and NotFound / IO errors if it cannot be opened.
ManifestReplay ReplayManifest(env::FileSystem* fs, const std::string& path);

// A table's metadata for people ("#12 L1 4096 bytes ['a'@1 .. 'z'@9] ...")
// and for JSON (keys C-escaped, with sequence and type).
std::string TableMetaLine(const engine::FileMetaData& f);
nlohmann::json TableMetaJson(int level, const engine::FileMetaData& f);
// An internal key as 'user_key'@seq (D suffix for a deletion).
std::string ShowInternalKey(std::string_view ikey);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_MANIFEST_READER_H_
