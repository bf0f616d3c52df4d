// Manifest replay: the one reader of MANIFEST files (spec:
// docs/format/manifest.md). Recovery (VersionSet::Recover in
// engine/version.cc) and the tool's `synapsed manifest dump` and
// `synapsed db check` (tools/) all replay a manifest through here, so the
// tool reports exactly what an open would load or refuse.
//
// Replaying starts from an empty state and applies each edit in order with
// ApplyVersionEdit, the same function LogAndApply uses for new edits. The
// corruption rules (each a DataLoss naming the file and the record's offset):
//   - every record passes the log format's checksum and decodes;
//   - the first record carries the format version (it is the snapshot a
//     read-write open writes first);
//   - a deletion names a table its level holds;
//   - after every edit, the tables of each level L1+ do not overlap;
//   - at the end, the log number, next file number and last sequence are
//     known (the snapshot record sets all three).
// A torn final record is not corruption: it is an edit whose sync never
// returned, so it was never acknowledged; it is dropped, as a WAL's torn
// tail is, and torn_tail_bytes says how much.
//
// Replay stops at the first problem and keeps the state after the last good
// edit, so a tool can show what was read before the damage; recovery treats
// any problem as fatal.
//
// Pure functions over the FileSystem: any thread, nothing shared.
#ifndef SYNAPSED_ENGINE_MANIFEST_REPLAY_H_
#define SYNAPSED_ENGINE_MANIFEST_REPLAY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compaction/file_metadata.h"
#include "engine/key_registry.h"
#include "engine/version_edit.h"
#include "env/env.h"

namespace synapsed::storage::engine {

// `base` with `edit` applied: deletions first, then additions; L0 ordered by
// file number (flush order, oldest first), L1+ by smallest key. DataLoss
// (prefixed by `where`) when a deletion names a table the level lacks or an
// L1+ level would overlap.
[[nodiscard]] absl::StatusOr<compaction::LsmShape> ApplyVersionEdit(
    const compaction::LsmShape& base, const VersionEdit& edit, std::string_view where);

// The manifest CURRENT in `dir` names. NotFound if `dir` has no CURRENT
// (not a synapsed database); DataLoss naming CURRENT if it is malformed or
// names something other than a manifest; the I/O error if it cannot be read.
[[nodiscard]] absl::StatusOr<std::string> CurrentManifestPath(env::FileSystem* fs,
                                                              const std::string& dir);

struct ManifestRecord {
  uint64_t offset = 0;  // file offset of the record's first fragment
  VersionEdit edit;
};

struct ManifestReplay {
  std::string path;
  uint64_t number = 0;  // the manifest's file number (the log number its fragments carry)
  size_t num_records = 0;               // edits applied
  std::vector<ManifestRecord> records;  // those edits, when keep_records was asked
  // The state after the last good edit.
  compaction::LsmShape shape;
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<SequenceNumber> last_sequence;
  uint64_t torn_tail_bytes = 0;
  uint64_t torn_tail_offset = 0;  // where the intact records end
  // OK, or the first problem: DataLoss naming the file and offset;
  // InvalidArgument if `path` is not named MANIFEST-NNNNNN; the file
  // system's error (NotFound, I/O) if it cannot be opened.
  absl::Status status;
};

// Replays the manifest at `path`. Recovery passes keep_records = false: it
// needs only the final state, and a long-lived manifest's edits add up.
// `keys`: an encrypted database's registry, whose data key opens the
// manifest's records (null: a plain manifest).
ManifestReplay ReplayManifest(env::FileSystem* fs, const std::string& path,
                              bool keep_records, const KeyRegistry* keys = nullptr);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_MANIFEST_REPLAY_H_
